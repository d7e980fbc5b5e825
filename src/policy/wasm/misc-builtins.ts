import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Small SDK-side builtins (crypto digests, prefix/suffix matching, URL query encoding). */

function str(x: unknown, what: string): string {
  if (typeof x !== 'string') throw new TypeError(`${what} must be a string`);
  return x;
}

function strings(x: unknown): string[] {
  if (typeof x === 'string') return [x];
  if (Array.isArray(x) && x.every((s) => typeof s === 'string')) return x as string[];
  throw new TypeError('expected a string, array or set of strings');
}

const digest = (alg: string) => (x: unknown) => createHash(alg).update(str(x, 'input')).digest('hex');
const hmac = (alg: string) => (x: unknown, key: unknown) => createHmac(alg, str(key, 'key')).update(str(x, 'input')).digest('hex');

/** Go's url.QueryEscape: spaces become '+', everything outside [A-Za-z0-9-_.~] is %XX. */
function queryEscape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+');
}

function queryUnescape(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, ' '));
}

export const miscBuiltins: Record<string, (...args: any[]) => unknown> = {
  'crypto.md5': digest('md5'),
  'crypto.sha1': digest('sha1'),
  'crypto.sha256': digest('sha256'),
  'crypto.hmac.md5': hmac('md5'),
  'crypto.hmac.sha1': hmac('sha1'),
  'crypto.hmac.sha256': hmac('sha256'),
  'crypto.hmac.sha512': hmac('sha512'),
  'crypto.hmac.equal': (a: unknown, b: unknown) => {
    const x = Buffer.from(str(a, 'mac1'));
    const y = Buffer.from(str(b, 'mac2'));
    return x.length === y.length && timingSafeEqual(x, y);
  },
  'strings.any_prefix_match': (search: unknown, base: unknown) => {
    const b = strings(base);
    return strings(search).some((s) => b.some((p) => s.startsWith(p)));
  },
  'strings.any_suffix_match': (search: unknown, base: unknown) => {
    const b = strings(base);
    return strings(search).some((s) => b.some((p) => s.endsWith(p)));
  },
  'urlquery.encode': (x: unknown) => queryEscape(str(x, 'input')),
  'urlquery.decode': (x: unknown) => queryUnescape(str(x, 'input')),
  'urlquery.encode_object': (obj: unknown) => {
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new TypeError('expected an object');
    const parts: string[] = [];
    for (const k of Object.keys(obj).sort()) {
      for (const v of strings((obj as Record<string, unknown>)[k])) parts.push(`${queryEscape(k)}=${queryEscape(v)}`);
    }
    return parts.join('&');
  },
  'urlquery.decode_object': (x: unknown) => {
    const out: Record<string, string[]> = {};
    for (const part of str(x, 'input').split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const k = queryUnescape(eq < 0 ? part : part.slice(0, eq));
      (out[k] ??= []).push(eq < 0 ? '' : queryUnescape(part.slice(eq + 1)));
    }
    return out;
  },
};
