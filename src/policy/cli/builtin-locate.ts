import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { rebaseRegoPaths, runOpa } from './opa.js';

/**
 * Where in the Rego sources the given builtins are called, as OPA itself reports it: `opa check` with
 * capabilities that lack exactly those builtins turns every call into
 * `file.rego:LINE: rego_type_error: undefined function NAME`. Returns `file.rego:LINE: NAME` for each call
 * (paths relative to the working directory), or [] when OPA reports none (e.g. opa failed for another reason).
 */
export function locateBuiltinCalls(opa: string, src: string, builtins: readonly string[], v0Compatible = false): string[] {
  if (builtins.length === 0) return [];
  const caps = runOpa(opa, ['capabilities', '--current'], process.cwd());
  if (caps.status !== 0) return [];
  let capabilities: { builtins?: Array<{ name: string }> };
  try { capabilities = JSON.parse(caps.stdout); } catch { return []; }
  const drop = new Set(builtins);
  capabilities.builtins = (capabilities.builtins ?? []).filter((b) => !drop.has(b.name));
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-caps-'));
  try {
    const file = join(dir, 'capabilities.json');
    writeFileSync(file, JSON.stringify(capabilities));
    const abs = resolve(src);
    const args = ['check', '--capabilities', file, '--ignore', '*_test.rego'];
    if (v0Compatible) args.push('--v0-compatible');
    const r = runOpa(opa, [...args, '.'], abs);
    const text = rebaseRegoPaths(`${r.stdout ?? ''}${r.stderr ?? ''}`, relative(process.cwd(), abs) || '.');
    const out: string[] = [];
    for (const m of text.matchAll(/(\S+\.rego:\d+): rego_type_error: undefined function ([\w.]+)/g)) {
      if (drop.has(m[2]!)) out.push(`${m[1]}: ${m[2]}`);
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
