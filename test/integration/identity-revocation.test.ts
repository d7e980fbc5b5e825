import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { hashKey, mintKey } from '../../src/identity/api-key-format.js';
import { signRequest } from '../../src/identity/sign.js';
import * as grpc from '@grpc/grpc-js';
import { clientCtor } from '../../src/server/protos.js';
import { checkRequest } from '../unit/identity/helpers.js';
import { REPO, type PortcullisProc } from './harness/portcullis.js';
import { startStack, type Stack } from './harness/stack.js';
import { fixtureServer, json } from '../unit/identity/helpers.js';
import { ISS, keyPair, sign, type KeyPair } from '../unit/identity/jwt-fixtures.js';

const nowS = () => Math.floor(Date.now() / 1000);
const SECRET = 'replicas-shared-secret-0123456789abcdef!!';

function cli(args: string[], input?: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: REPO, input, encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/**
 * A Check sent straight to one replica (Envoy's round robin does not promise which replica a given
 * request reaches, so per-replica facts are checked here). Returns 'OK' or the deny code.
 */
function directCheck(p: PortcullisProc, headers: Record<string, string>): Promise<string> {
  const Client = clientCtor('envoy.service.auth.v3.Authorization');
  const client = new Client(p.grpcAddress, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) => {
    client.Check(checkRequest({ path: '/direct', headers }), (err: Error | null, res: any) => {
      client.close();
      if (err) reject(err); else resolve(res.ok_response ? 'OK' : res.status.message);
    });
  });
}

/**
 * The replica's answer once it is `want`, or its last answer after 3 s: revocations and key changes travel by
 * Redis pub/sub, which a loaded machine may deliver after some hundreds of milliseconds.
 */
async function eventually(p: PortcullisProc, headers: Record<string, string>, want: string): Promise<string> {
  const t0 = Date.now();
  for (;;) {
    const got = await directCheck(p, headers);
    if (got === want || Date.now() - t0 > 3000) return got;
    await sleep(25);
  }
}

/** Prometheus counter value summed over label sets matching `re`. */
async function metric(adminUrl: string, re: RegExp): Promise<number> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  return text.split('\n').filter((l) => re.test(l)).reduce((s, l) => s + Number(l.split(' ').at(-1)), 0);
}

