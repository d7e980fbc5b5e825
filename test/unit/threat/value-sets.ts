/**
 * Values for the fast-path differential tests: the shared corpus (attacks.jsonl, benign.jsonl), every
 * test/fixtures/threat set, seeded random strings, and each of those with its characters outside a given
 * alphabet removed or replaced (so that a narrow fast path sees many values of its own class).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../pipeline/fuzz/prng.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const fixtures = resolve(root, 'test/fixtures/threat');

function jsonl(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => (JSON.parse(l) as { payload: string }).payload);
}

/** libinjection's lines are URL-encoded: as listed and decoded once. */
function lines(file: string): string[] {
  if (!existsSync(file)) return [];
  const out: string[] = [];
  for (const l of readFileSync(file, 'utf8').split('\n')) {
    if (l.trim() === '') continue;
    out.push(l);
    try { out.push(decodeURIComponent(l.replace(/\+/g, ' '))); } catch { /* not decodable: as listed only */ }
  }
  return out;
}

/** Every stored value: corpus and fixtures (the corpus is optional: $PORTCULLIS_CORPUS or ../shared/corpus). */
export function storedValues(): string[] {
  const shared = process.env.PORTCULLIS_CORPUS ?? resolve(root, '..', 'shared', 'corpus');
  return [
    ...jsonl(resolve(shared, 'attacks.jsonl')), ...jsonl(resolve(shared, 'benign.jsonl')),
    ...jsonl(resolve(fixtures, 'benign-api.jsonl')),
    ...['benign', 'cmdi', 'sqli', 'traversal', 'xss'].flatMap((f) => jsonl(resolve(fixtures, 'heldout2', `${f}.jsonl`))),
    ...['benign.txt', 'sqli.txt', 'xss.txt'].flatMap((f) => lines(resolve(fixtures, 'heldout', f))),
    // the long texts: the first 600 characters of each (they are prose; the fast paths read short values)
    ...jsonl(resolve(fixtures, 'benign-debian', 'benign.jsonl')).map((s) => s.slice(0, 600)),
    ...jsonl(resolve(fixtures, 'benign-markdown', 'benign.jsonl')).map((s) => s.slice(0, 600)),
  ];
}

/** A seeded generator in [0, 1) (the fuzzers' mulberry32), so a failure reproduces. */
export const rng = seededRandom;

/** `n` strings of 2–`maxLen` characters drawn from `alphabet` (a list, so multi-unit characters count as one). */
export function randomStrings(seed: number, n: number, alphabet: readonly string[], maxLen = 24): string[] {
  const r = rng(seed);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const len = 2 + Math.floor(r() * (maxLen - 1));
    let s = '';
    for (let k = 0; k < len; k++) s += alphabet[Math.floor(r() * alphabet.length)]!;
    out.push(s);
  }
  return out;
}

/** `n` values of 1–`maxParts` words from `words`, joined by separators from `seps`, with an optional lead. */
export function wordStrings(seed: number, n: number, words: readonly string[], seps: readonly string[], leads: readonly string[], maxParts = 5): string[] {
  const r = rng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let s = pick(leads);
    const parts = 1 + Math.floor(r() * maxParts);
    for (let k = 0; k < parts; k++) s += (k > 0 ? pick(seps) : '') + pick(words);
    if (r() < 0.3) s += pick(seps);
    out.push(s);
  }
  return out;
}

/** Each value with the characters `outside` matches removed, and replaced by each of `fills`. */
export function narrowed(values: readonly string[], outside: RegExp, fills: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    out.push(v.replace(outside, ''));
    for (const f of fills) out.push(v.replace(outside, f));
  }
  return out;
}
