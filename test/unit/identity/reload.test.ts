import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseConfig } from '../../../src/config/loader.js';
import { createIdentity, type IdentityInstance } from '../../../src/identity/module.js';
import { check } from '../../../src/pipeline/check.js';
import { buildRuntime, closeRuntime } from '../../../src/pipeline/runtime.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { checkRequest, silent } from './helpers.js';
import { AUD, ISS, keyPair, sign } from './jwt-fixtures.js';

const nowS = () => Math.floor(Date.now() / 1000);

describe('identity across config reloads', () => {
  it('a reload keeps revocations (no window where a revoked token passes) and shares resources', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pc-reload-'));
    const kp = await keyPair('RS256', 'k1');
    writeFileSync(join(dir, 'k.pem'), kp.pem);
    const yaml = (auds: string) => `
identity:
  issuers: [ { name: i, issuer: "${ISS}", keys: [ { file: k.pem, kid: k1 } ], algorithms: [RS256], audiences: [${auds}] } ]
routes: [ { name: r, identity: { accept: [jwt] } } ]
`;
    const store = new MemoryStore();
    const file = join(dir, 'p.yaml');
    const rt1 = await buildRuntime(parseConfig(yaml(`"${AUD}"`), file), store, silent);
    for (const m of rt1.modules.values()) await m.start?.();
    const token = await sign(kp, nowS(), { jti: 'r-1' });
    const req = checkRequest({ headers: { authorization: `Bearer ${token}` } });
    assert.ok((await check(rt1, req, silent)).ok_response);
    const id1 = rt1.modules.get('identity') as IdentityInstance;
    const revoke = id1.adminRoutes!().find((r) => r.path === '/admin/revoke' && r.method === 'POST')!;
    await revoke.handle({} as any, { writeHead() { return this; }, end() {} } as any, Buffer.from(JSON.stringify({ jti: 'r-1' })));

    const otherAud = checkRequest({ headers: { authorization: `Bearer ${await sign(kp, nowS(), { aud: 'api://other' })}` } });
    assert.equal((await check(rt1, otherAud, silent)).status.message, 'ERR_JWT_AUDIENCE');

    // reload adding an audience: the new instance is built from the previous one
    const rt2 = await buildRuntime(parseConfig(yaml(`"${AUD}", "api://other"`), file), store, silent, rt1);
    for (const m of rt2.modules.values()) await m.start?.();
    const id2 = rt2.modules.get('identity') as IdentityInstance;
    assert.equal(id2.shared, id1.shared, 'resources are carried over');
    await closeRuntime(rt1);
    // revoked immediately on the new runtime, before any background sync
    const after = await check(rt2, req, silent);
    assert.equal(after.status.message, 'ERR_TOKEN_REVOKED');
    // and the new config applies
    assert.ok((await check(rt2, otherAud, silent)).ok_response);
    await closeRuntime(rt2);
    assert.equal(id2.shared.size(), 0, 'the last holder stopped the shared resources');
    await store.close();
  });

  it('a failed build releases what it acquired', async () => {
    const store = new MemoryStore();
    const env = { store, logger: silent, configPath: '/x/p.yaml', configDir: '/x' };
    const first = await createIdentity({ issuers: [{ name: 'a', issuer: 'https://a', jwks_url: 'http://127.0.0.1:1/j' }] }, env);
    await assert.rejects(createIdentity({ issuers: [{ name: 'a', issuer: 'https://a', jwks_url: 'http://127.0.0.1:1/j' }, { name: 'a', issuer: 'https://b', jwks_url: 'http://127.0.0.1:1/k' }] }, { ...env, previous: first }));
    assert.equal(first.shared.size(), 2, 'only the first instance\'s JWKS fetcher and revocation list remain');
    await first.close!();
    assert.equal(first.shared.size(), 0);
    await store.close();
  });

  it('an issuer refused after its JWKS fetcher was acquired (HS256 with a jwks_url) releases the fetcher', async () => {
    const store = new MemoryStore();
    const env = { store, logger: silent, configPath: '/x/p.yaml', configDir: '/x' };
    const first = await createIdentity({ issuers: [{ name: 'a', issuer: 'https://a', jwks_url: 'http://127.0.0.1:1/j' }] }, env);
    await assert.rejects(createIdentity({ issuers: [{ name: 'a', issuer: 'https://a', jwks_url: 'http://127.0.0.1:1/j', algorithms: ['HS256'] }] }, { ...env, previous: first }), /HS256 needs a shared secret/);
    assert.equal(first.shared.size(), 2);
    await first.close!();
    assert.equal(first.shared.size(), 0, 'no fetcher is left polling the IdP for a config that never loaded');
    await store.close();
  });
});
