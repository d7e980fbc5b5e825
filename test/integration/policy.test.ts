import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { buildBundle } from '../../src/policy/cli/build.js';
import { REPO } from './harness/portcullis.js';
import { startStack, type Stack } from './harness/stack.js';

const SECRET = 'integration-test-secret-for-the-opa-envoy-policy';

/** The example sources plus the test-only identity wrapper, built with the real opa into two versions. */
function buildVersions(dir: string): { v1: Buffer; v2: Buffer } {
  const out: Record<string, Buffer> = {};
  for (const v of ['v1', 'v2']) {
    const src = join(dir, `src-${v}`);
    cpSync(join(REPO, 'policies', 'src'), src, { recursive: true });
    mkdirSync(join(src, 'itest'));
    cpSync(join(REPO, 'test', 'fixtures', 'policy', 'itest.rego'), join(src, 'itest', 'itest.rego'));
    writeFileSync(join(src, 'itest', 'data.json'), JSON.stringify({ build: v }));
    const r = buildBundle({ src, out: join(dir, `${v}.tar.gz`), entrypoints: [] });
    assert.ok(r.ok, r.output);
    out[v] = readFileSync(join(dir, `${v}.tar.gz`));
  }
  return { v1: out.v1!, v2: out.v2! };
}

/** A bundle server whose answer the test changes: a bundle (with ETag), an HTTP status, or garbage. */
class BundleServer {
  server!: Server;
  url = '';
  mode: { bundle: Buffer } | { status: number } | { garbage: true } = { status: 404 };
  requests = 0;
  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.requests++;
      const m = this.mode;
      if ('bundle' in m) {
        const etag = `"${createHash('sha256').update(m.bundle).digest('hex').slice(0, 20)}"`;
        if (req.headers['if-none-match'] === etag) { res.writeHead(304).end(); return; }
        res.writeHead(200, { etag, 'content-type': 'application/gzip' }).end(m.bundle);
      } else if ('status' in m) {
        res.writeHead(m.status).end('upstream trouble');
      } else {
        res.writeHead(200, { 'content-type': 'application/gzip' }).end(Buffer.from('<html>definitely not a bundle</html>'));
      }
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  stop(): Promise<void> {
    return new Promise((r) => { this.server.closeAllConnections(); this.server.close(() => r()); });
  }
}

