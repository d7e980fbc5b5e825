import { createHash } from 'node:crypto';

/**
 * A data source's document as read.
 *
 * `digest` is the sha256 of its canonical JSON text (JSON.stringify of the parsed value): two reads are
 * the same document exactly when their digests are (what comparing two JSON.stringify results said
 * before, without holding or serializing both). `raw` is the sha256 of what was read (the file's bytes,
 * the hash's fields): a re-read whose raw digest is the last one is not parsed again.
 *
 * Read by the activation worker, the document is its canonical JSON text in shared memory (`json`) and
 * the main thread never parses it: engines are built from the text in the worker. Read on the main
 * thread (PORTCULLIS_POLICY_ACTIVATION=inline, or no worker), it is the parsed `value`.
 */
export type DataDoc = { digest: string; raw: string } & ({ json: Uint8Array; value?: undefined } | { value: unknown; json?: undefined });

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

const asBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

/** The document for a parsed value: kept as the value (`as: 'value'`) or as its JSON text in a SharedArrayBuffer. `text`: its JSON text, when already made. */
export function docOf(value: unknown, raw: string, as: 'value' | 'json', text: string = JSON.stringify(value) ?? 'null'): DataDoc {
  if (as === 'value') return { value, digest: sha256(text), raw };
  const json = new Uint8Array(new SharedArrayBuffer(Buffer.byteLength(text)));
  asBuffer(json).write(text, 'utf8');
  return { json, digest: sha256(json), raw };
}

/** The document's value (parses a worker-read document: for the main-thread fallback, tools and tests). */
export function docValue(doc: DataDoc): unknown {
  return doc.json ? JSON.parse(asBuffer(doc.json).toString('utf8')) : doc.value;
}
