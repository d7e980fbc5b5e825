// A Redis hash's fields on their way to the activation worker. Posting HGETALL's object as it is costs
// the main thread one structured clone of every field in one go (~0.3–0.5 s for 400 000 fields, 50 MiB);
// packed here a slice of fields at a time, yielding to the event loop between slices, into shared memory
// that the worker reads without a copy. Field order (what JSON.stringify of the object gives) is kept.

/** Fields packed per turn of the event loop. */
const SLICE = 8192;

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** [u32 byte length][UTF-8 bytes] for each name and value, in Object.keys order, in a SharedArrayBuffer. */
export async function packFields(fields: Record<string, string>, slice = SLICE): Promise<Uint8Array> {
  await turn(); // not in the same turn as the HGETALL reply was decoded in
  const keys = Object.keys(fields);
  let size = 0;
  for (let i = 0; i < keys.length; i++) {
    if (i > 0 && i % slice === 0) await turn();
    size += 8 + Buffer.byteLength(keys[i]!) + Buffer.byteLength(fields[keys[i]!]!);
  }
  const out = Buffer.from(new SharedArrayBuffer(size));
  let p = 0;
  for (let i = 0; i < keys.length; i++) {
    if (i > 0 && i % slice === 0) await turn();
    for (const s of [keys[i]!, fields[keys[i]!]!]) {
      const n = out.write(s, p + 4, 'utf8');
      out.writeUInt32LE(n, p);
      p += 4 + n;
    }
  }
  return new Uint8Array(out.buffer, 0, size);
}

/** The fields packFields packed (names like `__proto__` become own properties, as ioredis makes them). */
export function unpackFields(packed: Uint8Array): Record<string, string> {
  const b = Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength);
  const out: Record<string, string> = {};
  const next = (p: number): [string, number] => {
    const n = b.readUInt32LE(p);
    return [b.toString('utf8', p + 4, p + 4 + n), p + 4 + n];
  };
  for (let p = 0; p < b.length;) {
    const [key, q] = next(p);
    const [value, r] = next(q);
    if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    else out[key] = value;
    p = r;
  }
  return out;
}
