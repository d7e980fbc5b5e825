/** A small seeded PRNG (mulberry32) for deterministic fuzzing: same seed, same inputs, every run. */
export class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0; }

  /** [0, 1) */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** integer in [0, n) */
  int(n: number): number { return Math.floor(this.next() * n); }
  chance(p: number): boolean { return this.next() < p; }
  pick<T>(a: readonly T[]): T { return a[this.int(a.length)]!; }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
  /** printable ASCII plus a few awkward characters */
  text(n: number, alphabet = 'abcXYZ019-_.~%/?&=;:,"\'<>{}[]() \t+*$!@#\\|^`'): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }
}

/** The same generator as a plain function returning [0, 1). */
export function seededRandom(seed: number): () => number {
  const g = new Rng(seed);
  return () => g.next();
}
