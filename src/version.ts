import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try { return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version; } catch { dir = dirname(dir); }
  }
  return '0.0.0';
}

export const VERSION = findVersion();
