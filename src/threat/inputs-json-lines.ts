import { UNPARSED_KEY } from './exclude.js';
import { type Inspector, MIN_COST } from './inputs-inspector.js';
import type { JsonCount } from './inputs-json-repeats.js';

/** Records of a JSON lines body read before they count as over the limit (each costs MIN_COST of the budget too). */
export const MAX_JSON_LINES = 1000;

/** Media types of one JSON document per line (NDJSON, JSON Lines) or per RS-led record (RFC 7464 JSON text sequences). */
export const JSON_LINES_TYPES: ReadonlySet<string> = new Set([
  'application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonl',
  'application/jsonlines', 'application/x-jsonlines', 'application/json-seq',
]);

/** Reads one parsed record (its text, for the repeated-name count); `count` carries max_json_values across records. */
export type ReadDoc = (doc: unknown, src: string, count: JsonCount) => void;

/**
 * A body of JSON documents one per line (NDJSON, JSON Lines; CRLF and blank lines allowed), or one per
 * record led by RS (0x1E, `seq`: RFC 7464, a record may span lines), read record by record as the
 * application's line reader does: each record that parses is read as JSON (`read`: string values under
 * `body.$…` paths, the JSON body's depth and value limits), one that does not is read as text and
 * recorded. Records past MAX_JSON_LINES are counted and read all the same; each costs MIN_COST of the
 * total budget, which bounds the work. `probe` (a body no type declares as JSON lines): nothing is read,
 * and false returned, unless the first record parses as JSON. Linear in the text.
 */
export function inspectJsonLines(text: string, seq: boolean, w: Inspector, read: ReadDoc, probe = false): boolean {
  const sep = seq ? '\x1e' : '\n';
  const count: JsonCount = { n: 0, lit: 0 };
  let records = 0;
  for (let start = 0; start < text.length && !w.exhausted;) {
    let end = text.indexOf(sep, start);
    if (end < 0) end = text.length;
    const rec = text.slice(start, end).trim();
    start = end + 1;
    if (rec === '') continue;
    let doc: unknown;
    let ok = true;
    try { doc = JSON.parse(rec); } catch { ok = false; }
    if (records === 0 && probe && !ok) return false;
    if (++records > MAX_JSON_LINES) w.lim.overCount++;
    w.charge(MIN_COST);
    if (w.exhausted) break;
    if (ok) read(doc, rec, count);
    else { w.lim.unparsedBody = 'ndjson'; w.emit('body', rec, false, UNPARSED_KEY); }
  }
  return records > 0;
}

/** True when a text's first non-blank character is RS: a JSON text sequence (RFC 7464). */
export function startsWithRs(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 0xfeff) continue;
    return c === 0x1e;
  }
  return false;
}
