import type { RequestContext } from '../pipeline/context.js';
import { UNPARSED_KEY } from './exclude.js';
import { type InputOptions, type Inspector, inspectParams, suspiciousKey } from './inputs-inspector.js';
import { countStrings, parseMembers } from './inputs-json-members.js';
import { JSON_ROOT, KEY_PREFIX, memberStep } from './inputs-json-path.js';
import { type JsonCount, walkDropped } from './inputs-json-repeats.js';
import { inspectJsonLines, JSON_LINES_TYPES, type ReadDoc, startsWithRs } from './inputs-json-lines.js';
import { inspectMultipart } from './inputs-multipart.js';
import { declaresBinary, declaresText, textLike } from './body-sniff.js';
import { type Charset, declaredCharset, readings } from './charset.js';
import { decodedBody } from './content-coding.js';
import { inspectFormCharset } from './inputs-form-charset.js';
import { jsonEncoding, jsonText } from './json-text.js';
import { isJsonType, JSON_BODY_FACT, JSON_UNIQUE_FACT, mediaType } from './validation.js';

/** Form fields read before they count as over the limit (as the policy input's parsed body keeps). */
export const MAX_FORM_FIELDS = 2000;

/**
 * The body by its media type: form fields, JSON string values, multipart parts, or the text itself. A body
 * sent with a Content-Encoding is read decompressed, as the application reads it (content-coding.ts): one
 * that decompresses to more than max_total_bytes exhausts the budget (as a body that long would), one that
 * does not decode (an unknown coding, corrupt data) is not read and is recorded (the certain oversize finding).
 * Its bytes as sent are read too, as an application that does not decompress reads them (Go's net/http,
 * Django, Spring, Rails; ASP.NET Core for a coding list): what a decoder skips — a gzip header's comment or
 * file name, a brotli metadata block, bytes after a deflate or br stream — is in that reading only. There a
 * JSON body is read only if it parses (compressed bytes do not) and a body not parsed is not recorded.
 */
export function inspectBody(ctx: RequestContext, o: InputOptions, w: Inspector): void {
  // a binary format (remote_write's snappy protobuf, OTLP): its coding is not undone, its bytes are read if text
  if (declaresBinary(mediaType(ctx.headers['content-type'] ?? ''))) { readBody(ctx, ctx.body, o, w, false); return; }
  const body = decodedBody(ctx, o.maxTotalBytes);
  if (!Buffer.isBuffer(body)) {
    w.lim.undecodableBody = body.why;
    if (body.over) w.charge(Number.POSITIVE_INFINITY);
    return;
  }
  if (readBody(ctx, body, o, w, false) && ctx.bodyTruncated) w.lim.partialBody = true;
  if (body === ctx.body || w.exhausted) return;
  const unparsed = w.lim.unparsedBody;
  readBody(ctx, ctx.body, o, w, true);
  w.lim.unparsedBody = unparsed;
}

/**
 * `body` by the request's media type; `asSent`: the compressed bytes, whose JSON is read only when it parses
 * (and not from ctx.facts). False: a binary body, not read.
 */
