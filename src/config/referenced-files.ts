import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Files a config load reads once and compiles in (keys, secrets, certificates, IdP metadata, schemas):
 * the load records them so the RuntimeHolder can watch them and reload when one changes, as it does for
 * the config file itself. Sources that refresh themselves (policy bundles and data files, API-key files,
 * threat feeds, the geo database, rate-limit config directories) read their files on their own and are
 * not recorded here.
 */
const recording = new AsyncLocalStorage<Set<string>>();
let loading = 0;

/**
 * Runs a config load (everything it awaits included) and returns the files it read with readReferencedFile.
 * On Node 20 a used AsyncLocalStorage keeps a promise hook on for the life of the process, which every
 * Check's promises would then pay for; the last load to finish turns it off, and the next `run` turns it
 * back on. What a load left behind (refresh timers) reads later is not recorded, as before: its set is gone.
 */
export async function recordReferencedFiles<T>(load: () => Promise<T>): Promise<{ value: T; files: string[] }> {
  const files = new Set<string>();
  loading++;
  try {
    const value = await recording.run(files, load);
    return { value, files: [...files].sort() };
  } finally {
    if (--loading === 0) recording.disable();
  }
}

/**
 * Reads a file the config refers to (UTF-8), recording its absolute path for the current config load.
 * Recorded before reading: a file that is missing now is still one the config depends on.
 */
export function readReferencedFile(path: string): string {
  const abs = resolve(path);
  recording.getStore()?.add(abs);
  return readFileSync(abs, 'utf8');
}
