import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BundleFormatError, normalizeBundlePath, readArchive } from '../../../src/policy/bundle/archive.js';
import { dataValue, loadBundleArchive } from '../../../src/policy/bundle/load.js';
import { makeTarGz, opa } from './helpers.js';

/**
 * `opa build -b ../src` (any -b path with `..`, or an absolute one) writes the Rego entries under that path:
 * `/../src/a/p.rego`. OPA itself loads such tarballs: it reads entry names as rooted paths (path.Clean of
 * "/../x" is "/x"), data files included — `opa eval -b` of a tarball with `/../x/data.json` and
 * `a/../../y/data.json` shows data.x and data.y (checked with opa 1.22.3). Portcullis reads archives in
 * memory and never writes entries to disk, so such a name escapes nothing: load it where OPA does.
 */
describe('bundle entries with ".." (what opa build -b ../dir writes)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-dotdot-'));
    mkdirSync(join(dir, 'src', 'dd'), { recursive: true });
    mkdirSync(join(dir, 'src', 'roles'), { recursive: true });
    mkdirSync(join(dir, 'work', 'sub'), { recursive: true });
    writeFileSync(join(dir, 'src', 'dd', 'p.rego'), 'package dd\n\ndefault allow := false\n\nallow if input.x == data.dd.want\n');
    writeFileSync(join(dir, 'src', 'data.json'), '{"dd": {"want": 1}}');
    writeFileSync(join(dir, 'src', 'roles', 'data.json'), '["admin"]');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const build = (bundleDir: string, extra: string[] = []): Buffer => {
    const out = join(dir, `out-${Math.random().toString(36).slice(2)}.tar.gz`);
    execFileSync(opa(), ['build', '-t', 'wasm', '-e', 'dd/allow', '-b', bundleDir, '-o', out, ...extra], { cwd: join(dir, 'work', 'sub'), stdio: 'pipe' });
    return readFileSync(out);
  };

  for (const b of ['../../src', './../../src', 'ABS']) {
    it(`opa build -b ${b}: loads, the Rego entry at its rooted path, data where OPA puts it`, async () => {
      const bytes = build(b === 'ABS' ? join(dir, 'src') : b);
      const lb = await loadBundleArchive(bytes);
      assert.deepEqual(dataValue(lb.data), { dd: { want: 1 }, roles: ['admin'] });
      const names = [...(await readArchive(bytes)).keys()].sort();
      assert.ok(names.some((n) => n.endsWith('src/dd/p.rego') && !n.includes('..')), names.join(' '));
    });
  }

  it('a bundle signed by opa build --signing-key -b ../dir verifies (the signature lists "../../src/dd/p.rego")', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyFile = join(dir, 'signing.pem');
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const bytes = build('../../src', ['--signing-key', keyFile]);
    const key = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const lb = await loadBundleArchive(bytes, { signing: { keys: new Map([['default', { algorithm: 'RS256', key }]]) } });
    assert.deepEqual(dataValue(lb.data), { dd: { want: 1 }, roles: ['admin'] });
  });

  it('hand-made ".." data entries land where OPA puts them; two names for one file are refused', async () => {
    const wasm = (await readArchive(build('../../src'))).get('policy.wasm')!;
    const manifest = JSON.stringify({ revision: 'dd', roots: [''], wasm: [{ entrypoint: 'dd/allow', module: '/policy.wasm' }] });
    const lb = await loadBundleArchive(await makeTarGz([
      { name: '/.manifest', content: manifest },
      { name: '/policy.wasm', content: wasm },
      { name: '/data.json', content: '{"dd": {"want": 1}}' },
      { name: '/../x/data.json', content: '{"v": 1}' },
      { name: 'a/../../y/data.json', content: '{"w": 2}' },
    ]));
    assert.deepEqual(dataValue(lb.data), { dd: { want: 1 }, x: { v: 1 }, y: { w: 2 } });
    await assert.rejects(loadBundleArchive(await makeTarGz([
      { name: '/.manifest', content: manifest },
      { name: '/policy.wasm', content: wasm },
      { name: '/data.json', content: '{"dd": {"want": 1}}' },
      { name: '/../data.json', content: '{"dd": {"want": 2}}' },
    ])), (e: unknown) => e instanceof BundleFormatError && /"data\.json" twice/.test(e.message));
  });

  it('names resolve as rooted paths; names that resolve to nothing are refused', () => {
    assert.equal(normalizeBundlePath('/../../src/a/p.rego'), 'src/a/p.rego');
    assert.equal(normalizeBundlePath('a/b/../../../c/data.json'), 'c/data.json');
    assert.equal(normalizeBundlePath('..\\..\\x'), 'x');
    for (const empty of ['..', '/../..', 'a/..', './']) assert.throws(() => normalizeBundlePath(empty), BundleFormatError, empty);
  });
});
