import { type Charset, readings } from './charset.js';
import { type Inspector, suspiciousKey } from './inputs-inspector.js';

/**
 * A form body whose Content-Type names a charset other than UTF-8: its structure (`&`, `=`, `+`, `%XX`) is
 * ASCII, and the bytes each name and value spell once percent-decoded are text in that charset — as Tomcat
 * and Jetty (getParameter), ASP.NET (Request.Form), Django (QueryDict) and busboy decode them. UTF-16 (any
 * label) is told per name or value by a byte order mark or where its NULs fall, as in RFC 4627 §3. Fields past
 * `max` are counted and read all the same. Decoded as charset.ts decodes every declared charset; in one that
 * is not ASCII-compatible (UTF-7) a name or value is read as UTF-8 too where that reads otherwise (an
 * application that ignores the charset reads it so). Linear.
 */
export function inspectFormCharset(w: Inspector, body: Buffer, cs: Charset & { kind: 'decode' }, max: number): void {
  const raw = body.toString('latin1');
  let alt: string | undefined;
  const text = (from: number, to: number) => {
    const [s, a] = readings(cs, w.decodable(cs, percentBytes(raw, from, to)));
    alt = a;
    return s;
  };
  let n = 0;
  for (let start = 0; start < raw.length && !w.exhausted;) {
    let end = raw.indexOf('&', start);
    if (end < 0) end = raw.length;
    if (end > start) {
      let eq = raw.indexOf('=', start);
      if (eq < 0 || eq > end) eq = end;
      const k = text(start, eq);
      const kAlt = alt;
      const v = eq < end ? text(eq + 1, end) : '';
      if (++n > max) w.lim.overCount++;
      const name = k.length > 64 ? k.slice(0, 64) : k;
      w.emit(`form.${name}`, v);
      if (eq < end && alt !== undefined) w.emit(`form.${name}`, alt);
      if (suspiciousKey(k)) w.emit(`form-key.${name}`, k);
      if (kAlt !== undefined && suspiciousKey(kAlt)) w.emit(`form-key.${name}`, kAlt);
      w.settle();
    }
    start = end + 1;
  }
}

/** The bytes of raw[from, to): `%XX` the byte it spells, `+` a space, any other character its own (Latin-1) byte. */
function percentBytes(raw: string, from: number, to: number): Buffer {
  const out = Buffer.allocUnsafe(to - from);
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = raw.charCodeAt(i);
    if (c === 37 && i + 2 < to) {
      const h = hex(raw.charCodeAt(i + 1)), l = hex(raw.charCodeAt(i + 2));
      if (h >= 0 && l >= 0) { out[n++] = h * 16 + l; i += 2; continue; }
    }
    out[n++] = c === 43 ? 32 : c;
  }
  return out.subarray(0, n);
}

function hex(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}
