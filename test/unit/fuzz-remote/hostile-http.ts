// What a broken or hostile server can answer to a fetch Portcullis makes (JWKS, OIDC discovery,
// introspection, bundles, feeds): seeded plans of status, headers and body, written by a fixture server.
import type { ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { Rng } from '../pipeline/fuzz/prng.js';

export interface Plan {
  what: string;
  status: number;
  headers: Record<string, string>;
  /** the body, or a slow-loris: bytes trickled until the client gives up */
  body: Buffer | { trickle: Buffer };
}

/** A gzip bomb: 32 MiB of zeros in about 32 KiB (decompressed size far beyond any fetch cap). */
let bomb: Buffer | undefined;
function gzipBomb(): Buffer { return (bomb ??= gzipSync(Buffer.alloc(32 * 1024 * 1024))); }

function parseOr(text: string): unknown {
  try { return JSON.parse(text); } catch { return text; }
}

/** A random JSON value of bounded size and depth: the wrong-typed answers. */
export function randomJson(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 3 ? 5 : 8)) {
    case 0: return null;
    case 1: return r.pick([0, -1, 1.5, 1e308, -0, 2 ** 53 + 1]);
    case 2: return r.pick([true, false]);
    case 3: return r.pick(['', 'x', '\u0000', '\ud800', '😀', 'https://evil.test/', '../../etc/passwd']);
    case 4: return r.text(r.int(30));
    case 5: return Array.from({ length: r.int(4) }, () => randomJson(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = r.int(5); i > 0; i--) o[r.pick(['keys', 'kty', 'active', 'exp', 'sub', 'issuer', 'jwks_uri', '__proto__', 'constructor', r.text(5)])] = randomJson(r, depth + 1);
      return o;
    }
  }
}

/**
 * A hostile answer: `good` is a valid body for the endpoint (JSON text) that some plans truncate, mutate or
 * wrap; `mutate` turns the good body (parsed when it is JSON) into a plausible but wrong one (endpoint-specific;
 * a string result is served as text).
 */
export function hostilePlan(r: Rng, good: string, mutate: (r: Rng, v: any) => unknown, maxBytes: number): Plan {
  const json = (what: string, v: unknown, status = 200): Plan => ({ what, status, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(v) ?? 'null') });
  switch (r.int(13)) {
    case 0: return json('random JSON', randomJson(r));
    case 1: return { what: 'truncated', status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(good.slice(0, r.int(good.length))) };
    case 2: case 3: {
      const m = mutate(r, parseOr(good));
      return typeof m === 'string' ? { what: 'mutated', status: 200, headers: { 'content-type': 'text/plain' }, body: Buffer.from(m) } : json('mutated', m);
    }
    case 4: return { what: 'HTML error page', status: r.pick([200, 500, 502, 503]), headers: { 'content-type': 'text/html' }, body: Buffer.from('<html><body>Bad Gateway</body></html>') };
    case 5: return { what: 'good body, error status', status: r.pick([201, 204, 302, 400, 401, 403, 404, 429, 500]), headers: { 'content-type': 'application/json' }, body: Buffer.from(good) };
    case 6: return { what: 'huge', status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(`{"pad":"${'a'.repeat(maxBytes + 10)}"}`) };
    case 7: return { what: 'gzip bomb', status: 200, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipBomb() };
    case 8: return { what: 'slow-loris', status: 200, headers: { 'content-type': 'application/json' }, body: { trickle: Buffer.from(good) } };
    case 9: return { what: 'redirect', status: r.pick([301, 302, 307, 308]), headers: { location: r.pick(['http://127.0.0.1:9/latest/meta-data/', '/elsewhere', 'file:///etc/passwd']) }, body: Buffer.alloc(0) };
    case 10: return { what: 'wrong content type', status: 200, headers: { 'content-type': r.pick(['text/plain', 'application/octet-stream', 'image/png']) }, body: r.chance(0.5) ? Buffer.from(good) : r.bytes(r.int(500)) };
    case 11: return { what: 'empty', status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.alloc(0) };
    default: return { what: 'deep JSON', status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('['.repeat(5000) + ']'.repeat(5000)) };
  }
}

/** Write a plan; a slow-loris sends one byte every 40 ms, never more than the body (bounded). */
export function writePlan(res: ServerResponse, p: Plan): void {
  const body = p.body;
  if (Buffer.isBuffer(body)) {
    res.writeHead(p.status, { ...p.headers, 'content-length': String(body.length) });
    res.end(body);
    return;
  }
  res.writeHead(p.status, p.headers);
  let i = 0;
  const t = setInterval(() => {
    if (res.destroyed || i >= body.trickle.length) { clearInterval(t); res.end(); return; }
    res.write(body.trickle.subarray(i, ++i));
  }, 40);
  res.on('close', () => clearInterval(t));
}
