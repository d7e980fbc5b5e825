/**
 * x-forwarded-client-cert (Envoy's format): elements separated by ',', each a ';'-separated list of
 * key=value pairs, values optionally double-quoted with \" escapes. Keys: By, Hash, Cert, Chain, Subject,
 * URI, DNS. The last element is the one the nearest proxy added; at most the last maxElements are returned.
 */
export type XfccElement = Map<string, string[]>;

export function parseXfcc(header: string, maxElements = 16): XfccElement[] {
  const out: XfccElement[] = [];
  let el: XfccElement = new Map();
  let key = '';
  let val = '';
  let inKey = true;
  let quoted = false;
  const push = () => {
    if (key !== '') {
      const k = key.trim().toLowerCase();
      const list = el.get(k);
      if (list) list.push(val); else el.set(k, [val]);
    }
    key = ''; val = ''; inKey = true;
  };
  // the LAST elements are kept (the nearest proxy's is last; earlier ones may be whatever the client wrote)
  const keep = () => {
    out.push(el);
    el = new Map();
    if (out.length > maxElements) out.shift();
  };
  for (let i = 0; i < header.length; i++) {
    const c = header[i]!;
    if (quoted) {
      if (c === '\\' && i + 1 < header.length) { val += header[++i]; continue; }
      if (c === '"') { quoted = false; continue; }
      val += c;
      continue;
    }
    if (inKey) {
      if (c === '=') { inKey = false; continue; }
      if (c === ';' || c === ',') { push(); if (c === ',') keep(); continue; }
      key += c;
      continue;
    }
    if (c === '"' && val === '') { quoted = true; continue; }
    if (c === ';') { push(); continue; }
    if (c === ',') { push(); keep(); continue; }
    val += c;
  }
  push();
  if (el.size > 0) { out.push(el); if (out.length > maxElements) out.shift(); }
  return out;
}
