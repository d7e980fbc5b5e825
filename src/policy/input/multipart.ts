/**
 * multipart/form-data → { name: [value…] } for input.parsed_body, read as OPA-Envoy reads it (Go's
 * mime/multipart NextPart + Part.FormName): a delimiter is `--boundary` at the start of a line, followed by
 * spaces/tabs and the line end (`--boundary--` closes the body); the first delimiter line decides whether
 * lines end in CRLF or LF; a part's content ends at the line end before the next delimiter; a part's field
 * name is the `name` parameter of a `form-data` Content-Disposition, a token or a quoted string.
 *
 * Where Go would fail (no closing delimiter, a malformed delimiter or header line) the body is refused, as
 * OPA-Envoy refuses it (400). Where servers could read a part differently from each other — the name given
 * twice, an RFC 2231 `name*`, two Content-Disposition headers, a Content-Transfer-Encoding Go decodes but
 * others do not, a line starting with `--boundary` that is no delimiter, a boundary after the closing
 * delimiter, a disposition Go skips but others read — it is refused too: the policy must see what the upstream will see, or nothing.
 * Everything is read with indexOf scans: linear in the body.
 */

import { charsetMayDiffer } from './charset.js';

/** The request could not be shown to the policy (thrown as body.ts's BodyParseError). */
export type Refuse = (message: string) => Error;

export const MAX_PARTS = 1000;
const MAX_HEADER_LINES = 100;

const isLwsp = (c: number): boolean => c === 0x20 || c === 0x09;

const TSPECIALS = '()<>@,;:\\"/[]?=';
const isTSpecial = (c: number): boolean => TSPECIALS.indexOf(String.fromCharCode(c)) >= 0;
/** Go's mime token characters: visible ASCII except the tspecials. */
const isTokenChar = (c: number): boolean => c > 0x20 && c < 0x7f && !isTSpecial(c);

function skipSpace(s: string, i: number): number {
  while (i < s.length && (isLwsp(s.charCodeAt(i)) || s.charCodeAt(i) === 0x0d || s.charCodeAt(i) === 0x0a)) i++;
  return i;
}

function token(s: string, i: number): number {
  while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
  return i;
}

/**
 * A Content-Type or Content-Disposition value as Go's mime.ParseMediaType reads it: the lower-cased type
 * and the parameters (names lower-cased); undefined where Go fails to parse it. Throws for a parameter
 * given twice, or `name` / `boundary` in RFC 2231 form (`name*=`: Go decodes and merges these; other parsers
 * do not); other RFC 2231 parameters (`filename*=`) are left out.
 */
export function parseMediaType(v: string, refuse: Refuse): { type: string; params: Map<string, string> } | undefined {
  let i = skipSpace(v, 0);
  let tEnd = token(v, i);
  if (tEnd === i) return undefined;
  if (v.charCodeAt(tEnd) === 0x2f) { // type/subtype
    const sEnd = token(v, tEnd + 1);
    if (sEnd === tEnd + 1) return undefined;
    tEnd = sEnd;
  }
  const type = v.slice(i, tEnd).toLowerCase();
  const params = new Map<string, string>();
  i = tEnd;
  for (;;) {
    i = skipSpace(v, i);
    if (i >= v.length) break;
    if (v.charCodeAt(i) !== 0x3b) return undefined; // ';'
    i = skipSpace(v, i + 1);
    if (i >= v.length) break; // trailing semicolons are ignored
    const kEnd = token(v, i);
    if (kEnd === i) return undefined;
    const key = v.slice(i, kEnd).toLowerCase();
    i = skipSpace(v, kEnd);
    if (v.charCodeAt(i) !== 0x3d) return undefined; // '='
    i = skipSpace(v, i + 1);
    let value: string;
    if (v.charCodeAt(i) === 0x22) {
      let out = '';
      let j = i + 1;
      for (; j < v.length; j++) {
        const c = v.charCodeAt(j);
        if (c === 0x22) break;
        if (c === 0x0d || c === 0x0a) return undefined;
        // like Go, a backslash escapes only a special character; before anything else it is kept
        if (c === 0x5c && j + 1 < v.length && isTSpecial(v.charCodeAt(j + 1))) { out += v[j + 1]; j++; continue; }
        out += v[j];
      }
      if (j >= v.length) return undefined; // unclosed quote
      value = out;
      i = j + 1;
    } else {
      const vEnd = token(v, i);
      if (vEnd === i) return undefined;
      value = v.slice(i, vEnd);
      i = vEnd;
    }
    const star = key.indexOf('*');
    if (star >= 0) {
      // a name or boundary in RFC 2231 form is read differently by each server; any other (.NET's
      // filename*=utf-8''… on every file upload) names nothing the policy input shows
      const base = key.slice(0, star);
      if (base === 'name' || base === 'boundary') throw refuse(`multipart: RFC 2231 parameter ${key.slice(0, 32)} (send it as a quoted string)`);
      continue;
    }
    if (params.has(key)) throw refuse(`multipart: parameter "${key.slice(0, 32)}" given twice`);
    params.set(key, value);
  }
  return { type, params };
}

