import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { RuntimeHolder } from '../../../src/config/reloader.js';
import { check } from '../../../src/pipeline/check.js';
import type { Runtime } from '../../../src/pipeline/runtime.js';
import { metrics } from '../../../src/telemetry/metrics.js';
import { checkRequest, silent } from '../identity/helpers.js';
import { AUD, ISS, keyPair, sign, type KeyPair } from '../identity/jwt-fixtures.js';

const nowS = () => Math.floor(Date.now() / 1000);

/** Write-and-rename, as editors, `kubectl cp` scripts and cert-manager's tools replace a file. */
function replace(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

/** A Kubernetes Secret volume update: a new timestamped folder, then a new `..data` link renamed over the old one. */
function secretVolume(dir: string, version: string, files: Record<string, string>): void {
  const ts = join(dir, `..${version}`);
  mkdirSync(ts);
  for (const [n, t] of Object.entries(files)) writeFileSync(join(ts, n), t);
  symlinkSync(`..${version}`, join(dir, '..data_tmp'));
  renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
}

async function status(rt: Runtime, token: string): Promise<string> {
  const res = await check(rt, checkRequest({ headers: { authorization: `Bearer ${token}` } }), silent);
  return res.ok_response ? 'OK' : res.status.message;
}

/** Bounded wait for the watcher's (debounced) reload to swap in a runtime other than `than`. */
async function nextRuntime(holder: RuntimeHolder, than: Runtime): Promise<Runtime> {
  for (let i = 0; i < 100 && holder.current === than; i++) await sleep(50);
  assert.notEqual(holder.current, than, 'the holder reloaded');
  return holder.current;
}

async function reloadsCounted(result: string): Promise<number> {
  const m = await metrics.configReloads.get();
  return m.values.find((v) => v.labels.result === result)?.value ?? 0;
}

const rsConfig = (keyFile: string) => `
identity:
  issuers: [ { name: i, issuer: "${ISS}", keys: [ { file: ${keyFile}, kid: k1 } ], algorithms: [RS256], audiences: ["${AUD}"] } ]
routes: [ { name: r, identity: { accept: [jwt] } } ]
`;

describe('config reload: files the config refers to are watched', () => {
  it('a JWT key file replaced by write-and-rename reloads: the new key is accepted, the old refused; a broken file keeps the last good config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reloader-ref-'));
    mkdirSync(join(dir, 'keys'));
    const keyFile = join(dir, 'keys', 'k.pem');
    const oldKey = await keyPair('RS256', 'k1');
    const newKey = await keyPair('RS256', 'k1');
    writeFileSync(keyFile, oldKey.pem);
    writeFileSync(join(dir, 'portcullis.yaml'), rsConfig('keys/k.pem'));
    const holder = new RuntimeHolder(join(dir, 'portcullis.yaml'), silent);
    await holder.start();
    holder.watch();
    try {
      const first = holder.current;
      const oldToken = await sign(oldKey, nowS());
      const newToken = await sign(newKey, nowS());
      assert.equal(await status(first, oldToken), 'OK');
      assert.equal(await status(first, newToken), 'ERR_JWT_SIGNATURE');

      replace(keyFile, newKey.pem);
      const second = await nextRuntime(holder, first);
      assert.deepEqual(second.files, [keyFile], 'the runtime knows the file it compiled in');
      assert.equal(await status(second, newToken), 'OK', 'a token signed by the new key is accepted');
      assert.equal(await status(second, oldToken), 'ERR_JWT_SIGNATURE', 'the old key is gone');

      // a broken file: the reload fails, is counted, and the last good runtime stays
      const invalidBefore = await reloadsCounted('invalid');
      replace(keyFile, 'not a key\n');
      for (let i = 0; i < 100 && (await reloadsCounted('invalid')) === invalidBefore; i++) await sleep(50);
      assert.equal(await reloadsCounted('invalid'), invalidBefore + 1, 'the failed reload is counted');
      assert.equal(holder.current, second, 'the last good config stays');
      assert.equal(await status(holder.current, newToken), 'OK');

      // still watched after the failure: the fixed file is picked up
      replace(keyFile, oldKey.pem);
      const third = await nextRuntime(holder, second);
      assert.equal(await status(third, oldToken), 'OK');
      assert.equal(await status(third, newToken), 'ERR_JWT_SIGNATURE');
    } finally {
      await holder.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an HS secret_file in a Kubernetes Secret volume: the ..data swap reloads it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reloader-ref-'));
    const vol = join(dir, 'secrets');
    mkdirSync(vol);
    const oldSecret = 'o'.repeat(40);
    const newSecret = 'n'.repeat(40);
    secretVolume(vol, '2026_01_01_00_00_00.1', { 'jwt-secret': oldSecret });
    symlinkSync('..data/jwt-secret', join(vol, 'jwt-secret'));
    writeFileSync(join(dir, 'portcullis.yaml'), `
identity:
  issuers: [ { name: i, issuer: "${ISS}", keys: [ { secret_file: secrets/jwt-secret } ], algorithms: [HS256], audiences: ["${AUD}"] } ]
routes: [ { name: r, identity: { accept: [jwt] } } ]
`);
    const hs = (secret: string) => new SignJWT({ iss: ISS, aud: AUD, sub: 'alice', iat: nowS(), exp: nowS() + 600 })
      .setProtectedHeader({ alg: 'HS256' }).sign(Buffer.from(secret));
    const holder = new RuntimeHolder(join(dir, 'portcullis.yaml'), silent);
    await holder.start();
    holder.watch();
    try {
      const first = holder.current;
      assert.equal(await status(first, await hs(oldSecret)), 'OK');
      assert.equal(await status(first, await hs(newSecret)), 'ERR_JWT_SIGNATURE');

      secretVolume(vol, '2026_01_01_00_01_00.2', { 'jwt-secret': newSecret });
      rmSync(join(vol, '..2026_01_01_00_00_00.1'), { recursive: true });
      const second = await nextRuntime(holder, first);
      assert.equal(await status(second, await hs(newSecret)), 'OK', 'the rotated secret is live');
      assert.equal(await status(second, await hs(oldSecret)), 'ERR_JWT_SIGNATURE', 'the old secret is refused');
    } finally {
      await holder.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the watched files follow the live config: a file the config no longer names does not reload', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reloader-ref-'));
    mkdirSync(join(dir, 'a'));
    mkdirSync(join(dir, 'b'));
    const a: KeyPair = await keyPair('RS256', 'k1');
    const b: KeyPair = await keyPair('RS256', 'k1');
    writeFileSync(join(dir, 'a', 'k.pem'), a.pem);
    writeFileSync(join(dir, 'b', 'k.pem'), b.pem);
    const cfg = join(dir, 'portcullis.yaml');
    writeFileSync(cfg, rsConfig('a/k.pem'));
    const holder = new RuntimeHolder(cfg, silent);
    await holder.start();
    holder.watch();
    try {
      const first = holder.current;
      replace(cfg, rsConfig('b/k.pem'));
      const second = await nextRuntime(holder, first);
      assert.deepEqual(second.files, [join(dir, 'b', 'k.pem')]);
      assert.equal(await status(second, await sign(b, nowS())), 'OK');

      // the old file changes: nothing reloads
      replace(join(dir, 'a', 'k.pem'), b.pem);
      await sleep(400);
      assert.equal(holder.current, second, 'a file the live config does not name is not watched');

      // the new one does
      replace(join(dir, 'b', 'k.pem'), a.pem);
      const third = await nextRuntime(holder, second);
      assert.equal(await status(third, await sign(a, nowS())), 'OK');
    } finally {
      await holder.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('config load: the files a config refers to are recorded', () => {
  it('keys, secrets and schemas read at load are the runtime\'s files; self-refreshing sources are not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reloader-ref-'));
    const kp = await keyPair('RS256', 'k1');
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [kp.jwk] }));
    writeFileSync(join(dir, 'sig-secret'), 's'.repeat(40));
    writeFileSync(join(dir, 'client-secret'), 'c'.repeat(20));
    writeFileSync(join(dir, 'item.schema.json'), JSON.stringify({ type: 'object', required: ['name'] }));
    writeFileSync(join(dir, 'api-keys.jsonl'), '');
    writeFileSync(join(dir, 'portcullis.yaml'), `
identity:
  issuers: [ { name: i, issuer: "${ISS}", jwks_file: jwks.json, algorithms: [RS256], audiences: ["${AUD}"] } ]
  introspection: [ { name: idp, url: "http://127.0.0.1:1/introspect", client_id: portcullis, client_secret_file: client-secret } ]
  signatures:
    keys: [ { id: client-1, algorithm: hmac-sha256, secret_file: sig-secret } ]
  api_keys: { file: api-keys.jsonl }
threat:
  events: { log: false }
routes:
  - name: items
    match: { path: { prefix: / } }
    identity: { accept: [jwt, introspection, signature, api_key] }
    threat: { validation: { content_types: [application/json], schema_files: { POST: item.schema.json } } }
`);
    const holder = new RuntimeHolder(join(dir, 'portcullis.yaml'), silent);
    await holder.start();
    try {
      assert.deepEqual(holder.current.files, ['client-secret', 'item.schema.json', 'jwks.json', 'sig-secret'].map((f) => join(dir, f)),
        'the API-key file refreshes itself and is not in the list');
    } finally {
      await holder.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('config reload: a referenced file in a linked sub-folder of a Secret volume', () => {
  it('every rotation reloads, not only the first (the watch follows the folder the link points to now)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reloader-ref-'));
    const vol = join(dir, 'secrets');
    mkdirSync(vol);
    const version = (v: string, secret: string) => {
      const ts = join(vol, `..${v}`);
      mkdirSync(join(ts, 'jwt'), { recursive: true });
      writeFileSync(join(ts, 'jwt', 'secret'), secret);
      symlinkSync(`..${v}`, join(vol, '..data_tmp'));
      renameSync(join(vol, '..data_tmp'), join(vol, '..data'));
    };
    version('v1', '1'.repeat(40));
    symlinkSync('..data/jwt', join(vol, 'jwt'));
    writeFileSync(join(dir, 'portcullis.yaml'), `
identity:
  issuers: [ { name: i, issuer: "${ISS}", keys: [ { secret_file: secrets/jwt/secret } ], algorithms: [HS256], audiences: ["${AUD}"] } ]
routes: [ { name: r, identity: { accept: [jwt] } } ]
`);
    const hs = (secret: string) => new SignJWT({ iss: ISS, aud: AUD, sub: 'alice', iat: nowS(), exp: nowS() + 600 })
      .setProtectedHeader({ alg: 'HS256' }).sign(Buffer.from(secret));
    const holder = new RuntimeHolder(join(dir, 'portcullis.yaml'), silent);
    await holder.start();
    holder.watch();
    try {
      let rt = holder.current;
      for (const [prev, v, d] of [['v1', 'v2', '2'], ['v2', 'v3', '3']] as const) {
        version(v, d.repeat(40));
        rmSync(join(vol, `..${prev}`), { recursive: true });
        rt = await nextRuntime(holder, rt);
        // a reload may run before the kubelet's clean-up is over: wait until the live secret is the new one
        for (let i = 0; i < 40 && (await status(holder.current, await hs(d.repeat(40)))) !== 'OK'; i++) await sleep(50);
        rt = holder.current;
        assert.equal(await status(rt, await hs(d.repeat(40))), 'OK', `rotation to ${v} is live`);
      }
    } finally {
      await holder.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
