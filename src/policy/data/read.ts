// Reading data documents: the same code runs in the activation worker and, inline, on the main thread.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { docOf, sha256, type DataDoc } from './data-doc.js';
import { DataFormatError } from './format-error.js';

export const MAX_DATA_FILE_BYTES = 64 * 1024 * 1024;

const isYaml = (file: string): boolean => /\.ya?ml$/i.test(file);

/** A data file's text → value. Throws DataFormatError naming the file. */
export function parseDataText(file: string, text: string): unknown {
  try {
    return isYaml(file) ? parseYaml(text, { maxAliasCount: 100 }) ?? null : JSON.parse(text);
  } catch (err) {
    throw new DataFormatError(`${file} is not valid ${isYaml(file) ? 'YAML' : 'JSON'}: ${(err as Error).message.split('\n')[0]}`);
  }
}

/**
 * A regular file's bytes, at most MAX_DATA_FILE_BYTES: the bound holds while the file grows, and a FIFO or
 * device (opened without blocking) is refused instead of read without end.
 */
async function readBytes(file: string): Promise<Buffer> {
  const fh = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new DataFormatError(`${file} is not a regular file`);
    if (st.size > MAX_DATA_FILE_BYTES) throw new DataFormatError(`${file} is larger than ${MAX_DATA_FILE_BYTES} bytes`);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(1 << 20, MAX_DATA_FILE_BYTES + 1 - total));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      chunks.push(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
      total += bytesRead;
      if (total > MAX_DATA_FILE_BYTES) throw new DataFormatError(`${file} is larger than ${MAX_DATA_FILE_BYTES} bytes`);
    }
    return Buffer.concat(chunks, total);
  } finally {
    await fh.close();
  }
}

/** A JSON or YAML data file → its value (CLI tools). */
export async function readDataFile(file: string): Promise<unknown> {
  return parseDataText(file, (await readBytes(file)).toString('utf8'));
}

/** A JSON or YAML data file → its document; undefined when its bytes are the ones `known` (a raw digest) names. */
export async function readDataFileDoc(file: string, known: string | undefined, as: 'value' | 'json'): Promise<DataDoc | undefined> {
  const bytes = await readBytes(file);
  const raw = sha256(bytes);
  if (raw === known) return undefined;
  return docOf(parseDataText(file, bytes.toString('utf8')), raw, as);
}

/**
 * A Redis hash's fields (HGETALL) → the document { field: value, … }: each value parsed as JSON
 * (`values: json`; one that is not rejects the whole read, naming the field) or kept as a string.
 * Undefined when the fields are the ones `known` (a raw digest) names.
 */
export function hashDoc(hash: string, fields: Record<string, string>, values: 'json' | 'string', known: string | undefined, as: 'value' | 'json'): DataDoc | undefined {
  const text = JSON.stringify(fields);
  const raw = sha256(text);
  if (raw === known) return undefined;
  if (values === 'string') return docOf(fields, raw, as, text);
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(fields)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new DataFormatError(`field "${field.slice(0, 100)}" of hash ${hash} is not valid JSON`);
    }
    // a field named __proto__ is data like any other (assigned, it would replace the table's prototype and vanish)
    if (field === '__proto__') Object.defineProperty(out, field, { value: parsed, enumerable: true, writable: true, configurable: true });
    else out[field] = parsed;
  }
  return docOf(out, raw, as);
}
