import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pack } from 'tar-stream';
import { gzipSync } from 'node:zlib';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import type { RequestContext } from '../../../src/pipeline/context.js';
import { findOpa } from '../../../src/policy/cli/opa.js';
import { registry } from '../../../src/telemetry/metrics.js';
import { checkRequest, type ReqSpec } from '../helpers.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const EXAMPLES_BUNDLE = join(REPO, 'policies', 'bundle.tar.gz');

export function opa(): string {
  const o = findOpa();
  if (!o) throw new Error('opa is required for these tests (bash scripts/install-deps.sh)');
  return o;
}

export interface BuildSpec {
  /** path → content (Rego, data.json …). */
  files: Record<string, string>;
  entrypoints?: string[];
  revision?: string;
  signingKey?: string;
  signingAlg?: string;
  claimsFile?: string;
}

const cache = new Map<string, Buffer>();

/** Build a Wasm bundle with the real opa CLI (cached per spec within the test process). */
export function opaBuild(spec: BuildSpec): Buffer {
  const key = createHash('sha256').update(JSON.stringify(spec)).digest('hex');
  const hit = cache.get(key);
  if (hit) return hit;
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-opa-'));
  try {
    const src = join(dir, 'src');
    for (const [p, content] of Object.entries(spec.files)) {
      mkdirSync(dirname(join(src, p)), { recursive: true });
      writeFileSync(join(src, p), content);
    }
    const out = join(dir, 'bundle.tar.gz');
    const args = ['build', '-t', 'wasm', '-b', '.', '-o', out, '-r', spec.revision ?? 'test'];
    for (const e of spec.entrypoints ?? []) args.push('-e', e);
    if (spec.signingKey) {
      const keyFile = join(dir, 'signing.key');
      writeFileSync(keyFile, spec.signingKey);
      args.push('--signing-key', keyFile, '--signing-alg', spec.signingAlg ?? 'RS256');
    }
    execFileSync(opa(), args, { cwd: src, stdio: 'pipe' });
    const bytes = readFileSync(out);
    cache.set(key, bytes);
    return bytes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A .tar.gz made by hand (for malformed bundles). */
export async function makeTarGz(entries: Array<{ name: string; content: string | Buffer; type?: 'file' | 'directory' | 'symlink'; linkname?: string }>, gzip = true): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((r) => p.on('end', () => r()));
  for (const e of entries) {
    if (e.type === 'directory' || e.type === 'symlink') p.entry({ name: e.name, type: e.type, linkname: e.linkname });
    else p.entry({ name: e.name }, typeof e.content === 'string' ? Buffer.from(e.content) : e.content);
  }
  p.finalize();
  await done;
  const tar = Buffer.concat(chunks);
  return gzip ? gzipSync(tar) : tar;
}

export const examplesBundle = (): Buffer => readFileSync(EXAMPLES_BUNDLE);

export function ctxFor(r: ReqSpec & { mutate?: (req: any) => void } = {}): RequestContext {
  const req = checkRequest(r);
  r.mutate?.(req);
  return buildContext(req, { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
}

/** A simple allow-if Rego package as a bundle with one entrypoint. */
export function simpleBundle(pkg: string, body: string, data?: unknown, revision = 'r1'): Buffer {
  const files: Record<string, string> = { [`${pkg.replace(/\./g, '/')}/p.rego`]: `package ${pkg}\n\n${body}\n` };
  if (data !== undefined) files['data.json'] = JSON.stringify(data);
  return opaBuild({ files, entrypoints: [`${pkg.replace(/\./g, '/')}/allow`], revision });
}

/** Current value of a metric series (0 when absent). */
export async function metricValue(name: string, labels: Record<string, string>): Promise<number> {
  const m = registry.getSingleMetric(name);
  if (!m) return 0;
  const v = (await m.get()).values.find((x) => Object.entries(labels).every(([k, val]) => (x.labels as Record<string, unknown>)[k] === val));
  return v?.value ?? 0;
}

/** Wait (polling every 20 ms, at most `ms`) until `cond` holds; the error names `what`. */
export async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  for (let waited = 0; !cond(); waited += 20) {
    if (waited > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
