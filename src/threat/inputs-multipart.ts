import { phpBoundary } from '../policy/input/multipart.js';
import { FILENAME_KEY, UNPARSED_KEY } from './exclude.js';
import { declaresText, textLike } from './body-sniff.js';
import { type Charset, declaredCharset, readings } from './charset.js';
import { type Inspector, MIN_COST, suspiciousKey } from './inputs-inspector.js';
import { disposition } from './inputs-multipart-disposition.js';
import { inspectJsonPart } from './inputs-multipart-json.js';

/** A `boundary` parameter (after a `;`: not the end of another name such as `xboundary`). */
const BOUNDARY = /;[ \t]*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/gi;

/**
 * The boundary: the one `boundary` parameter; undefined when there is none or more than one (parsers
 * differ on which wins, so no reading of the parts is safe), or when PHP reads another one (the text after
 * the first "boundary" anywhere in the header: `xboundary=A; boundary=B` is A to PHP).
 */
function boundaryOf(contentType: string): string | undefined {
  BOUNDARY.lastIndex = 0;
  const m = BOUNDARY.exec(contentType);
  if (!m) return undefined;
  const value = m[1] ?? m[2];
  if (BOUNDARY.exec(contentType) !== null) return undefined;
  return phpBoundary(contentType) === value ? value : undefined;
}
const CONTENT_TYPE = /(?:^|\n)[ \t]*content-type[ \t]*:[ \t]*([^\r\n;]+)([^\r\n]*)/i;

/**
 * A part's text in the charset its Content-Type names: busboy (multer) decodes a field's value with it
 * (`charset=utf-16le` …), so a part in UTF-16 read as UTF-8 would hide its text behind NULs. No charset or
 * UTF-8: UTF-8; one nothing decodes (charset.ts): UTF-8, and recorded. In a charset that is not
 * ASCII-compatible (UTF-7), the UTF-8 reading too where it differs (an application may ignore the charset).
 * A part that names no charset is read as UTF-8 (busboy, Go, PHP) and, where that differs, in the body's
 * (`bodyCs`: Tomcat and ASP.NET decode such a field in the multipart body's own `charset=`).
 */
function partTexts(w: Inspector, content: Buffer, params: string | undefined, bodyCs: DecodedCharset | undefined): [string, string | undefined] {
  const cs = declaredCharset(params);
  if (cs === undefined) {
    const utf8 = content.toString('utf8');
    if (bodyCs === undefined || (params !== undefined && /charset/i.test(params))) return [utf8, undefined];
    const inBody = bodyCs.decode(w.decodable(bodyCs, content));
    return [utf8, inBody === utf8 ? undefined : inBody];
  }
  if (cs.kind === 'unknown') { w.lim.undecodableCharset ??= cs.label; return [content.toString('utf8'), undefined]; }
  return readings(cs, w.decodable(cs, content));
}

type DecodedCharset = Charset & { kind: 'decode' };

/** How the parts of one multipart body are read. */
interface PartOptions {
  maxParts: number;
  maxJsonValues: number;
  /** multipart/form-data (else another multipart type: a part without a name is read as a file). */
  formData: boolean;
  /** The name of the form-data part whose multipart/mixed content these parts are (one level deep). */
  outer?: string;
  /** The charset of the multipart body's own Content-Type, when it decodes (partTexts). */
  bodyCs?: DecodedCharset;
}

/** A delimiter: `--boundary` at the start of the body or of a line. */
function delimiterAt(b: Buffer, delim: Buffer, from: number): number {
  let i = b.indexOf(delim, from);
  while (i > 0 && b[i - 1] !== 10) i = b.indexOf(delim, i + 1);
  return i;
}

/**
 * After a delimiter: -1 for the close delimiter (`--`), the start of the part's header block after
 * transport padding and CRLF or a bare LF, or -2 when the line is no delimiter line at all.
 */
function afterDelimiter(b: Buffer, at: number): number {
  if (b[at] === 45 && b[at + 1] === 45) return -1;
  let i = at;
  while (b[i] === 32 || b[i] === 9) i++;
  if (b[i] === 13) i++;
  return b[i] === 10 ? i + 1 : i >= b.length ? i : -2;
}

/** Where the header block of a part ends (an empty line, CRLF or LF): [end of headers, start of content]. */
function headerEnd(p: Buffer): [number, number] | undefined {
  if (p[0] === 10) return [0, 1];
  if (p[0] === 13 && p[1] === 10) return [0, 2];
  for (let i = p.indexOf(10); i >= 0; i = p.indexOf(10, i + 1)) {
    if (p[i + 1] === 10) return [i, i + 2];
    if (p[i + 1] === 13 && p[i + 2] === 10) return [i, i + 3];
  }
  return undefined;
}

function unparsed(w: Inspector, b: Buffer): void {
  w.lim.unparsedBody = 'multipart';
  w.emit('body', b.toString('utf8'), false, UNPARSED_KEY);
}

/**
 * multipart/form-data (RFC 7578), every part; and any other multipart type (`formData` false), which Spring
 * (on Tomcat's getParts) and Go's MultipartReader read as a form too: there a part without a name is read as a
 * file is (when it is text). A Content-Type with no `boundary` parameter, or two, is unparsed. A part without a filename (or with an empty one) is a form
 * field: busboy, multer, Go and Spring hand it to the application as text whatever type it declares, so
 * its text is inspected.
 * A file part is inspected by its filename, and its content when its type declares text or it is text. Lines end in CRLF or
 * a bare LF. A part's text that is a JSON object or array is read value by value. A body without a boundary or delimiter, or with a line that starts like a delimiter and is
 * none (parsers disagree on those), is inspected as raw text and recorded as unparsed; so is a part
 * without a header block. Parts past maxParts are counted and read all the same.
 */
