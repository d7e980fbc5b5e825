import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { BundleFormatError, readArchive, readBundleDir } from '../../../src/policy/bundle/archive.js';
import { parseBundle } from '../../../src/policy/bundle/bundle.js';
import { canonicalJson } from '../../../src/policy/bundle/canonical-json.js';
import { loadBundleArchive } from '../../../src/policy/bundle/load.js';
import { verifyBundleSignature, type SigningConfig } from '../../../src/policy/bundle/signature.js';
import { makeTarGz, opaBuild, simpleBundle } from './helpers.js';

const isFormat = (reason: string) => (err: unknown) => {
  assert.ok(err instanceof BundleFormatError, String(err));
  assert.equal(err.reason, reason, err.message);
  return true;
};

describe('bundle archives', () => {
  it('garbage, gzip of garbage and an empty archive are refused', async () => {
    await assert.rejects(readArchive(Buffer.from('<html>502 Bad Gateway</html>')), isFormat('tar'));
    await assert.rejects(readArchive(gzipSync(Buffer.from('not a tar file at all'.repeat(40)))), isFormat('tar'));
    await assert.rejects(readArchive(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01])), isFormat('tar'));
    await assert.rejects(readArchive(await makeTarGz([])), isFormat('tar'));
  });

  it('a gzip bomb is stopped at the size limit', async () => {
    const big = await makeTarGz([{ name: 'data.json', content: Buffer.alloc(4 * 1024 * 1024, 0x20) }]);
    assert.ok(big.length < 64 * 1024, 'compresses well');
    await assert.rejects(readArchive(big, { maxBytes: 1024 * 1024, maxFiles: 10 }), isFormat('size'));
  });

  it('".." above the root stays at the root (as OPA reads it); links are refused; directories are skipped; a plain tar is accepted', async () => {
    assert.deepEqual([...(await readArchive(await makeTarGz([{ name: '../../etc/passwd', content: 'x' }]))).keys()], ['etc/passwd']);
    await assert.rejects(readArchive(await makeTarGz([{ name: '../..', content: 'x' }])), isFormat('tar'));
    await assert.rejects(readArchive(await makeTarGz([
      { name: '/a/data.json', content: '{"x":1}' },
      { name: 'data.json', content: '', type: 'symlink', linkname: '/etc/passwd' },
    ])), (err: unknown) => err instanceof BundleFormatError && err.reason === 'tar' && /"data.json" is a symlink/.test(err.message));
    const files = await readArchive(await makeTarGz([
      { name: '/a/', content: '', type: 'directory' },
      { name: '/a/data.json', content: '{"x":1}' },
      { name: './.manifest', content: '{}' },
    ], false));
    assert.deepEqual([...files.keys()].sort(), ['.manifest', 'a/data.json']);
  });

  it('a bundle needs exactly one Wasm module; manifest and data errors name the file', async () => {
    const wasm = Buffer.from([0, 0x61, 0x73, 0x6d]);
    await assert.rejects(parseBundle(new Map([['data.json', Buffer.from('{}')]])), isFormat('wasm'));
    await assert.rejects(parseBundle(new Map([['.manifest', Buffer.from('{"wasm":[{"entrypoint":"a","module":"/a.wasm"},{"entrypoint":"b","module":"/b.wasm"}]}')], ['a.wasm', wasm], ['b.wasm', wasm]])), isFormat('wasm'));
    await assert.rejects(parseBundle(new Map([['.manifest', Buffer.from('{"revision": 7}')], ['policy.wasm', wasm]])), isFormat('manifest'));
    await assert.rejects(parseBundle(new Map([['policy.wasm', wasm], ['roles/data.json', Buffer.from('{"admin": [')]])), (err: unknown) => {
      assert.ok(err instanceof BundleFormatError && err.reason === 'data');
      assert.match(err.message, /roles\/data\.json/);
      return true;
    });
  });

  it('nested data.json / data.yaml files are merged at their folder path', async () => {
    const b = await parseBundle(new Map([
      ['policy.wasm', Buffer.from([0, 0x61, 0x73, 0x6d])],
      ['data.json', Buffer.from('{"top": {"a": 1}}')],
      ['top/b/data.yaml', Buffer.from('x: [1, 2]\n')],
      ['roles/data.json', Buffer.from('["admin"]')],
    ]));
    assert.deepEqual(b.data, { top: { a: 1, b: { x: [1, 2] } }, roles: ['admin'] });
  });

  it('an extracted bundle directory loads like the archive', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-bdir-'));
    try {
      const files = await readArchive(simpleBundle('dirb', 'allow if input.x == data.dirb.want', { dirb: { want: 1 } }));
      for (const [name, content] of files) {
        mkdirSync(join(dir, name, '..'), { recursive: true });
        writeFileSync(join(dir, name), content);
      }
      const again = await readBundleDir(dir);
      assert.deepEqual([...again.keys()].sort(), [...files.keys()].sort());
      const b = await parseBundle(again);
      assert.deepEqual(b.data, { dirb: { want: 1 } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('canonical JSON (what OPA hashes when signing data files)', () => {
  it('sorts keys byte-wise, drops whitespace, keeps number spellings, encodes strings like Go', () => {
    assert.equal(canonicalJson('{ "b": 1.50, "a": [true, null, 1e3], "é": "x", "Z": "<&>" }'), '{"Z":"<&>","a":[true,null,1e3],"b":1.50,"é":"x"}');
    assert.equal(canonicalJson('"line\\u2028sep\\n"'), '"line\\u2028sep\\n"');
    assert.equal(canonicalJson('{"a":1,"a":2}'), '{"a":2}');
    assert.throws(() => canonicalJson('{"a":}'), SyntaxError);
  });
});

describe('signed bundles (.signatures.json, as opa build --signing-key makes them)', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const priv = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const pub = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const files = { 'signed/p.rego': 'package signed\n\nallow if input.user in data.signed.users\n', 'signed/data.json': '{"users": ["alice"]}' };
  const signed = () => opaBuild({ files, entrypoints: ['signed/allow'], signingKey: priv, signingAlg: 'RS256' });
  const cfg = (over: Partial<SigningConfig> = {}): SigningConfig => ({ keys: new Map([['default', { algorithm: 'RS256', key: pub }]]), ...over });

  it('a bundle signed by opa verifies and loads', async () => {
    const lb = await loadBundleArchive(signed(), { signing: cfg() });
    assert.deepEqual(lb.data.value, { signed: { users: ['alice'] } });
  });

  it('reformatting data.json keeps the signature valid (structured files are hashed canonically)', async () => {
    const f = await readArchive(signed());
    assert.ok(f.has('data.json'), 'opa build -t wasm merges data into /data.json');
    f.set('data.json', Buffer.from('{\n  "signed" : { "users" : [ "alice" ] }\n}\n'));
    await verifyBundleSignature(f, cfg());
  });

  it('a changed, added or missing file, a wrong key, a scope mismatch or no signature is refused', async () => {
    const base = await readArchive(signed());
    const tampered = new Map(base);
    tampered.set('data.json', Buffer.from('{"signed": {"users": ["alice", "mallory"]}}'));
    await assert.rejects(verifyBundleSignature(tampered, cfg()), /digest mismatch/);
    const added = new Map(base);
    added.set('extra/data.json', Buffer.from('{}'));
    await assert.rejects(verifyBundleSignature(added, cfg()), /not included in bundle signature/);
    const missing = new Map(base);
    missing.delete('data.json');
    await assert.rejects(verifyBundleSignature(missing, cfg()), /specified in bundle signature but not found/);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await assert.rejects(verifyBundleSignature(base, { keys: new Map([['default', { algorithm: 'RS256', key: other }]]) }), /signature is invalid/);
    await assert.rejects(verifyBundleSignature(base, cfg({ scope: 'write' })), /scope mismatch/);
    await assert.rejects(verifyBundleSignature(base, cfg({ keyid: 'nope' })), /not configured/);
    const unsigned = new Map(base);
    unsigned.delete('.signatures.json');
    await assert.rejects(verifyBundleSignature(unsigned, cfg()), /not signed/);
    // an unsigned bundle from a server with verification configured never loads
    await assert.rejects(loadBundleArchive(opaBuild({ files, entrypoints: ['signed/allow'] }), { signing: cfg() }), isFormat('signature'));
  });

  it('HMAC-signed bundles verify with the shared secret', async () => {
    const bytes = opaBuild({ files, entrypoints: ['signed/allow'], signingKey: 'bundle-hmac-secret-0123456789', signingAlg: 'HS256' });
    await loadBundleArchive(bytes, { signing: { keys: new Map([['default', { algorithm: 'HS256', key: 'bundle-hmac-secret-0123456789' }]]) } });
    await assert.rejects(loadBundleArchive(bytes, { signing: { keys: new Map([['default', { algorithm: 'HS256', key: 'another-secret' }]]) } }), isFormat('signature'));
  });
});
