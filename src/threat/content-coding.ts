import zlib from 'node:zlib';
import type { RequestContext } from '../pipeline/context.js';
import { boundedLabel } from './charset.js';

/**
 * Request bodies sent with a `Content-Encoding`. Envoy's ext_authz sends the body as the client sent it,
 * compressed; Express (body-parser inflates by default), Rails and ASP.NET Core (request decompression)
 * decompress it before the application reads it. So the body is inspected and validated as decompressed.
 */

/** Codings undone at most, after `identity` is dropped: no client compresses more than twice. */
export const MAX_CODINGS = 3;
export const BODY_CODING_FACT = 'threat.body.decoded';

/** Why the body was not decoded. `over`: it decompresses to more than the limit (the inspection budget). */
export interface Undecoded { readonly over: boolean; readonly why: string }

const GZIP = new Set(['gzip', 'x-gzip']);

/**
 * The body as the application reads it: `ctx.body` when no coding applies (no header, `identity`, an empty
 * body), else decompressed, the codings undone last applied first (`gzip, br`: br, then gzip); names are
 * case-insensitive, blanks and empty list elements ignored (RFC 9110 §5.6.1). `gzip`/`x-gzip`, `deflate`
 * (zlib-wrapped, as RFC 9110 says, or raw, as ASP.NET's DeflateStream and browsers read it) and `br`.
 * Each step yields at most `limit` bytes (zlib stops there, so a bomb costs the limit's worth of work):
 * more is `over`. An unknown coding (`zstd`, `compress`), more than MAX_CODINGS, or data that does not
 * decode: undecoded, with a reason that names the coding (a bounded label), never body bytes. A body Envoy
 * sent in part (`bodyTruncated`) is decoded as far as it goes. Decoded once per request (`ctx.facts`).
 */
export function decodedBody(ctx: RequestContext, limit: number): Buffer | Undecoded {
  const header = ctx.headers['content-encoding'];
  if (header === undefined || ctx.body.length === 0) return ctx.body;
  const hit = ctx.facts[BODY_CODING_FACT] as { limit: number; out: Buffer | Undecoded } | undefined;
  if (hit !== undefined && hit.limit === limit) return hit.out;
  const out = decode(header, ctx.body, limit, ctx.bodyTruncated);
  ctx.facts[BODY_CODING_FACT] = { limit, out };
  return out;
}

function decode(header: string, body: Buffer, limit: number, partial: boolean): Buffer | Undecoded {
  const list = codings(header);
  if (!Array.isArray(list)) return list;
  let b = body;
  const max = Math.max(1, limit);
  for (let i = list.length - 1; i >= 0; i--) {
    const c = list[i]!;
    try {
      b = step(c, b, max, partial);
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return { over: true, why: 'the body decompresses to more than max_total_bytes' };
      return { over: false, why: `body content-encoding ${c}: the data does not decode` };
    }
  }
  return b;
}

/** The codings a Content-Encoding lists, lower-cased, in the order applied; or why they cannot be undone. Linear. */
function codings(header: string): string[] | Undecoded {
  const out: string[] = [];
  for (let at = 0; at <= header.length;) {
    let end = header.indexOf(',', at);
    if (end < 0) end = header.length;
    let s = at, e = end;
    while (s < e && (header[s] === ' ' || header[s] === '\t')) s++;
    while (e > s && (header[e - 1] === ' ' || header[e - 1] === '\t')) e--;
    at = end + 1;
    if (s === e) continue;
    const c = header.slice(s, e).toLowerCase();
    if (c === 'identity') continue;
    if (!GZIP.has(c) && c !== 'deflate' && c !== 'br') return { over: false, why: `body content-encoding "${boundedLabel(c)}" is not decoded` };
    if (out.length === MAX_CODINGS) return { over: false, why: `body has more than ${MAX_CODINGS} content codings` };
    out.push(c);
  }
  return out;
}

/** One coding undone, at most `max` bytes out (more: ERR_BUFFER_TOO_LARGE). `partial`: the input ends early. */
function step(c: string, b: Buffer, max: number, partial: boolean): Buffer {
  if (c === 'br') {
    return zlib.brotliDecompressSync(narrowWindow(b, max), { maxOutputLength: max, finishFlush: partial ? zlib.constants.BROTLI_OPERATION_FLUSH : zlib.constants.BROTLI_OPERATION_FINISH });
  }
  const o: zlib.ZlibOptions = { maxOutputLength: max, finishFlush: partial ? zlib.constants.Z_SYNC_FLUSH : zlib.constants.Z_FINISH };
  if (GZIP.has(c)) return zlib.gunzipSync(b, o);
  // deflate: zlib-wrapped (RFC 1950) when the first two bytes say so, else (or when that fails) raw
  if (b.length >= 2 && (b[0]! & 0x0f) === 8 && ((b[0]! << 8) | b[1]!) % 31 === 0) {
    let wrapped: Buffer | undefined;
    try { wrapped = zlib.inflateSync(b, o); } catch (err) { if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw err; }
    if (wrapped !== undefined) {
      // a zlib header reads raw as a stored block whose lengths a real zlib stream fails at once; bytes built to
      // decode both ways, differently, are read one way by Express (zlib) and another by .NET's
      // DeflateStream or Go's flate (raw): neither reading is the application's, so the body is not read
      let raw: Buffer | undefined;
      try { raw = zlib.inflateRawSync(b, o); } catch (err) { if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw err; }
      if (raw !== undefined && !raw.equals(wrapped)) throw new Error('decodes both zlib-wrapped and raw, differently');
      return wrapped;
    }
  }
  return zlib.inflateRawSync(b, o);
}

/**
 * Brotli's decoder fills a ring buffer as large as the window the stream declares (up to 16 MiB) before it
 * writes anything out, so 51 bytes declaring 16 MiB and one long copy cost 16 MiB of memory and tens of ms of
 * the event loop whatever maxOutputLength says. A window matters only to output past its size, and output
 * past `max` is refused anyway: a declared window of 2^18–2^24 (WBITS's 4-bit form, RFC 7932 §9.1) is
 * lowered, in a copy, to the smallest of that form whose distances reach `max` bytes back. Every body that
 * decodes to at most `max` bytes decodes the same; one that decodes to more is still refused.
 */
function narrowWindow(b: Buffer, max: number): Buffer {
  if (b.length === 0 || (b[0]! & 1) === 0) return b; // 2^16
  const n = (b[0]! >> 1) & 7;
  if (n === 0) return b; // the 7-bit form: 2^17, 2^10–2^15 (or the large window, which the decoder refuses)
  let want = 18;
  while (want < 24 && (1 << want) - 16 < max) want++;
  if (17 + n <= want) return b;
  const out = Buffer.from(b);
  out[0] = (b[0]! & ~0x0e) | ((want - 17) << 1);
  return out;
}
