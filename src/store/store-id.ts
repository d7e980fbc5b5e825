import type { KvStore } from './types.js';

const ids = new WeakMap<KvStore, number>();
let next = 1;

/**
 * A small stable number per store instance, so a module can tell on reload whether the store behind its
 * carried-over state (caches, subscriptions) is still the same connection.
 */
export function storeId(s: KvStore): number {
  let id = ids.get(s);
  if (id === undefined) { id = next++; ids.set(s, id); }
  return id;
}