export function inspectMultipart(contentType: string, b: Buffer, w: Inspector, po: PartOptions): void {
  const boundary = boundaryOf(contentType);
  if (boundary === undefined) return unparsed(w, b);
  const delim = Buffer.from(`--${boundary}`);
  const parts: Array<[number, number]> = [];
  let pos = delimiterAt(b, delim, 0);
  if (pos < 0) return unparsed(w, b);
  // the first delimiter line's end decides (Go, busboy): after a CRLF one, a delimiter after or ending in a bare
  // LF is content to them and a delimiter to PHP (and this reader)
  let crlf: boolean | undefined;
  while (pos >= 0) {
    const start = afterDelimiter(b, pos + delim.length);
    if (crlf === true && pos > 0 && b[pos - 2] !== 13) return unparsed(w, b);
    if (start === -1) break;
    if (start === -2) return unparsed(w, b);
    const lineCrlf = b[start - 2] === 13 && b[start - 1] === 10;
    if (crlf === undefined) crlf = lineCrlf;
    else if (crlf && !lineCrlf && start < b.length) return unparsed(w, b);
    const next = delimiterAt(b, delim, start);
    let end = next < 0 ? b.length : next - 1; // the line break before a delimiter is the delimiter's
    if (next >= 0 && end > start && b[end - 1] === 13) end--;
    parts.push([start, Math.max(start, end)]);
    pos = next;
  }
  for (let n = 0; n < parts.length && !w.exhausted; n++) {
    if (n >= po.maxParts) w.lim.overCount++;
    w.charge(MIN_COST);
    part(b.subarray(parts[n]![0], parts[n]![1]), n, w, po);
  }
}

/** A part's text (each reading): value by value when it is a JSON document (inputs-multipart-json.ts), else whole. */
function partContent(w: Inspector, name: string, [text, alt]: [string, string | undefined], maxJsonValues: number): void {
  for (const t of alt === undefined ? [text] : [text, alt]) {
    if (!inspectJsonPart(w, `multipart.${name}`, `multipart-key.${name}`, t, maxJsonValues)) w.emit(`multipart.${name}`, t);
  }
}

function part(p: Buffer, n: number, w: Inspector, po: PartOptions): void {
  const he = headerEnd(p);
  if (he === undefined) { w.lim.unparsedBody = 'multipart'; w.emit(`multipart.${n}`, p.toString('utf8'), false, UNPARSED_KEY); return; }
  const head = p.subarray(0, he[0]).toString('utf8');
  // the name and filename are the Content-Disposition's own parameters (inputs-multipart-disposition.ts)
  const cd = disposition(head);
  const fullName = cd.name;
  const name = (fullName ?? po.outer ?? String(n)).slice(0, 64);
  // the field name is a key the application reads, as a form field's name is
  if (fullName !== undefined && suspiciousKey(fullName)) w.emit(`multipart-key.${name}`, fullName);
  const ct = CONTENT_TYPE.exec(head);
  const type = ct?.[1]?.trim().toLowerCase() ?? 'application/octet-stream';
  // the content as sent and, in a Content-Transfer-Encoding, decoded: Go decodes quoted-printable, Django base64
  const raw = p.subarray(he[1]);
  // a file to every parser (a filename, none empty): else a field (Go reads an empty filename as a form value
  // too). In another multipart type (multipart/related …) a part without a name is a body part, read as a file is
  const file = cd.file || (!po.formData && cd.name === undefined);
  for (const content of [raw, ...transferDecoded(raw, cd.transferEncodings)]) {
    // a file's content is read when it declares text (in its charset), or is text whatever it declares —
    // the type is the client's to choose, and the application stores the file all the same (as the body
    // inspector reads a body of another type that is text)
    if (!file || declaresText(type) || textLike(content)) { partContent(w, name, partTexts(w, content, ct?.[2], po.bodyCs), po.maxJsonValues); w.settle(); }
  }
  // every filename parameter (filename and filename*: parsers differ on which wins)
  for (const f of cd.filenames) if (f !== '') w.emit(`multipart.${name}.filename`, f.slice(0, 255), false, FILENAME_KEY + name);
  // a form-data part of type multipart/mixed (RFC 2388: several files under one name): Commons FileUpload (Tomcat's
  // getParts, Spring) reads its parts as files of this name, one level deep
  if (po.outer === undefined && fullName !== undefined && type === 'multipart/mixed') inspectMultipart(ct![1]! + ct![2]!, raw, w, { ...po, formData: false, outer: name });
}

/**
 * The content decoded in each Content-Transfer-Encoding that decodes (base64, quoted-printable; linear, and no
 * larger than the content): what of it is read is charged as any text is.
 */
function transferDecoded(content: Buffer, ctes: readonly string[]): Buffer[] {
  const out: Buffer[] = [];
  for (const cte of new Set(ctes)) {
    if (cte !== 'base64' && cte !== 'quoted-printable') continue;
    out.push(cte === 'base64' ? Buffer.from(content.toString('latin1'), 'base64') : quotedPrintable(content));
  }
  return out;
}

/** Quoted-printable (RFC 2045 §6.7) as Go's reader decodes it: `=XX` (either case) the byte, `=` at a line end a soft break. */
function quotedPrintable(b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(b.length);
  let n = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c === 61) {
      const h = hexDigit(b[i + 1]), l = hexDigit(b[i + 2]);
      if (h >= 0 && l >= 0) { out[n++] = h * 16 + l; i += 2; continue; }
      if (b[i + 1] === 10) { i += 1; continue; }
      if (b[i + 1] === 13 && b[i + 2] === 10) { i += 2; continue; }
    }
    out[n++] = c;
  }
  return out.subarray(0, n);
}

function hexDigit(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}
