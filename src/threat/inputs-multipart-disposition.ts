import { isHex } from '../common/percent-decode.js';

/** A multipart part's Content-Disposition (and Content-Transfer-Encoding), as multipart parsers read them. */
export interface Disposition {
  /** The `name` parameter of the (first) Content-Disposition; undefined: none. */
  name?: string;
  /** Every `filename` and `filename*` (RFC 5987, decoded) parameter value of every Content-Disposition, in order. */
  filenames: string[];
  /**
   * A file to every parser: one Content-Disposition header on one line, its parameters well-formed, at least one
   * filename and none empty. Anything else (two headers, an unterminated quote, `filename=""` beside another) some parser reads
   * as a form field, so the part is read as one.
   */
  file: boolean;
  /** Every Content-Transfer-Encoding header's value, trimmed and lower-cased. */
  transferEncodings: string[];
}

/**
 * The Content-Disposition of a part's header block: its own parameters only. busboy, Go's mime/multipart, PHP,
 * Werkzeug, Django and Commons FileUpload take the filename and name from there, never from another header, the
 * part's Content-Type or the inside of a quoted value. Header names are case-insensitive; lines end in CRLF or
 * LF; a line that starts with a blank continues the header before it. Linear.
 */
export function disposition(head: string): Disposition {
  const values: string[] = [];
  const ctes: string[] = [];
  let folded = false;
  let cur: string | undefined; // the value of the Content-Disposition header being read (continuation lines join it)
  for (let start = 0; start <= head.length;) {
    let end = head.indexOf('\n', start);
    if (end < 0) end = head.length;
    const line = head.slice(start, end > start && head.charCodeAt(end - 1) === 13 ? end - 1 : end);
    start = end + 1;
    const c0 = line.charCodeAt(0);
    // a folded line: Go, PHP and Commons FileUpload join it to the header before; a reader without obs-fold support does not
    if (c0 === 32 || c0 === 9) { if (cur !== undefined) { values[values.length - 1] = cur += line; folded = true; } continue; }
    cur = undefined;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim().toLowerCase() : '';
    if (name === 'content-disposition') { cur = line.slice(colon + 1); values.push(cur); }
    else if (name === 'content-transfer-encoding') ctes.push(line.slice(colon + 1).trim().toLowerCase());
  }
  const out: Disposition = { filenames: [], file: false, transferEncodings: ctes };
  let wellFormed = true;
  for (let i = 0; i < values.length; i++) {
    const params = parameters(values[i]!);
    if (params === undefined) { wellFormed = false; continue; }
    for (const [k, v] of params) {
      if (k === 'name') { if (i === 0 && out.name === undefined) out.name = v; } else if (k === 'filename') out.filenames.push(v);
      else if (k === 'filename*') out.filenames.push(extValue(v));
    }
  }
  out.file = wellFormed && !folded && values.length === 1 && out.filenames.length > 0 && out.filenames.every((f) => f !== '');
  return out;
}

/**
 * The `; name=value` parameters after the disposition type (names lower-cased; a value a token or a quoted string
 * with `\` escapes). Undefined: a quoted string that never closes.
 */
function parameters(v: string): Array<[string, string]> | undefined {
  const out: Array<[string, string]> = [];
  const n = v.length;
  let i = v.indexOf(';');
  if (i < 0) return out;
  while (i < n) {
    while (i < n && (v.charCodeAt(i) === 59 || v.charCodeAt(i) === 32 || v.charCodeAt(i) === 9)) i++;
    if (i >= n) break;
    const nameStart = i;
    while (i < n && v.charCodeAt(i) !== 61 && v.charCodeAt(i) !== 59) i++;
    const name = v.slice(nameStart, i).trim().toLowerCase();
    if (i >= n || v.charCodeAt(i) === 59) continue; // a name without a value
    i++; // '='
    while (i < n && (v.charCodeAt(i) === 32 || v.charCodeAt(i) === 9)) i++;
    let value = '';
    if (v.charCodeAt(i) === 34) {
      let closed = false;
      let from = ++i;
      for (; i < n; i++) {
        const c = v.charCodeAt(i);
        if (c === 92 && i + 1 < n) { value += v.slice(from, i); from = ++i; continue; }
        if (c === 34) { closed = true; break; }
      }
      if (!closed) return undefined;
      value += v.slice(from, i);
      i++;
      while (i < n && v.charCodeAt(i) !== 59) i++; // anything after the closing quote, up to the next ';'
    } else {
      const from = i;
      while (i < n && v.charCodeAt(i) !== 59) i++;
      value = v.slice(from, i).trim();
    }
    out.push([name, value]);
  }
  return out;
}

/** An RFC 5987 ext-value (`UTF-8''%e2%82%ac.txt`) decoded: its percent-escapes as bytes in its charset (UTF-8, else Latin-1). */
function extValue(v: string): string {
  const q1 = v.indexOf("'");
  const q2 = q1 < 0 ? -1 : v.indexOf("'", q1 + 1);
  if (q2 < 0) return v;
  const utf8 = v.slice(0, q1).trim().toLowerCase() === 'utf-8';
  const s = v.slice(q2 + 1);
  const bytes = Buffer.allocUnsafe(s.length * 3);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 && i + 2 < s.length && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) { bytes[n++] = parseInt(s.slice(i + 1, i + 3), 16); i += 2; continue; }
    n += bytes.write(s[i]!, n, utf8 ? 'utf8' : 'latin1');
  }
  return bytes.subarray(0, n).toString(utf8 ? 'utf8' : 'latin1');
}
