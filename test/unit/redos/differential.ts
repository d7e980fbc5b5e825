/**
 * Differential checks for code that replaced a regular expression: the old expression and the new code run
 * on the same generated values and must agree on every one.
 */
import assert from 'node:assert/strict';

/**
 * Deterministic values (xorshift, fixed seed) built from a shape's tokens: each one is the matching skeleton
 * with tokens kept, dropped, replaced or joined by noise tokens, so both outcomes and their borders occur.
 */
export function* values(skeleton: string[], noise: string[], n: number, keep: number, seed = 0x9e3779b9): Generator<string> {
  let x = seed >>> 0;
  const next = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
  const pick = () => noise[next() % noise.length]!;
  for (let i = 0; i < n; i++) {
    let s = '';
    for (const tok of skeleton) {
      const r = next() % 100;
      if (r < keep) s += tok;
      else if (r < keep + (100 - keep) / 4) { /* dropped */ }
      else if (r < keep + (100 - keep) * 2 / 3) s += pick();
      else s += pick() + tok;
    }
    yield s;
  }
}

export function agree(name: string, skeleton: string[], noise: string[], old: (s: string) => unknown, now: (s: string) => unknown, keep = 70): void {
  let matched = 0;
  const n = 6000;
  for (const s of values(skeleton, noise, n, keep)) {
    const want = old(s);
    assert.deepEqual(now(s), want, `${name} differs on ${JSON.stringify(s)}`);
    if (want !== false && want !== undefined) matched++;
  }
  // the generated values reach both outcomes, so the comparison is not only of non-matches (or only of matches)
  assert.ok(matched >= n / 50 && matched <= n - n / 50, `${name}: ${matched} of ${n} generated values match`);
}

