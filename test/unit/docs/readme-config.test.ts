/**
 * The README's config examples load. Every ```yaml block that is a Portcullis config (its top-level keys are
 * the schema's) is written to a file and validated and compiled as `portcullis validate-config` does
 * (schema, env substitution, every module's create()/stages(), files read). A block is a fragment of one
 * section, so it is checked on top of the global settings of every Portcullis block of the same section
 * (an identity route naming `jwt:corp` needs the section's `issuers`). The files the examples name (keys,
 * secrets, IdP metadata, the SP's signing key, the bundle, feeds, a GeoIP database, `ratelimit/` with the
 * README's own envoyproxy/ratelimit example) are made here; `/var/log/portcullis/` and the admin token's
 * `/etc/portcullis/admin/` become temp folders.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { ConfigLoadError } from '../../../src/config/errors.js';
import { loadConfigFile } from '../../../src/config/loader.js';
import { buildRuntime, closeRuntime } from '../../../src/pipeline/runtime.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { createLogger } from '../../../src/telemetry/logger.js';
import { country, writeMmdb } from '../../fixtures/threat/mmdb-writer.js';
import { idpMetadata, makeIdpKeys } from '../identity/saml-idp.js';
import { readmeBlocks, REPO, yamlKind, type Block } from './readme-blocks.js';

/** Values the README leaves for the reader to fill in, and what the test fills in. */
const PLACEHOLDERS: Array<[string, string]> = [
  ['"AB:CD:…"', `"${Array.from({ length: 32 }, (_, i) => (i * 7 % 256).toString(16).padStart(2, '0').toUpperCase()).join(':')}"`],
];

const ENV = {
  HS_SECRET: 'a-shared-secret-of-at-least-32-bytes!!', INTROSPECTION_SECRET: 'client-secret', BUNDLE_TOKEN: 'bundle-token',
  LOG_TOKEN: 'log-token', SIEM_TOKEN: 'siem-token', REDIS_PASSWORD: 'redis-password', PORTCULLIS_SAML_SECRET: 'a-session-secret-of-at-least-32-characters',
};

const blocks = readmeBlocks();
/** A block's YAML; a stream of several documents (Kubernetes/Istio manifests) is none of ours. */
const yamlOf = (text: string): unknown => { const docs = parseAllDocuments(text); return docs.length === 1 ? docs[0].toJS() : undefined; };
const yamlBlocks = blocks.filter((b) => b.lang === 'yaml').map((b) => ({ ...b, doc: yamlOf(b.text) }));
const configBlocks = yamlBlocks.filter((b) => yamlKind(b.doc) === 'portcullis');
const ratelimitFiles = yamlBlocks.filter((b) => yamlKind(b.doc) === 'ratelimit-file');

