// Laying data documents over a bundle's data as JSON text, in the activation worker. A data source's
// document arrives as canonical JSON text (data-doc.ts); parsing it only to serialize it again into the
// merged document cost the worker two passes over every byte (about a second at 50 MiB). Instead each
// such document is put into the merged value as a unique placeholder string, and its text is spliced in
// where the placeholder lands: the result is byte for byte what JSON.stringify(applyOverlays(…)) gives.
import { randomBytes } from 'node:crypto';
import { applyOverlays } from './overlay.js';

/** A document laid over the base at `path`: its canonical JSON text, or its value. */
export interface JsonOverlay {
  path: readonly string[];
  json?: Uint8Array;
  value?: unknown;
}

const text = (u: Uint8Array): string => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('utf8');

const isPrefix = (a: readonly string[], b: readonly string[]): boolean => a.length < b.length && a.every((s, i) => s === b[i]);

/** The base document (JSON text) with the overlays laid over it, as JSON text. */
export function layJson(base: Uint8Array, overlays: readonly JsonOverlay[], splice = true): Uint8Array {
  const active = overlays.filter((o) => o.json !== undefined || o.value !== undefined);
  if (active.length === 0) return base;
  const nonce = randomBytes(16).toString('hex');
  const marks: Array<{ quoted: string; json: Uint8Array }> = [];
  const values = active.map((o, i) => {
    // spliced unless the merge must look inside it: at the root (merged key by key), or a later overlay goes below it
    if (splice && o.json && o.path.length > 0 && !active.slice(i + 1).some((l) => isPrefix(o.path, l.path))) {
      const mark = `\u0000portcullis-overlay:${nonce}:${i}`;
      marks.push({ quoted: JSON.stringify(mark), json: o.json });
      return { path: o.path, value: mark };
    }
    return { path: o.path, value: o.json ? JSON.parse(text(o.json)) : o.value };
  });
  const merged = JSON.stringify(applyOverlays(JSON.parse(text(base)) as Record<string, unknown>, values));
  const at: Array<{ i: number; end: number; json: Uint8Array }> = [];
  for (const m of marks) {
    const i = merged.indexOf(m.quoted);
    if (i < 0) continue; // a later overlay replaced it
    if (merged.indexOf(m.quoted, i + 1) >= 0) return layJson(base, overlays, false); // the base holds the placeholder too (never, short of a collision)
    at.push({ i, end: i + m.quoted.length, json: m.json });
  }
  if (at.length === 0) return Buffer.from(merged);
  at.sort((a, b) => a.i - b.i);
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const a of at) {
    parts.push(Buffer.from(merged.slice(from, a.i)), a.json);
    from = a.end;
  }
  parts.push(Buffer.from(merged.slice(from)));
  return Buffer.concat(parts);
}
