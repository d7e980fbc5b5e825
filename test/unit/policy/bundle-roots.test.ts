import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stripSlashes } from '../../../src/common/strip-slashes.js';
import { BundleFormatError } from '../../../src/policy/bundle/archive.js';
import { parseBundle } from '../../../src/policy/bundle/bundle.js';
import { seededRandom } from '../pipeline/fuzz/prng.js';

// The manifest-root rules (overlapping roots, data outside the roots) as they were first written: pairwise.
function rootCovers(r: string, path: string): boolean {
  const root = stripSlashes(r);
  return root === '' || path === root || path.startsWith(`${root}/`);
}
function overlapRef(roots: string[]): boolean {
  for (let i = 0; i < roots.length; i++) for (let k = i + 1; k < roots.length; k++) if (rootCovers(roots[i]!, roots[k]!) || rootCovers(roots[k]!, roots[i]!)) return true;
  return false;
}
function isObject(v: unknown): v is Record<string, unknown> { return v !== null && typeof v === 'object' && !Array.isArray(v); }
function dataOkRef(value: unknown, path: string, roots: string[]): boolean {
  if (roots.some((r) => rootCovers(r, path)) || (isObject(value) && Object.keys(value).length === 0)) return true;
  const below = roots.some((r) => path === '' || r.replace(/^\/+/, '').startsWith(`${path}/`));
  if (!below || !isObject(value)) return false;
  return Object.entries(value).every(([k, v]) => dataOkRef(v, path === '' ? k : `${path}/${k}`, roots));
}

const wasm = Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
function bundle(roots: string[], data?: unknown): Map<string, Buffer> {
  const files = new Map<string, Buffer>([['.manifest', Buffer.from(JSON.stringify({ roots }))], ['policy.wasm', wasm]]);
  if (data !== undefined) files.set('data.json', Buffer.from(JSON.stringify(data)));
  return files;
}
async function outcome(files: Map<string, Buffer>): Promise<'ok' | 'overlap' | 'outside'> {
  try { await parseBundle(files); return 'ok'; } catch (err) {
    assert.ok(err instanceof BundleFormatError, String(err));
    if (err.message.includes('overlapped roots')) return 'overlap';
    if (err.message.includes('do not permit data')) return 'outside';
    throw err;
  }
}

describe('bundle manifest roots', () => {
  it('overlap and data-in-roots decisions equal the pairwise definition (seeded, 3000 cases)', async () => {
    const r = seededRandom(7); // the cases are the same on every run
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const root = (): string => Array.from({ length: Math.floor(r() * 4) }, () => pick(['a', 'b', 'ab', '/', '', 'a!'])).join(pick(['/', '/', '//', '']));
    const value = (depth: number): unknown => depth > 2 || r() < 0.3 ? pick([1, 'x', null, {}, [1]]) : Object.fromEntries(Array.from({ length: 1 + Math.floor(r() * 2) }, () => [pick(['a', 'b', 'ab', 'a!', '']), value(depth + 1)]));
    const seen = { ok: 0, overlap: 0, outside: 0 };
    for (let n = 0; n < 3000; n++) {
      const roots = Array.from({ length: 1 + Math.floor(r() * 4) }, root);
      const data = value(0);
      const expected = overlapRef(roots) ? 'overlap' : dataOkRef(isObject(data) ? data : {}, '', roots) ? 'ok' : 'outside';
      if (!isObject(data)) continue; // a root data.json that is not an object is refused before the roots are looked at
      assert.equal(await outcome(bundle(roots, data)), expected, JSON.stringify({ roots, data }));
      seen[expected]++;
    }
    // the generator reaches every answer often
    for (const [k, c] of Object.entries(seen)) assert.ok(c >= 100, `${k}: ${c} cases`);
  });

  it('names the overlapping pair', async () => {
    await assert.rejects(parseBundle(bundle(['x', 'a/b', 'y', 'a'])), /overlapped roots: 'a\/b' and 'a'/);
    await assert.rejects(parseBundle(bundle(['a', 'b', '/a/'])), /overlapped roots: 'a' and '\/a\/'/);
  });

  it('thousands of roots are indexed, not compared pairwise (counted string comparisons, no timing)', async () => {
    const roots = Array.from({ length: 3000 }, (_, i) => `tenant${i}/policy`);
    const data = { tenant5: { policy: { on: true } }, tenant2999: { policy: {} } };
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const startsWith = String.prototype.startsWith;
    let calls = 0;
    String.prototype.startsWith = function (this: string, ...a: Parameters<typeof startsWith>): boolean { calls++; return startsWith.apply(this, a); };
    let ok: string, overlap: string;
    try {
      ok = await outcome(bundle(roots, data));
      overlap = await outcome(bundle([...roots, 'tenant17'], data));
    } finally {
      String.prototype.startsWith = startsWith;
    }
    assert.equal(ok, 'ok');
    assert.equal(overlap, 'overlap');
    // pairwise: n²/2 ≈ 4.5 million comparisons per manifest; indexed: a few per data path
    assert.ok(calls < 10 * roots.length, `${calls} startsWith calls for ${roots.length} roots`);
  });
});