function readBody(ctx: RequestContext, body: Buffer, o: InputOptions, w: Inspector, asSent: boolean): boolean {
  const ct = ctx.headers['content-type'] ?? '';
  const mt = mediaType(ct);
  const semi = ct.indexOf(';');
  // a charset nothing decodes (EBCDIC, a made-up label), whatever the type: the body is read as UTF-8 and
  // that recorded — an upstream that decodes it (IIS/ASP.NET, Spring) reads another text (charset.ts); so is
  // a charset ASP.NET reads elsewhere in the header (a quoted value, after a comma) that differs
  const cs = declaredCharset(semi < 0 ? undefined : ct.slice(semi), ct);
  if (cs?.kind === 'unknown') w.lim.undecodableCharset ??= cs.label;
  const decoded = cs?.kind === 'decode' ? cs : undefined;
  if (mt === 'application/x-www-form-urlencoded') {
    // a charset other than UTF-8 names the text the percent-escapes spell (inputs-form-charset.ts)
    if (decoded !== undefined) inspectFormCharset(w, body, decoded, MAX_FORM_FIELDS);
    else inspectParams(w, body.toString('utf8'), 'form', MAX_FORM_FIELDS);
    return true;
  }
  if (JSON_LINES_TYPES.has(mt)) {
    const text = jsonText(body);
    inspectJsonLines(text, mt === 'application/json-seq' || startsWithRs(text), w, readRecord(o, w), asSent);
    return true;
  }
  if (isJsonType(mt) || (mt === '' && looksJson(body))) {
    inspectJson(ctx, body, o, w, asSent, mt === '', asSent);
    return true;
  }
  // any multipart type: Spring (StandardServletMultipartResolver) and Go's MultipartReader read multipart/mixed as a form
  if (mt.startsWith('multipart/')) {
    inspectMultipart(ct, body, w, { maxParts: o.maxParts, maxJsonValues: o.maxJsonValues, formData: mt === 'multipart/form-data', bodyCs: decoded });
    return true;
  }
  // one JSON string as the document (Go's json.Decoder, get_json(force=True), a `type: string` schema take
  // the string it spells): its value; text that only opens with a quote is read whole below, not recorded
  if (mt === '' && firstByte(body) === 34 && inspectJson(ctx, body, o, w, true, false, asSent)) return true;
  // text in a declared charset is read in it (UTF-7, UTF-16, windows-125x …), as the application's reader decodes it
  if (mt === '' || declaresText(mt)) {
    if (decoded === undefined) w.emit('body', body.toString('utf8'));
    else emitDecoded(w, decoded, body);
    return true;
  }
  // another type (application/octet-stream, a vendor type, one that does not match the body): Go's
  // json.NewDecoder(r.Body), express.json({ type: '*/*' }) and Flask's get_json(force=True) parse it
  // whatever the type says, and other frameworks read it as text. So a body that parses as JSON is read as
  // JSON; one that is text (UTF-8 without NULs or controls) is read whole; binary (images, archives,
  // protobuf …) is not read.
  const first = firstByte(body);
  if ((first === 123 || first === 91 || first === 34) && inspectJson(ctx, body, o, w, true, true, asSent)) return true;
  if (decoded !== undefined) emitDecoded(w, decoded, body);
  else if (textLike(ctx.bodyTruncated ? wholeChars(body) : body)) w.emit('body', body.toString('utf8'));
  else return false;
  return true;
}

/**
 * A body Envoy cut at max_request_bytes without the UTF-8 sequence the cut split (at most 3 bytes): text
 * so cut is still text, not a binary body left unread.
 */
function wholeChars(b: Buffer): Buffer {
  for (let i = b.length - 1; i >= 0 && i >= b.length - 3; i--) {
    const c = b[i]!;
    if (c < 0x80) return b;
    if (c >= 0xc0) return b.length - i < (c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2) ? b.subarray(0, i) : b;
  }
  return b;
}

/** A body in its declared charset; in one not ASCII-compatible (UTF-7) its UTF-8 reading too where that differs (charset.ts). */
function emitDecoded(w: Inspector, cs: Charset & { kind: 'decode' }, b: Buffer): void {
  const [text, alt] = readings(cs, w.decodable(cs, b));
  w.emit('body', text);
  if (alt !== undefined) w.emit('body', alt);
  w.settle();
}

/**
 * A JSON body, string value by string value (repeated names too); one that does not parse is read as text, or (`quiet`) not at all. False: it did not parse.
 * `lines` (a body no type declares JSON): one that does not parse whole but is JSON documents one per line
 * (or RS-led records) is read record by record (inputs-json-lines.ts). `asSent` (a compressed body's bytes as
 * sent): not the document validation parsed (ctx.facts), which is the decompressed body's.
 */
