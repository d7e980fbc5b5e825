import { notJsonMessage } from '../../pipeline/json-message.js';
import { parseQuery } from '../../pipeline/query.js';

/** The body could not be parsed although its content type says it can (OPA-Envoy answers 400). */
export class BodyParseError extends Error {}

export interface ParsedBody {
  parsed: unknown;
  truncated: boolean;
}

const MAX_FORM_FIELDS = 1000;
const MAX_PARTS = 100;

function nullProto(): Record<string, unknown[]> {
  return Object.create(null) as Record<string, unknown[]>;
}

function parseForm(text: string): Record<string, unknown[]> {
  const out = nullProto();
  for (const [k, values] of parseQuery(text, MAX_FORM_FIELDS)) out[k] = values;
  return out;
}

function boundaryOf(contentType: string): string | undefined {
  const m = /;\s*boundary=(?:"([^"]{1,200})"|([^;\s]{1,200}))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

/** multipart/form-data → { name: [value…] } (JSON parts parsed), like OPA-Envoy. */
function parseMultipart(text: string, boundary: string): Record<string, unknown[]> {
  const out = nullProto();
  const delim = `--${boundary}`;
  const sections = text.split(delim);
  if (sections.length < 2) throw new BodyParseError('multipart body has no parts');
  let parts = 0;
  for (let i = 1; i < sections.length; i++) {
    let s = sections[i]!;
    if (s.startsWith('--')) break; // closing delimiter
    if (++parts > MAX_PARTS) break;
    s = s.replace(/^\r?\n/, '');
    const sep = /\r?\n\r?\n/.exec(s);
    if (!sep) throw new BodyParseError('multipart part without a header block');
    const head = s.slice(0, sep.index);
    let value = s.slice(sep.index + sep[0].length).replace(/\r?\n$/, '');
    const name = /content-disposition:[^\n]*?\bname="([^"]*)"/i.exec(head)?.[1];
    if (!name) continue;
    const ctype = /content-type:\s*([^\r\n]*)/i.exec(head)?.[1] ?? '';
    let parsed: unknown = value;
    if (ctype.includes('application/json')) {
      try { parsed = JSON.parse(value); } catch { throw new BodyParseError(`multipart part "${name.slice(0, 64)}" is not valid JSON`); }
    }
    value = '';
    (out[name] ??= []).push(parsed);
  }
  return out;
}

/**
 * OPA-Envoy's parsed_body / truncated_body: JSON, urlencoded forms and multipart forms are parsed;
 * other content types give undefined. A body Envoy cut short is never parsed (truncated = true).
 */
export function parseBody(contentType: string | undefined, body: Buffer, truncated: boolean): ParsedBody {
  if (!contentType) return { parsed: undefined, truncated: false };
  const json = contentType.includes('application/json');
  const form = contentType.includes('application/x-www-form-urlencoded');
  const multipart = contentType.includes('multipart/form-data');
  if (!json && !form && !multipart) return { parsed: undefined, truncated };
  if (body.length === 0) return { parsed: undefined, truncated: false };
  if (truncated) return { parsed: undefined, truncated: true };
  const text = body.toString('utf8');
  if (json) {
    try { return { parsed: JSON.parse(text), truncated: false }; } catch (err) {
      throw new BodyParseError(notJsonMessage(err, 'request body is not valid JSON'));
    }
  }
  if (form) return { parsed: parseForm(text), truncated: false };
  const boundary = boundaryOf(contentType);
  if (!boundary) return { parsed: undefined, truncated: false };
  return { parsed: parseMultipart(text, boundary), truncated: false };
}
