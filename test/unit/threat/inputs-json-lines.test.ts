import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import { DEFAULT_DETECTOR_OPTIONS, inspectValue } from '../../../src/threat/detectors/index.js';
import { MAX_JSON_LINES } from '../../../src/threat/inputs-json-lines.js';
import { walkInputs, type InputLimits, type InputOptions } from '../../../src/threat/inputs.js';
import { checkRequest, decide, denyBody, runtimeFrom } from '../helpers.js';

const o: InputOptions = { headers: [], maxValueBytes: 4096, maxTotalBytes: 100_000, maxJsonDepth: 3, maxJsonValues: 50, maxParts: 10, inspectPath: false, inspectQuery: false, inspectBody: true };

function read(body: string | Buffer, contentType?: string, opts = o): { inputs: Array<[string, string, string[]]>; lim: InputLimits } {
  const ctx = buildContext(checkRequest({ method: 'POST', path: '/api/events', body, headers: contentType ? { 'content-type': contentType } : {} }), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
  const inputs: Array<[string, string, string[]]> = [];
  const lim = walkInputs(ctx, opts, (where, value) => inputs.push([where, value, inspectValue(value, DEFAULT_DETECTOR_OPTIONS).map((f) => f.family)]));
  return { inputs, lim };
}

const lines = (...docs: unknown[]) => docs.map((d) => `${JSON.stringify(d)}\n`).join('');
const SQLI = 'admin" or 1=1';

/**
 * NDJSON / JSON Lines / JSON text sequences: one JSON document per line (or per RS record). Such a body was
 * read whole as one string of text, JSON escapes and quotes included: the SQL reader saw the document's own
 * quotes around each value, and 591 of the 6436 corpus attacks refused as a JSON value passed inside a JSON
 * line (`admin" or 1=1`, ` ORDER BY 30 `, ` UNION ALL SELECT 'INJ'||'ECT'…`). An application/json-seq body
 * (RFC 7464: each record starts with the control character RS) was not read at all: neither JSON nor text.
 */
describe('JSON lines bodies, read document by document', () => {
  for (const type of ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines', 'application/octet-stream', undefined]) {
    it(`${type ?? 'no type'}: each line's string values are read decoded, under body.$ paths`, () => {
      const { inputs, lim } = read(lines({ id: 1, note: 'fine' }, { id: 2, q: SQLI }, { id: 3, x: '\u003cscript\u003ealert(1)\u003c/script\u003e' }).replace(/</g, '\\u003c').replace(/>/g, '\\u003e'), type);
      assert.deepEqual(inputs, [['body.$.note', 'fine', []], ['body.$.q', SQLI, ['sqli']], ['body.$.x', '<script>alert(1)</script>', ['xss']]]);
      assert.equal(lim.unparsedBody, undefined);
    });
  }

  it('application/json-seq: RS-separated records (which may span lines) are read', () => {
    const body = `\x1e${JSON.stringify({ a: 'xy' })}\n\x1e${JSON.stringify({ q: SQLI }, null, 2)}\n`;
    assert.deepEqual(read(body, 'application/json-seq').inputs, [['body.$.a', 'xy', []], ['body.$.q', SQLI, ['sqli']]]);
  });

  it('refused end to end', async () => {
    const rt = await runtimeFrom('threat: { ban: { ttl_ms: 0 } }\ndefault_action: { action: allow }\nroutes:\n  - name: api\n    match: { path: { prefix: / } }\n');
    for (const type of ['application/x-ndjson', 'application/json-seq']) {
      const body = type === 'application/json-seq' ? `\x1e{"id":1}\n\x1e{"q":"admin\\" or 1=1"}\n` : lines({ id: 1 }, { q: SQLI });
      const r = await decide(rt, { method: 'POST', path: '/bulk', body, headers: { 'content-type': type, 'user-agent': 'curl/8.5.0' } });
      assert.equal(denyBody(r).error, 'ERR_THREAT', type);
    }
  });

  it('a line that is not JSON is read as text and recorded; CRLF and blank lines are fine', () => {
    const { inputs, lim } = read(`{"a":"xy"}\r\n\r\nnot json <svg onload=confirm(7)>\r\n{"b":"y z"}\r\n`, 'application/x-ndjson');
    assert.deepEqual(inputs.map(([w, v, f]) => [w, v, f.join()]), [['body.$.a', 'xy', ''], ['body', 'not json <svg onload=confirm(7)>', 'xss'], ['body.$.b', 'y z', '']]);
    assert.equal(lim.unparsedBody, 'ndjson');
  });

  it('a single document, or text whose first line is not JSON, is read as before (no type: JSON or text)', () => {
    assert.deepEqual(read('{"q":"a b"}\n', undefined).inputs.map(([w]) => w), ['body.$.q']);
    assert.deepEqual(read('hello there\n{"q":"a b"}\n', 'application/octet-stream').inputs.map(([w]) => w), ['body']);
  });

  it('per line: repeated names read, depth cut as for a JSON body; values counted across lines', () => {
    const { inputs, lim } = read(`{"q":"1' union select pwd from staff-- ","q":"xy"}\n{"a":{"b":{"c":{"d":"deep"}}}}\n`, 'application/x-ndjson');
    assert.deepEqual(inputs.map(([w, v]) => [w, v]), [['body.$.q', 'xy'], ['body.$.q', "1' union select pwd from staff-- "], ['body.$.a.b.c..*', 'deep']]);
    assert.equal(lim.depthExceeded, true);
    const many = read(lines(...Array.from({ length: 30 }, (_, i) => ({ a: `v${i}`, b: `w${i}` }))), 'application/x-ndjson');
    assert.equal(many.inputs.length, 60);
    assert.equal(many.lim.overCount, 10, 'max_json_values (50) counts values of the whole body');
  });

  it(`lines past ${MAX_JSON_LINES} are counted and read all the same, within the total budget`, () => {
    const body = lines(...Array.from({ length: MAX_JSON_LINES + 5 }, () => ({ k: 1 })), { q: SQLI });
    const { inputs, lim } = read(body, 'application/x-ndjson', { ...o, maxJsonValues: 1e6 });
    assert.deepEqual(inputs.map(([w, , f]) => [w, f.join()]), [['body.$.q', 'sqli']]);
    assert.ok(lim.overCount >= 6);
    // a budget too small for every line ends the walk, recorded (the rest was not read)
    const small = read(body, 'application/x-ndjson', { ...o, maxTotalBytes: 1024 });
    assert.equal(small.lim.budgetExhausted, true);
  });
});
