import type { IpBytes } from './address.js';

/**
 * Binary prefix trie over 128-bit addresses (IPv4 lives at ::ffff:0:0/96). Nodes are kept in flat typed
 * arrays; a lookup walks at most 128 bits and returns the value of the longest matching prefix.
 */
export class PrefixTrie<T> {
  private left = new Int32Array(64);
  private right = new Int32Array(64);
  private value = new Int32Array(64).fill(-1);
  private nodes = 1;
  private readonly values: T[] = [];
  private entries = 0;

  get size(): number { return this.entries; }

  private grow(): void {
    const cap = this.left.length * 2;
    const l = new Int32Array(cap); l.set(this.left); this.left = l;
    const r = new Int32Array(cap); r.set(this.right); this.right = r;
    const v = new Int32Array(cap).fill(-1); v.set(this.value); this.value = v;
  }

  insert(bytes: IpBytes, bits: number, value: T): void {
    let node = 0;
    for (let i = 0; i < bits; i++) {
      const bit = (bytes[i >> 3]! >> (7 - (i & 7))) & 1;
      const arr = bit === 0 ? this.left : this.right;
      let next = arr[node]!;
      if (next === 0) {
        if (this.nodes >= this.left.length) this.grow();
        next = this.nodes++;
        (bit === 0 ? this.left : this.right)[node] = next;
      }
      node = next;
    }
    if (this.value[node] === -1) this.entries++;
    this.value[node] = this.values.length;
    this.values.push(value);
  }

  /** Value of the longest prefix containing the address. */
  lookup(bytes: IpBytes): T | undefined {
    let node = 0;
    let found = this.value[0]!;
    for (let i = 0; i < 128; i++) {
      const bit = (bytes[i >> 3]! >> (7 - (i & 7))) & 1;
      const next = bit === 0 ? this.left[node]! : this.right[node]!;
      if (next === 0) break;
      node = next;
      const v = this.value[node]!;
      if (v !== -1) found = v;
    }
    return found === -1 ? undefined : this.values[found];
  }

  has(bytes: IpBytes): boolean { return this.lookup(bytes) !== undefined; }
}