function inspectJson(ctx: RequestContext, body: Buffer, o: InputOptions, w: Inspector, quiet = false, lines = false, asSent = false): boolean {
  let doc = asSent ? undefined : ctx.facts[JSON_BODY_FACT];
  let text: string | undefined;
  if (doc === undefined) {
    // UTF-16/32 told by its first bytes, as Jackson and Python's json.loads read it (json-text.ts)
    text = jsonText(body);
    try { doc = JSON.parse(text); } catch {
      if (lines && inspectJsonLines(text, startsWithRs(text), w, readRecord(o, w), true)) return true;
      if (!quiet) { w.lim.unparsedBody = 'json'; w.emit('body', text, false, UNPARSED_KEY); }
      return false;
    }
    if (!quiet) ctx.facts[JSON_BODY_FACT] = doc;
  }
  const count: JsonCount = { n: 0, lit: 0 };
  walkJson(doc, JSON_ROOT, 0, o, w, count);
  // a name that repeats in an object: JSON.parse kept its last value only, an upstream may use another
  // (quotes and backslashes are ASCII: counting them needs no UTF-8 decoding)
  // (validation already counted for a body it parsed and passed)
  if (!w.exhausted && (asSent || ctx.facts[JSON_UNIQUE_FACT] !== true)) {
    // (a document validation parsed but found a repeated name in: its text is the body's, decoded the same way)
    const utf8 = text === undefined && jsonEncoding(body) === 'utf8';
    if (countStrings(text ?? (utf8 ? body.toString('latin1') : (text = jsonText(body)))) !== count.lit) {
      walkDropped(parseMembers(text ?? jsonText(body)), JSON_ROOT, 0, o, w, count);
    }
  }
  return true;
}

/** A `{` or `[` after any leading whitespace (JSON.parse and application parsers skip any amount of it). Linear. */
function looksJson(b: Buffer): boolean {
  const c = firstByte(b);
  return c === 123 || c === 91;
}

/** The first byte after a UTF-8 BOM (json-text.ts) and whitespace, NULs (UTF-16/32) and RS (a JSON text sequence); -1: none. Linear. */
function firstByte(b: Buffer): number {
  for (let i = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0; i < b.length; i++) {
    const c = b[i]!;
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 0 || c === 0x1e) continue;
    return c;
  }
  return -1;
}

/** One record of a JSON lines body: its values as a JSON body's, repeated names in it too. */
function readRecord(o: InputOptions, w: Inspector): ReadDoc {
  return (doc, src, count) => {
    const lit = count.lit;
    walkJson(doc, JSON_ROOT, 0, o, w, count);
    if (!w.exhausted && countStrings(src) !== count.lit - lit) walkDropped(parseMembers(src), JSON_ROOT, 0, o, w, count);
  };
}

/** The parsed body, value by value; `count.lit`: every name and string seen (compared with the text's string literals). */
function walkJson(v: unknown, path: string, depth: number, o: InputOptions, w: Inspector, count: JsonCount): void {
  if (typeof v === 'string') { count.lit++; if (++count.n > o.maxJsonValues) w.lim.overCount++; w.emit(path, v); return; }
  if (v === null || typeof v !== 'object' || w.exhausted) return;
  if (depth >= o.maxJsonDepth) { w.lim.depthExceeded = true; walkDeep(v, path, o, w, count); return; }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length && !w.exhausted; i++) walkJson(v[i], `${path}[${i}]`, depth + 1, o, w, count);
    return;
  }
  const keys = Object.keys(v as object);
  count.lit += keys.length;
  for (const k of keys) {
    if (w.exhausted) return;
    if (suspiciousKey(k)) { if (++count.n > o.maxJsonValues) w.lim.overCount++; w.emit(KEY_PREFIX + path.slice(5), k); }
    walkJson((v as Record<string, unknown>)[k], path + memberStep(k), depth + 1, o, w, count);
  }
}

/** Below maxJsonDepth: every string and odd key, without recursion, reported as `<path of the cut>..*`. */
function walkDeep(root: object, path: string, o: InputOptions, w: Inspector, count: JsonCount): void {
  const where = `${path}..*`;
  const keyWhere = KEY_PREFIX + where.slice(5);
  const stack: unknown[] = [root];
  while (stack.length > 0 && !w.exhausted) {
    const v = stack.pop();
    if (typeof v === 'string') { count.lit++; if (++count.n > o.maxJsonValues) w.lim.overCount++; w.emit(where, v); continue; }
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) { for (let i = v.length - 1; i >= 0; i--) stack.push(v[i]); continue; }
    const keys = Object.keys(v);
    count.lit += keys.length;
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i]!;
      if (suspiciousKey(k)) { if (++count.n > o.maxJsonValues) w.lim.overCount++; w.emit(keyWhere, k); }
      stack.push((v as Record<string, unknown>)[k]);
    }
  }
}
