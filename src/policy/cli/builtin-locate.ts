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
    for (const [loc, fn] of undefinedFunctions(text)) if (drop.has(fn)) out.push(`${loc}: ${fn}`);
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const MARK = ': rego_type_error: undefined function ';

/**
 * `file.rego:line` and function name of each "undefined function" error in `opa check` output, each error
 * found by indexOf and read once (the expression `(\S+\.rego:\d+): rego_type_error: undefined function ([\w.]+)` re-read a long
 * run of non-blanks from every start: quadratic).
 */
export function undefinedFunctions(text: string): Array<[loc: string, fn: string]> {
  const out: Array<[string, string]> = [];
  let from = 0;
  for (let at = text.indexOf(MARK); at >= 0; at = text.indexOf(MARK, Math.max(at + 1, from))) {
    if (at < from) continue;
    let start = at;
    while (start > from && !/\s/.test(text[start - 1]!)) start--;
    const loc = text.slice(start, at);
    if (!/.\.rego:\d+$/.test(loc)) continue;
    let end = at + MARK.length;
    while (end < text.length && /[\w.]/.test(text[end]!)) end++;
    if (end === at + MARK.length) continue;
    out.push([loc, text.slice(at + MARK.length, end)]);
    from = end;
  }
  return out;
}