const dir = mkdtempSync(join(tmpdir(), 'readme-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(rel: string, text: string | Buffer): void {
  mkdirSync(dirname(join(dir, rel)), { recursive: true });
  writeFileSync(join(dir, rel), text);
}

/** The files the README's examples name, relative to the config file. */
function writeContextFiles(): void {
  const pem = (k: { export(o: object): string | Buffer }) => k.export({ type: 'spki', format: 'pem' }) as string;
  write('apikeys.jsonl', '# made by the README test\n{"hash":"sha256:' + 'ab'.repeat(32) + '","owner":"acme","roles":["buyer"],"plan":"gold","disabled":false}\n');
  write('secrets/partner-1', 'a shared secret of at least 32 bytes for the README test');
  write('keys/partner-2.pub.pem', pem(generateKeyPairSync('ed25519').publicKey));
  write('keys/bundle-signer.pub.pem', pem(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey));
  const idp = makeIdpKeys('readme-idp');
  write('idp-metadata.xml', idpMetadata('https://idp.example.com/', 'https://idp.example.com/sso', idp.cert));
  rmSync(idp.dir, { recursive: true, force: true });
  const sp = makeIdpKeys('readme-sp');   // the SP's own signing key and certificate (identity.saml.signing)
  write('sp.key', sp.key);
  write('sp.crt', sp.cert);
  rmSync(sp.dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'policies'), { recursive: true });
  copyFileSync(resolve(REPO, 'policies/bundle.tar.gz'), join(dir, 'policies/bundle.tar.gz'));
  write('secrets/jwt-secret.json', '{"key": "a-jwt-secret"}\n');
  write('feeds/firehol_level1.netset', '# test feed\n203.0.113.0/24\n');
  writeMmdb(join(dir, 'GeoLite2-Country.mmdb'), [['203.0.113.0/24', country('NL', 'Netherlands')]]);
  mkdirSync(join(dir, 'log'), { recursive: true });
  write('admin/token', 'readme-admin-token\n');
  for (const b of ratelimitFiles) write(`ratelimit/${(b.doc as { domain: string }).domain}.yaml`, b.text);
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** b over a: objects merged key by key, anything else replaced. */
function merge(a: unknown, b: unknown): unknown {
  if (!isObject(a) || !isObject(b)) return b;
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = k in out ? merge(out[k], v) : v;
  return out;
}

/** The section's global settings: every key but `routes` of every Portcullis block in it. */
function sectionGlobals(section: string): Record<string, unknown> {
  let g: unknown = {};
  for (const b of configBlocks.filter((x) => x.section === section)) {
    const { routes: _routes, ...globals } = b.doc as Record<string, unknown>;
    g = merge(g, globals);
  }
  return g as Record<string, unknown>;
}

function fill(text: string): string {
  let out = text.replaceAll('/var/log/portcullis/', `${dir}/log/`).replaceAll('/etc/portcullis/admin/', `${dir}/admin/`);
  for (const [from, to] of PLACEHOLDERS) out = out.replaceAll(from, to);
  return out;
}

async function validate(b: Block & { doc: unknown }): Promise<string[]> {
  const doc = merge(sectionGlobals(b.section), b.doc);
  const file = join(dir, `readme-L${b.line}.yaml`);
  writeFileSync(file, fill(JSON.stringify(doc, null, 2)));
  const store = new MemoryStore();
  try {
    const loaded = loadConfigFile(file, { ...process.env, ...ENV });
    const rt = await buildRuntime(loaded, store, createLogger('silent'));
    await closeRuntime(rt);
    return [];
  } catch (err) {
    if (err instanceof ConfigLoadError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    return [(err as Error).message];
  } finally {
    await store.close();
  }
}

describe('README config examples', () => {
  writeContextFiles();

  it('finds the config examples of every section that has them', () => {
    const sections = new Set(configBlocks.map((b) => b.section));
    for (const s of ['config', 'identity', 'policy', 'ratelimit', 'threat']) assert.ok(sections.has(s), `no Portcullis config block in section ${s}`);
    assert.ok(ratelimitFiles.length > 0, 'no envoyproxy/ratelimit file example');
  });

  for (const b of configBlocks) {
    it(`README.md:${b.line} (${b.section}) loads and compiles`, async () => {
      assert.deepEqual(await validate(b), [], `README.md line ${b.line} does not load`);
    });
  }

  it('a block with an unknown key fails here (the check can fail)', async () => {
    const bad = { section: 'config', lang: 'yaml', line: 0, text: '', doc: { routes: [{ name: 'x', upstream: 'y' }] } };
    assert.deepEqual(await validate(bad), ['/routes/0/upstream: unknown key "upstream"']);
  });
});

/**
 * The `portcullis ratelimit validate` transcript in the rate-limit section: the README's own edge.yaml with the
 * typo its comment names (line 5 reads "uint: second"), checked by the real CLI, prints what the README shows.
 */
describe('README ratelimit validate example', () => {
  it('prints the errors the README shows for its edge.yaml with "uint: second" on line 5', () => {
    const transcript = blocks.find((b) => b.lang === 'console' && b.text.startsWith('$ portcullis ratelimit validate ratelimit/'));
    assert.ok(transcript, 'no `$ portcullis ratelimit validate` block');
    const [command, ...shown] = transcript.text.trimEnd().split('\n');
    const typo = /line (\d+) reads "uint: second"/.exec(command!);
    assert.ok(typo, command);
    const edge = ratelimitFiles.find((b) => (b.doc as { domain: string }).domain === 'edge');
    assert.ok(edge, 'no edge.yaml example');
    const lines = edge.text.split('\n');
    const at = Number(typo[1]) - 1;
    assert.match(lines[at]!, /unit: second/, `edge.yaml line ${typo[1]} has no "unit: second"`);
    lines[at] = lines[at]!.replace('unit: second', 'uint: second');
    const cwd = mkdtempSync(join(dir, 'rl-validate-'));   // the README runs it from the folder holding ratelimit/
    mkdirSync(join(cwd, 'ratelimit'));
    writeFileSync(join(cwd, 'ratelimit/edge.yaml'), lines.join('\n'));
    const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), resolve(REPO, 'src/cli.ts'), 'ratelimit', 'validate', 'ratelimit/'],
      { cwd, encoding: 'utf8', timeout: 60000 });
    assert.equal(r.status, 1, r.stderr);
    assert.deepEqual(r.stderr.trimEnd().split('\n'), shown);
  });
});
