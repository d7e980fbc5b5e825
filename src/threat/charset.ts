/**
 * The charset a Content-Type's parameters name, as a TextDecoder (WHATWG Encoding labels: windows-125x,
 * ISO-8859-x, Shift_JIS, EUC-*, GBK, Big5, KOI8, UTF-16LE/BE …). undefined: no charset, UTF-8 or ASCII, or a
 * label TextDecoder does not know (EBCDIC, UTF-7, UTF-32): the caller reads UTF-8.
 */
export function charsetDecoder(params: string | undefined): TextDecoder | undefined {
  const cs = charsetLabel(params);
  if (cs === undefined || cs === 'utf-8' || cs === 'utf8' || cs === 'us-ascii') return undefined;
  const hit = decoders.get(cs);
  if (hit !== undefined) return hit ?? undefined;
  let d: TextDecoder | null = null;
  try { d = new TextDecoder(cs); } catch { /* unknown label */ }
  if (d !== null && d.encoding === 'utf-8') d = null;
  // labels are the client's to choose: only so many remembered (the known ones are a fixed set)
  if (decoders.size < MAX_CACHED) decoders.set(cs, d);
  return d ?? undefined;
}

const MAX_CACHED = 256;
const decoders = new Map<string, TextDecoder | null>();

/** The lower-cased `charset` parameter (quotes dropped, at most 40 characters of [\w.:-]), or undefined. */
export function charsetLabel(params: string | undefined): string | undefined {
  const at = params === undefined ? -1 : params.toLowerCase().indexOf('charset=');
  if (at < 0) return undefined;
  let cs = params!.slice(at + 8).trim();
  if (cs.startsWith('"')) cs = cs.slice(1);
  let end = 0;
  while (end < cs.length && end < 40 && /[\w.:-]/.test(cs[end]!)) end++;
  cs = cs.slice(0, end).toLowerCase();
  return cs === '' ? undefined : cs;
}
