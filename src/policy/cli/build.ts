import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { readArchive } from '../bundle/archive.js';
import { findOpa, NO_OPA_MESSAGE, opaVersion, PINNED_OPA_VERSION, rebaseRegoPaths, runOpa } from './opa.js';

export const DEFAULT_SRC = 'policies/src';
export const DEFAULT_OUT = 'policies/bundle.tar.gz';

/** Files that go into a bundle build: Rego (not tests) and data documents. */
function sourceFiles(src: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if ((e.name.endsWith('.rego') && !e.name.endsWith('_test.rego')) || /^data\.(json|ya?ml)$/.test(e.name)) out.push(p);
    }
  };
  walk(src);
  return out;
}

/** Revision the build stamps into the manifest: a digest of the sources, so staleness shows without OPA. */
export function sourceRevision(src: string): string {
  const h = createHash('sha256');
  for (const f of sourceFiles(src)) h.update(relative(src, f).split(sep).join('/')).update('\0').update(readFileSync(f)).update('\0');
  return `sha256:${h.digest('hex').slice(0, 24)}`;
}

export interface BuildOptions {
  src: string;
  out: string;
  revision?: string;
  entrypoints: string[];
  signingKey?: string;
  signingAlg?: string;
  /** Rego v0 syntax (`allow { … }`, `default allow = false`), as OPA-Envoy runs it with --v0-compatible. */
  v0Compatible?: boolean;
}

export interface BuildResult { ok: boolean; output: string; revision: string }

/** What a user coming from OPA-Envoy needs to know when opa build refuses their unchanged policy. */
function withHints(output: string): string {
  const hints: string[] = [];
  if (output.includes('requires at least one entrypoint')) {
    hints.push('hint: a Wasm bundle needs its decisions named: pass -e envoy/authz/allow (OPA-Envoy\'s default path; ' +
      'or the path your OPA-Envoy config queries), or mark the rule with a `# METADATA` `entrypoint: true` annotation');
  }
  if (/`if` keyword is required|`contains` keyword is required|rego_parse_error: var cannot be used for rule name/.test(output)) {
    hints.push('hint: this looks like Rego v0 syntax (OPA < 1.0); build it with --v0-compatible, as OPA-Envoy runs it with ' +
      '--v0-compatible, or add a .manifest with {"rego_version": 0}');
  }
  return hints.length > 0 ? `${output.trimEnd()}\n${hints.join('\n')}` : output;
}

/** opa build -t wasm -b <src> (tests ignored, entrypoints from -e and annotations), written atomically. */
export function buildBundle(o: BuildOptions): BuildResult {
  const opa = findOpa();
  const revision = o.revision ?? sourceRevision(o.src);
  if (!opa) return { ok: false, output: NO_OPA_MESSAGE, revision };
  const src = resolve(o.src);
  const tmp = `${resolve(o.out)}.tmp-${process.pid}`;
  const args = ['build', '-t', 'wasm', '-b', '.', '--ignore', '*_test.rego', '-r', revision, '-o', tmp];
  for (const e of o.entrypoints) args.push('-e', e);
  if (o.v0Compatible) args.push('--v0-compatible');
  if (o.signingKey) args.push('--signing-key', resolve(o.signingKey), '--signing-alg', o.signingAlg ?? 'RS256');
  const r = runOpa(opa, args, src);
  const output = rebaseRegoPaths(`${r.stdout ?? ''}${r.stderr ?? ''}`, relative(process.cwd(), src) || '.');
  if (r.status !== 0) {
    rmSync(tmp, { force: true });
    return { ok: false, output: withHints(output || `opa build failed (${r.error?.message ?? `exit ${r.status}`})`), revision };
  }
  renameSync(tmp, o.out);
  return { ok: true, output, revision };
}

export interface CheckResult { stale: boolean; lines: string[] }

/**
 * Is the committed bundle what the sources build to? First the sources digest in the manifest's
 * revision (no OPA needed), then — when OPA is installed — a rebuild whose files are compared one by
 * one with the committed bundle's (tarball bytes are not compared).
 */
export async function checkBundle(o: Omit<BuildOptions, 'out' | 'revision'> & { out: string }): Promise<CheckResult> {
  const lines: string[] = [];
  if (!existsSync(o.out)) return { stale: true, lines: [`${o.out} is missing: run npm run policy:build`] };
  const committed = await readArchive(readFileSync(o.out));
  const manifest = JSON.parse(committed.get('.manifest')?.toString('utf8') ?? '{}') as { revision?: string };
  const want = sourceRevision(o.src);
  let stale = false;
  if (manifest.revision !== want) {
    stale = true;
    lines.push(`${o.out} was built from other sources (manifest revision ${manifest.revision ?? '(none)'}, sources are ${want}): run npm run policy:build`);
  }
  const opa = findOpa();
  if (!opa) {
    lines.push(`note: ${NO_OPA_MESSAGE}; only the sources digest was compared`);
    return { stale, lines };
  }
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-bundle-check-'));
  try {
    const fresh = join(dir, 'bundle.tar.gz');
    const b = buildBundle({ ...o, out: fresh, revision: manifest.revision ?? want });
    if (!b.ok) return { stale: true, lines: [...lines, `rebuilding failed:\n${b.output}`] };
    const rebuilt = await readArchive(readFileSync(fresh));
    const names = new Set([...committed.keys(), ...rebuilt.keys()]);
    const diff = [...names].filter((n) => {
      const a = committed.get(n);
      const c = rebuilt.get(n);
      return !a || !c || !a.equals(c);
    }).sort();
    if (diff.length > 0) {
      stale = true;
      const v = opaVersion(opa);
      lines.push(`${o.out} differs from a fresh build in: ${diff.join(', ')}: run npm run policy:build` +
        (v && v !== PINNED_OPA_VERSION ? ` (note: this opa is v${v}; the bundle is built with v${PINNED_OPA_VERSION})` : ''));
    } else if (!stale) {
      lines.push(`${o.out} is up to date (revision ${manifest.revision}, ${statSync(o.out).size} bytes)`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { stale, lines };
}