/** The part's header lines (up to the empty line) as lower-cased name → values. Go's textproto rules. */
function readHeaders(text: string, from: number, refuse: Refuse): { headers: Map<string, string[]>; end: number } {
  const headers = new Map<string, string[]>();
  let last: string[] | undefined;
  let i = from;
  for (let n = 0; ; n++) {
    if (n > MAX_HEADER_LINES) throw refuse(`multipart part has more than ${MAX_HEADER_LINES} header lines`);
    const eol = text.indexOf('\n', i);
    if (eol < 0) throw refuse('multipart part headers are not terminated');
    const line = text.slice(i, eol > i && text.charCodeAt(eol - 1) === 0x0d ? eol - 1 : eol);
    i = eol + 1;
    if (line === '') return { headers, end: i };
    if (isLwsp(line.charCodeAt(0))) {
      if (!last) throw refuse('multipart part header block starts with a continuation line');
      last[last.length - 1] += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0 || token(line, 0) !== colon) throw refuse('multipart part has a malformed header line');
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    const list = headers.get(name);
    if (list) list.push(value); else headers.set(name, [value]);
    last = headers.get(name);
  }
}

/**
 * Where the delimiter line `dash` + LWSP* + nl (or `dash` + "--" + LWSP* + (nl | end)) begins at `at`:
 * 'next', 'final', or undefined when the line is something else.
 */
function delimiterLine(text: string, at: number, dash: string, nl: string): 'next' | 'final' | undefined {
  if (!text.startsWith(dash, at)) return undefined;
  let i = at + dash.length;
  let final = false;
  if (text.startsWith('--', i)) { final = true; i += 2; }
  while (i < text.length && isLwsp(text.charCodeAt(i))) i++;
  if (final && i === text.length) return 'final';
  return text.startsWith(nl, i) ? (final ? 'final' : 'next') : undefined;
}

/** Go's matchAfterPrefix: `--boundary` at `at` ends a part when a space, tab, CR, LF, "--" or the end follows. */
function endsPart(text: string, at: number, dashLen: number): boolean {
  const i = at + dashLen;
  if (i >= text.length) return true;
  const c = text.charCodeAt(i);
  if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) return true;
  return c === 0x2d && text.charCodeAt(i + 1) === 0x2d;
}

/**
 * The boundary PHP reads from a Content-Type (rfc1867.c): the text after the first `=` that follows the
 * first "boundary" anywhere in the header (case-sensitive, else in any case), to the closing quote or the
 * first `,` or `;`. Not a parameter parser: `xboundary=A; boundary=B` gives A where Go reads B.
 */
export function phpBoundary(contentType: string): string | undefined {
  let at = contentType.indexOf('boundary');
  if (at < 0) at = contentType.search(/boundary/i);
  const eq = at < 0 ? -1 : contentType.indexOf('=', at);
  if (eq < 0) return undefined;
  if (contentType.charCodeAt(eq + 1) === 0x22) {
    const close = contentType.indexOf('"', eq + 2);
    return close < 0 ? undefined : contentType.slice(eq + 2, close);
  }
  let end = eq + 1;
  while (end < contentType.length && contentType[end] !== ',' && contentType[end] !== ';') end++;
  return contentType.slice(eq + 1, end);
}

export type JsonParse = (text: string, name: string) => unknown;