describe('revocation across two Portcullis replicas behind one Envoy (Redis)', () => {
  let stack: Stack;
  let idp: Awaited<ReturnType<typeof fixtureServer>>;
  let rsa: KeyPair;
  const apiKey = mintKey();

  before(async () => {
    rsa = await keyPair('RS256', 'rsa-1');
    idp = await fixtureServer((_req, res) => json(res, 200, { keys: [rsa.jwk] }));
    stack = await startStack({
      redis: 'single',
      replicas: 2,
      config: ({ redisUrl }) => `
store: { kind: redis, url: "${redisUrl}" }
identity:
  issuers:
    - { name: idp, issuer: "${ISS}", jwks_url: "${idp.url}/jwks", algorithms: [RS256] }
  api_keys: { redis_hash: apikeys, refresh_s: 60 }
  signatures:
    keys: [ { id: partner, algorithm: hmac-sha256, secret: "${SECRET}" } ]
  revocation: { sync_s: 30 }
routes:
  - name: api
    match: { path: { prefix: / } }
    identity: { accept: [jwt, api_key, signature], forward: { claims: { sub: x-user-id, plan: x-plan } } }
`,
    });
    // the key lives only as a hash in Redis, written with the command `portcullis apikey mint` prints
    execFileSync('redis-cli', ['-u', stack.redis!.url, 'HSET', 'portcullis:apikeys', `sha256:${hashKey(apiKey)}`, JSON.stringify({ owner: 'acme', plan: 'gold' })]);
    execFileSync('redis-cli', ['-u', stack.redis!.url, 'PUBLISH', 'portcullis:identity:apikeys', 'changed']);
  });
  after(async () => { await stack?.stop(); await idp?.close(); });

  /** n requests through Envoy (round-robin over both replicas); their statuses. */
  async function statuses(n: number, headers: Record<string, string>): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await stack.request({ path: `/r/${i}`, headers })).status);
    return out;
  }

  it('both replicas serve traffic through Envoy', async () => {
    const token = await sign(rsa, nowS(), { jti: 'warm-up' });
    assert.deepEqual(await statuses(6, { authorization: `Bearer ${token}` }), Array(6).fill(200));
    for (const p of stack.portcullis) assert.equal(await directCheck(p, { authorization: `Bearer ${token}` }), 'OK', p.name);
  });

  it('a jti revoked through replica 0\'s admin endpoint is refused by every replica within 1 s', async (t) => {
    const token = await sign(rsa, nowS(), { jti: 'tok-revoke-me', sub: 'alice' });
    const h = { authorization: `Bearer ${token}` };
    // verified and cached on both replicas
    for (const p of stack.portcullis) assert.equal(await directCheck(p, h), 'OK');
    assert.deepEqual(await statuses(4, h), Array(4).fill(200));
    const t0 = Date.now();
    const r = await fetch(`${stack.portcullis[0]!.adminUrl}/admin/revoke`, { method: 'POST', body: JSON.stringify({ jti: 'tok-revoke-me', until: nowS() + 600 }) });
    assert.equal(r.status, 200);
    const dropped = new Map<string, number>();
    while (dropped.size < stack.portcullis.length && Date.now() - t0 < 1000) {
      for (const p of stack.portcullis) {
        if (!dropped.has(p.name) && await directCheck(p, h) === 'ERR_TOKEN_REVOKED') dropped.set(p.name, Date.now() - t0);
      }
      if (dropped.size < stack.portcullis.length) await sleep(10);
    }
    assert.equal(dropped.size, 2, `every replica refuses the token within 1 s (${JSON.stringify(Object.fromEntries(dropped))})`);
    t.diagnostic(`refused after (ms since the admin call): ${JSON.stringify(Object.fromEntries(dropped))}`);
    assert.deepEqual(await statuses(4, h), Array(4).fill(401));
    const through = await stack.request({ path: '/x', headers: h });
    assert.equal(through.json().error, 'ERR_TOKEN_REVOKED');
    // stored in Redis with its expiry; the other replica lists it
    const list = await (await fetch(`${stack.portcullis[1]!.adminUrl}/admin/revocations`)).json() as any;
    assert.ok(list.revocations.some((x: any) => x.jti === 'tok-revoke-me'));
    const stored = execFileSync('redis-cli', ['-u', stack.redis!.url, 'HGET', 'portcullis:identity:revocations', 'jti:tok-revoke-me'], { encoding: 'utf8' });
    assert.ok(JSON.parse(stored).until > Date.now());
  });

  it('every token of a subject issued before now, revoked with the CLI, is refused; a newer token works', async () => {
    const old = await sign(rsa, nowS() - 5, { sub: 'mallory' });
    assert.deepEqual(await statuses(2, { authorization: `Bearer ${old}` }), [200, 200]);
    const c = cli(['revoke', 'subject', 'mallory', '--issuer', ISS, '--admin', stack.portcullis[1]!.adminUrl]);
    assert.equal(c.status, 0, c.out);
    for (const p of stack.portcullis) assert.equal(await eventually(p, { authorization: `Bearer ${old}` }, 'ERR_TOKEN_REVOKED'), 'ERR_TOKEN_REVOKED', p.name);
    assert.deepEqual(await statuses(2, { authorization: `Bearer ${old}` }), [401, 401]);
    const fresh = await sign(rsa, nowS() + 1, { sub: 'mallory' });
    assert.deepEqual(await statuses(2, { authorization: `Bearer ${fresh}` }), [200, 200]);
  });

  it('an API key stored in Redis works, and is refused everywhere once revoked with the CLI', async () => {
    const h = { 'x-api-key': apiKey };
    for (const p of stack.portcullis) assert.equal(await eventually(p, h, 'OK'), 'OK', p.name);
    const ok = await stack.request({ path: '/k', headers: h });
    assert.equal(ok.status, 200, ok.body);
    assert.equal(ok.json().headers['x-plan'], 'gold');
    const c = cli(['revoke', 'api-key', '-', '--admin', stack.portcullis[0]!.adminUrl], apiKey);
    assert.equal(c.status, 0, c.out);
    assert.ok(!c.out.includes(apiKey), 'the CLI output never shows the key');
    for (const p of stack.portcullis) assert.equal(await eventually(p, h, 'ERR_API_KEY_REVOKED'), 'ERR_API_KEY_REVOKED', p.name);
    assert.deepEqual(await statuses(2, h), [401, 401]);
  });

  it('a signed request replayed against the other replica is refused (nonce in Redis)', async () => {
    const hs = signRequest({ method: 'GET', url: 'http://api.test/direct', keyId: 'partner', algorithm: 'hmac-sha256', key: Buffer.from(SECRET) });
    assert.equal(await directCheck(stack.portcullis[0]!, { ...hs, ':authority': 'api.test' }), 'OK');
    assert.equal(await directCheck(stack.portcullis[1]!, { ...hs, ':authority': 'api.test' }), 'ERR_SIG_REPLAY');
    const viaEnvoy = signRequest({ method: 'GET', url: `http://127.0.0.1:${stack.envoy.httpPort}/pay`, keyId: 'partner', algorithm: 'hmac-sha256', key: Buffer.from(SECRET) });
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push((await stack.request({ path: '/pay', headers: viaEnvoy })).status);
    assert.deepEqual(codes, [200, 401, 401]);
  });
});
