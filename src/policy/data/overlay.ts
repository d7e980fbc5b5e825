import type { DataDoc } from './data-doc.js';

/** Data documents from data sources laid over a bundle's data. */
export interface Overlay {
  path: readonly string[];
  value: unknown;
}

/** A data source's document (undefined until it has one) at its path. */
export interface DocOverlay {
  path: readonly string[];
  doc: DataDoc | undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** node[key] as an own property: `__proto__` is a key like any other (read, it is not the prototype; set, it does not replace it). */
function own(node: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(node, key) ? node[key] : undefined;
}

function put(node: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true });
  else node[key] = value;
}

/**
 * base with each overlay's value put at its path (replacing what was there). Copy-on-write along the
 * overlay paths: the bundle's own data object is never modified, and untouched subtrees are shared.
 */
export function applyOverlays(base: Record<string, unknown>, overlays: readonly Overlay[]): Record<string, unknown> {
  let root = base;
  for (const o of overlays) {
    if (o.value === undefined) continue;
    if (o.path.length === 0) {
      if (!isObject(o.value)) continue;
      root = { ...root, ...o.value };
      continue;
    }
    const top: Record<string, unknown> = { ...root };
    let node = top;
    for (const seg of o.path.slice(0, -1)) {
      const next = own(node, seg);
      const copy: Record<string, unknown> = isObject(next) ? { ...next } : {};
      put(node, seg, copy);
      node = copy;
    }
    put(node, o.path[o.path.length - 1]!, o.value);
    root = top;
  }
  return root;
}