async function eventually(what: string, fn: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try { if (await fn()) return; } catch (err) { last = err; } // e.g. the log file is not written yet
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const reader = { 'x-test-user': 'alice', 'x-test-roles': 'reader' };

describe('OPA Wasm policies through a real Envoy', () => {
  let stack: Stack;
  let build: string;
  let versions: { v1: Buffer; v2: Buffer };
  const bundles = new BundleServer();
  const metrics = async () => (await fetch(`${stack.portcullis[0]!.adminUrl}/metrics`)).text();

  before(async () => {
    build = mkdtempSync(join(tmpdir(), 'portcullis-policy-it-'));
    versions = buildVersions(build);
    await bundles.start();
    bundles.mode = { bundle: versions.v1 };
    stack = await startStack({
      redis: 'single',
      config: ({ dir, redisUrl }) => {
        writeFileSync(join(dir, 'bundle.tar.gz'), versions.v1);
        writeFileSync(join(dir, 'secret.json'), JSON.stringify(SECRET));
        // the role → permission table lives in Redis (database-driven data), seeded before start; the store's
        // key_prefix (default "portcullis:") applies to the hash and the channel
        execFileSync('redis-cli', ['-u', redisUrl!, 'HSET', 'portcullis:itest:role_permissions',
          'reader', JSON.stringify([{ methods: ['GET'], path: '/api/v1/**' }]),
          'writer', JSON.stringify([{ methods: ['GET', 'POST'], path: '/api/v1/orders' }])]);
        return `
store: { kind: redis, url: "${redisUrl}" }
default_action: { action: deny }
policy:
  bundles:
    local: { file: bundle.tar.gz }
    remote:
      url: "${bundles.url}"
      resource: bundles/remote.tar.gz
      polling: { min_delay_seconds: 0.2, max_delay_seconds: 0.4 }
      timeout_ms: 1000
  data:
    - { path: envoy/authz/jwt_secret, file: secret.json, bundles: [local] }
    - { name: roles, path: portcullis/rbac/role_permissions, redis_hash: "itest:role_permissions", refresh_seconds: 30, channel: "itest:policy-data", bundles: [local] }
  default_bundle: local
  decision_logs: { file: decisions.jsonl, reporting: { max_delay_ms: 100 } }
routes:
  - { name: users, match: { context_extensions: { service: users } }, policy: { entrypoint: itest/resources } }
  - { name: payments, match: { context_extensions: { service: payments } }, policy: { entrypoint: itest/resources } }
  - { name: orders, match: { context_extensions: { service: orders } }, policy: { entrypoint: itest/rbac } }
  - { name: inventory, match: { context_extensions: { service: inventory } }, policy: { entrypoint: itest/rbac, shadow: true } }
  - { name: remote, match: { path: { prefix: /remote/ } }, policy: { bundle: remote, entrypoint: itest/stamp } }
  - { name: web, match: { context_extensions: { service: web } }, policy: { entrypoint: data.envoy.authz.result } }
`;
      },
    });
  });

  after(async () => {
    await stack?.stop();
    await bundles.stop();
    rmSync(build, { recursive: true, force: true });
  });

  it('RBAC: a role that grants the request is allowed, one that does not is denied (403, decision id in header and body)', async () => {
    const ok = await stack.request({ path: '/api/v1/orders/7', headers: reader });
    assert.equal(ok.status, 200, ok.body);
    assert.equal(ok.json().headers['x-policy-version'], 'v1');
    const no = await stack.request({ method: 'POST', path: '/api/v1/orders', headers: reader, body: '{}' });
    assert.equal(no.status, 403);
    assert.equal(no.json().error, 'ERR_POLICY_DENIED');
    assert.equal(no.json().decision_id, no.headers['x-portcullis-decision-id']);
    const writer = await stack.request({ method: 'POST', path: '/api/v1/orders', headers: { 'x-test-user': 'w', 'x-test-roles': 'writer' }, body: '{}' });
    assert.equal(writer.status, 200, writer.body);
  });

  it('ownership: /api/v1/users/{id} only for that user; the denial is traceable in the decision log', async () => {
    const own = await stack.request({ path: '/api/v1/users/alice', headers: reader });
    assert.equal(own.status, 200, own.body);
    assert.equal(own.json().headers['x-portcullis-access'], 'owner');
    const other = await stack.request({ path: '/api/v1/users/bob', headers: { ...reader, authorization: 'Bearer do-not-log-me' } });
    assert.equal(other.status, 403);
    const id = other.headers['x-portcullis-decision-id']!;
    assert.equal(JSON.parse(other.body).decision_id, id, 'the policy\'s own body carries the decision id');
    assert.equal(JSON.parse(other.body).message, 'you may only access your own user record');
    let event: any;
    await eventually('the decision-log event', async () => {
      const line = readFileSync(join(stack.dir, 'decisions.jsonl'), 'utf8').split('\n').find((l) => l.includes(id));
      event = line && JSON.parse(line);
      return Boolean(event);
    });
    assert.equal(event.path, 'itest/resources');
    assert.equal(event.result.allowed, false);
    assert.equal(event.input.attributes.request.http.path, '/api/v1/users/bob');
    assert.equal(event.input.attributes.request.http.headers.authorization, undefined, 'credentials are erased');
    assert.equal(event.custom.route, 'users');
    const anon = await stack.request({ path: '/api/v1/users/bob' });
    assert.equal(anon.status, 401);
  });

  it('payments need a stronger credential (401 step-up challenge) and a low risk score', async () => {
    const weak = await stack.request({ method: 'POST', path: '/api/v1/payments', headers: reader, body: '{"amount":1}' });
    assert.equal(weak.status, 401);
    assert.match(weak.headers['www-authenticate']!, /insufficient_user_authentication/);
    const strong = await stack.request({ method: 'POST', path: '/api/v1/payments', headers: { ...reader, 'x-test-kind': 'mtls' }, body: '{"amount":1}' });
    assert.equal(strong.status, 200, strong.body);
  });

  it('an OPA-Envoy style policy runs unchanged: token in Rego, parsed_body, headers to upstream and client, header removal', async () => {
    const key = new TextEncoder().encode(SECRET);
    const guest = await new SignJWT({ sub: 'alice', role: 'guest' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(key);
    const r = await stack.request({ path: '/people/1', headers: { authorization: `Bearer ${guest}` } });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json().headers['x-ext-auth-user'], 'alice');
    assert.equal(r.json().headers.authorization, undefined, 'request_headers_to_remove');
    assert.equal(r.headers['x-ext-auth-decision'], 'allow', 'response_headers_to_add');
    const admin = await new SignJWT({ sub: 'Bob', role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(key);
    const created = await stack.request({ method: 'POST', path: '/people', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: '{"firstname":"bob"}' });
    assert.equal(created.status, 200, created.body);
    assert.equal(created.json().body, '{"firstname":"bob"}');
    const impostor = await stack.request({ method: 'POST', path: '/people', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: '{"firstname":"carol"}' });
    assert.equal(impostor.status, 403);
    assert.equal(impostor.body, 'Unauthorized Request');
    const forged = await new SignJWT({ sub: 'alice', role: 'guest' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode('wrong-secret'));
    assert.equal((await stack.request({ path: '/people/1', headers: { authorization: `Bearer ${forged}` } })).status, 403);
    assert.equal((await stack.request({ path: '/public/index.html' })).status, 200);
    const notJson = await stack.request({ method: 'POST', path: '/people', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: '{"firstname":' });
    assert.equal(notJson.status, 400);
  });

  it('shadow mode: a would-deny is counted and logged, the request goes through', async () => {
    const r = await stack.request({ method: 'DELETE', path: '/api/v1/inventory/1', headers: reader });
    assert.equal(r.status, 200, r.body);
    assert.match(await metrics(), /portcullis_shadow_denies_total\{route="inventory",stage="policy",code="ERR_POLICY_DENIED"\} [1-9]/);
  });

  it('the role table in Redis is applied live (pub/sub notification), without a restart', async () => {
    const before = await stack.request({ path: '/api/v1/orders/1', headers: { 'x-test-user': 'i', 'x-test-roles': 'intern' } });
    assert.equal(before.status, 403);
    execFileSync('redis-cli', ['-u', stack.vars.redisUrl!, 'HSET', 'portcullis:itest:role_permissions', 'intern', JSON.stringify([{ methods: ['GET'], path: '/api/v1/orders/*' }])]);
    execFileSync('redis-cli', ['-u', stack.vars.redisUrl!, 'PUBLISH', 'portcullis:itest:policy-data', 'roles']);
    await eventually('the intern role', async () => (await stack.request({ path: '/api/v1/orders/1', headers: { 'x-test-user': 'i', 'x-test-roles': 'intern' } })).status === 200);
  });

  it('a bundle server that fails (500, garbage) keeps the old policy; a new bundle is picked up by polling', async () => {
    const seenVersion = async () => (await stack.request({ path: '/remote/x' })).json().headers['x-policy-version'];
    assert.equal(await seenVersion(), 'v1');
    const failures = (text: string, reason: string) => Number(new RegExp(`portcullis_policy_bundle_failures_total\\{bundle="remote",reason="${reason}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    bundles.mode = { status: 500 };
    await eventually('a failed poll', async () => failures(await metrics(), 'fetch') >= 2);
    assert.equal(await seenVersion(), 'v1');
    bundles.mode = { garbage: true };
    await eventually('a rejected bundle', async () => failures(await metrics(), 'tar') >= 2);
    assert.equal(await seenVersion(), 'v1');
    const status = await (await fetch(`${stack.portcullis[0]!.adminUrl}/admin/policy`)).json() as any;
    assert.match(status.bundles.remote.last_error, /neither a gzip-compressed nor a plain tar/);
    bundles.mode = { bundle: versions.v2 };
    await eventually('v2 from the bundle server', async () => (await seenVersion()) === 'v2');
    assert.match(await metrics(), /portcullis_policy_bundle_revision_info\{bundle="remote",revision="sha256:[0-9a-f]+"\} 1/);
  });

  it('hot swaps of the bundle file under load: no failed request; after each swap every request sees the new policy', async (t) => {
    const results: Array<{ status: number; version?: string }> = [];
    let stop = false;
    const worker = async () => {
      while (!stop) {
        const r = await stack.request({ path: '/api/v1/orders/9', headers: reader }).catch((err: Error) => ({ status: 0, body: err.message, json: () => ({ headers: {} }) }));
        results.push({ status: r.status, version: r.status === 200 ? r.json().headers['x-policy-version'] : r.body });
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    const file = join(stack.dir, 'bundle.tar.gz');
    const current = () => results.at(-1)?.version;
    try {
      await eventually('load running', async () => results.length > 20);
      // the file is at v1 or v2 depending on the previous tests: swap it back and forth
      for (const v of ['v2', 'v1', 'v2', 'v1', 'v2'] as const) {
        if (current() === v) continue;
        writeFileSync(`${file}.next`, versions[v]);
        renameSync(`${file}.next`, file);
        await eventually(`${v} under load`, async () => current() === v);
        const mark = results.length;
        await eventually('more requests on the new policy', async () => results.length > mark + 40);
        assert.ok(results.slice(mark + 16).every((r) => r.version === v), `after the swap to ${v} (and requests in flight) only ${v}`);
      }
    } finally {
      stop = true;
      await Promise.all(workers);
    }
    const failed = results.filter((r) => r.status !== 200);
    t.diagnostic(`${results.length} requests across the swaps, ${failed.length} failed`);
    assert.deepEqual(failed, [], `${failed.length} of ${results.length} requests failed`);
    // the Redis role table survived every bundle swap (it is laid over each new bundle)
    assert.equal((await stack.request({ path: '/api/v1/orders/1', headers: { 'x-test-user': 'i', 'x-test-roles': 'intern' } })).status, 200);
  });
});

describe('verified identities (JWT, mTLS) driving the unmodified example policies through Envoy', () => {
  let stack: Stack;
  let signingKey: CryptoKey;
  const ISS = 'https://idp.portcullis.test/';
  const token = (sub: string, roles: string[], extra: Record<string, unknown> = {}) =>
    new SignJWT({ roles, ...extra }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(ISS).setAudience('api')
      .setSubject(sub).setIssuedAt().setExpirationTime('5m').sign(signingKey);

  before(async () => {
    const pair = await generateKeyPair('RS256');
    signingKey = pair.privateKey;
    const pem = await exportSPKI(pair.publicKey);
    stack = await startStack({
      config: ({ dir }) => {
        writeFileSync(join(dir, 'idp.pem'), pem);
        cpSync(join(REPO, 'policies', 'bundle.tar.gz'), join(dir, 'bundle.tar.gz'));
        return `
default_action: { action: deny }
identity:
  issuers:
    - { name: idp, issuer: "${ISS}", keys: [ { file: idp.pem, kid: k1 } ], algorithms: [RS256], audiences: [api], roles_claim: roles }
  mtls:
    allow: [ { name: demo, spiffe_id: "spiffe://portcullis.test/ns/demo/*", roles: [service] } ]
policy:
  bundles: { examples: { file: bundle.tar.gz } }
routes:
  - { name: users, match: { context_extensions: { service: users } }, identity: { accept: [jwt] }, policy: { entrypoint: portcullis/resources/decision } }
  - { name: payments, match: { context_extensions: { service: payments } }, identity: { accept: [jwt, mtls] }, policy: { entrypoint: portcullis/resources/decision } }
  - { name: orders, match: { context_extensions: { service: orders } }, identity: { accept: [jwt] }, policy: { entrypoint: portcullis/rbac/allow } }
`;
      },
    });
  });
  after(async () => { await stack?.stop(); });

  it('RBAC on the token\'s roles: reader may read orders, not create them; a writer may', async () => {
    const reader = `Bearer ${await token('alice', ['reader'])}`;
    assert.equal((await stack.request({ path: '/api/v1/orders/1', headers: { authorization: reader } })).status, 200);
    const denied = await stack.request({ method: 'POST', path: '/api/v1/orders', headers: { authorization: reader }, body: '{}' });
    assert.equal(denied.status, 403);
    assert.equal(denied.json().error, 'ERR_POLICY_DENIED');
    const writer = `Bearer ${await token('bob', ['writer'])}`;
    assert.equal((await stack.request({ method: 'POST', path: '/api/v1/orders', headers: { authorization: writer }, body: '{}' })).status, 200);
    assert.equal((await stack.request({ path: '/api/v1/orders/1' })).status, 401, 'no token: the identity stage answers first');
  });

  it('ownership on the token\'s subject; admins may read anyone', async () => {
    const alice = `Bearer ${await token('alice', ['reader'])}`;
    assert.equal((await stack.request({ path: '/api/v1/users/alice', headers: { authorization: alice } })).status, 200);
    assert.equal((await stack.request({ path: '/api/v1/users/bob', headers: { authorization: alice } })).status, 403);
    const admin = `Bearer ${await token('root', ['admin'])}`;
    assert.equal((await stack.request({ path: '/api/v1/users/bob', headers: { authorization: admin } })).status, 200);
  });

  it('payments: a plain token gets the step-up challenge, an MFA token or a client certificate (mTLS) passes', async () => {
    const plain = await stack.request({ method: 'POST', path: '/api/v1/payments', headers: { authorization: `Bearer ${await token('alice', ['reader'])}` }, body: '{}' });
    assert.equal(plain.status, 401);
    assert.match(plain.headers['www-authenticate']!, /insufficient_user_authentication/);
    const mfa = await stack.request({ method: 'POST', path: '/api/v1/payments', headers: { authorization: `Bearer ${await token('alice', ['reader'], { amr: ['pwd', 'mfa'] })}` }, body: '{}' });
    assert.equal(mfa.status, 200, mfa.body);
    const cert = await stack.request({ via: 'mtls', method: 'POST', path: '/api/v1/payments', body: '{}' });
    assert.equal(cert.status, 200, cert.body);
  });
});