export function parseMultipart(text: string, boundary: string, parseJson: JsonParse, refuse: Refuse): Record<string, unknown[]> {
  const out = Object.create(null) as Record<string, unknown[]>;
  const dash = `--${boundary}`;
  // the first delimiter line (a preamble before it is skipped); it decides CRLF or LF
  let nl = '\r\n';
  let pos = -1;
  for (let at = 0; at < text.length;) {
    const eol = text.indexOf('\n', at);
    if (text.startsWith(dash, at)) {
      const crlf = eol > 0 && text.charCodeAt(eol - 1) === 0x0d;
      const kind = delimiterLine(text, at, dash, crlf ? '\r\n' : '\n');
      // Go's isFinalBoundary compares with "\r\n" until a delimiter line switched the reader to LF: before
      // that, "--B--" ending in a bare LF is preamble, and the parts after it are read
      if (kind === 'final' && (crlf || eol < 0)) return closed(out, text, at + dash.length, dash, refuse);
      if (kind === 'next') { nl = crlf ? '\r\n' : '\n'; pos = eol + 1; break; }
    }
    if (eol < 0) break;
    at = eol + 1;
  }
  if (pos < 0) throw refuse('multipart body has no delimiter line');
  const nlDash = nl + dash;
  const lfDash = `\n${dash}`;
  for (let parts = 1; ; parts++) {
    if (parts > MAX_PARTS) throw refuse(`multipart body has more than ${MAX_PARTS} parts`);
    const { headers, end } = readHeaders(text, pos, refuse);
    // the content ends before nl + dash (or at once, when the content starts with dash)
    let stop: number;
    let next: number;
    if (text.startsWith(dash, end) && endsPart(text, end, dash.length)) {
      stop = end;
      next = end;
    } else {
      // Go ends the part at nl + dash + (space, tab, CR, LF, "--" or the end); PHP at the first "\n" + dash
      // whatever surrounds it: the first "\n" + dash must be Go's delimiter, or the readers disagree
      const lf = text.indexOf(lfDash, end);
      if (lf < 0) throw refuse('multipart body has no closing delimiter');
      const at = lf + 1 - nl.length;
      if (at < end || !text.startsWith(nlDash, at) || !endsPart(text, at, nlDash.length)) {
        throw refuse('multipart part has a line that starts like a delimiter and is none (PHP ends the part there)');
      }
      stop = at;
      next = at + nl.length;
    }
    const kind = delimiterLine(text, next, dash, nl);
    if (kind === undefined) throw refuse('multipart body has a malformed delimiter line');
    addPart(out, headers, text.slice(end, stop), parseJson, refuse);
    if (kind === 'final') return closed(out, text, next + dash.length, dash, refuse);
    pos = text.indexOf('\n', next) + 1;
  }
}

/**
 * The fields, once the closing delimiter (its `--boundary` ending before `from`) is read. Go and busboy stop
 * there; PHP reads on, skipping lines until one is exactly `--boundary`, and parses the parts after it: a
 * boundary after the closing delimiter is refused. An epilogue without it is ignored, as everyone ignores it.
 */
function closed(out: Record<string, unknown[]>, text: string, from: number, dash: string, refuse: Refuse): Record<string, unknown[]> {
  if (text.indexOf(dash, from) >= 0) throw refuse('multipart body has a delimiter after its closing delimiter (PHP reads the parts after it)');
  return out;
}

function addPart(out: Record<string, unknown[]>, headers: Map<string, string[]>, content: string, parseJson: JsonParse, refuse: Refuse): void {
  const cd = headers.get('content-disposition');
  if (!cd) return;
  if (cd.length > 1) throw refuse('multipart part has two Content-Disposition headers');
  // Go's FormName skips a part whose disposition it cannot parse or that is not form-data; PHP takes any
  // name= of the header, whatever the type, and busboy reads past what Go refuses: such a part is refused
  const d = parseMediaType(cd[0]!, refuse);
  if (!d) throw refuse('multipart part has a Content-Disposition that cannot be parsed');
  if (d.type !== 'form-data') {
    if (d.params.has('name')) throw refuse(`multipart part has a name but a "${d.type.slice(0, 32)}" disposition, not form-data`);
    return;
  }
  const name = d.params.get('name');
  if (!name) return; // Go's FormName: no name
  const ctes = headers.get('content-transfer-encoding');
  if (ctes && ctes.length > 1) throw refuse(`multipart part "${name.slice(0, 64)}" has two Content-Transfer-Encoding headers`);
  const cte = ctes?.[0]?.toLowerCase();
  if (cte !== undefined && cte !== '7bit' && cte !== '8bit' && cte !== 'binary') {
    throw refuse(`multipart part "${name.slice(0, 64)}" has a Content-Transfer-Encoding servers decode differently`);
  }
  const ctype = headers.get('content-type')?.[0] ?? '';
  const charset = ctype === '' ? undefined : parseMediaType(ctype, refuse)?.params.get('charset');
  if (charsetMayDiffer(charset, content)) {
    throw refuse(`multipart part "${name.slice(0, 64)}" is in charset ${charset!.slice(0, 32)}, which servers decode differently`);
  }
  // OPA-Envoy's strings.Contains, in any letter case as for the body's own type (body.ts): media types are case-insensitive
  (out[name] ??= []).push(ctype.toLowerCase().includes('application/json') ? parseJson(content, name) : content);
}
