// Portcullis as an Istio CUSTOM authorizer, through a real Envoy configured the way istiod configures a sidecar
// (envoy/istio-sidecar.yaml): the policy's rules in an RBAC shadow filter decide which requests reach Portcullis,
// the ext_authz filter has no context_extensions and sends no peer certificate, the client is identified by the
// SPIFFE ID of its sidecar's mTLS certificate. Real Redis (check-side rate limits), real Portcullis.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildBundle } from '../../src/policy/cli/build.js';
import { startEnvoy, type EnvoyProc } from './harness/envoy.js';
import { send, type Resp } from './harness/http.js';
import { startStack, type Stack } from './harness/stack.js';
import { makeIstioCerts, spiffe, type IstioCerts } from './istio-certs.js';

const HOST = 'api-gateway.shop.svc.cluster.local:8080';

// Written as for OPA-Envoy in Istio (input.attributes.source.principal), plus Portcullis's SPIFFE claims.
const ISTIO_POLICY = `package istio.authz

import rego.v1

default allow := false

# the web workload may read
allow if {
	input.attributes.source.principal == "spiffe://cluster.local/ns/shop/sa/web"
	input.attributes.request.http.method == "GET"
}

# any workload of namespace shop may post a report
allow if {
	input.portcullis.identity.claims.namespace == "shop"
	input.attributes.request.http.method == "POST"
	input.parsed_path == ["api", "reports"]
}
`;

/** Sum of portcullis_checks_total (every Check Portcullis answered), optionally for one route. */
async function checks(stack: Stack, route?: string): Promise<number> {
  const text = await (await fetch(`${stack.portcullis[0]!.adminUrl}/metrics`)).text();
  let n = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('portcullis_checks_total{')) continue;
    if (route !== undefined && !line.includes(`route="${route}"`)) continue;
    n += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return n;
}

describe('Istio CUSTOM authorizer: sidecar chain through a real Envoy', () => {
  let stack: Stack;
  let certs: IstioCerts;
  let certDir: string;
  let batchFingerprint: string;
  /** From the client workload: plain HTTP to its sidecar, which brings it over mTLS as shop/web. */
  const viaSidecar = (path: string, o: { method?: string; headers?: Record<string, string>; body?: string } = {}) =>
    stack.request({ path, method: o.method, body: o.body, headers: { host: HOST, ...o.headers } });
  /** Straight to the inbound listener with the given workload certificate (another client sidecar). */
  const asWorkload = (name: string, path: string, headers: Record<string, string> = {}, o: { method?: string; body?: string } = {}) => {
    const c = certs.cert(name);
    return stack.request({ path, ...o, via: 'mtls', ca: certs.ca, cert: c.cert, key: c.key, headers: { host: HOST, ...headers } });
  };

  before(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'portcullis-istio-certs-'));
    certs = makeIstioCerts(certDir);
    batchFingerprint = new X509Certificate(certs.cert('batch').cert).fingerprint256;
    stack = await startStack({
      redis: 'single',
      config: ({ redisUrl, dir }) => {
        mkdirSync(join(dir, 'policy'));
        writeFileSync(join(dir, 'policy', 'istio.rego'), ISTIO_POLICY);
        const built = buildBundle({ src: join(dir, 'policy'), out: join(dir, 'istio.tar.gz'), entrypoints: ['istio/authz/allow'] });
        assert.ok(built.ok, built.output);
        return `
store: { kind: redis, url: "${redisUrl}" }
policy:
  bundles: { istio: { file: istio.tar.gz } }
default_action: { action: deny }
identity:
  realm: shop
  mtls:
    allow:
      # matched on the certificate's fingerprint: Istio sends no certificate, so this rule never matches there
      - { name: batch-by-fingerprint, fingerprint_sha256: "${batchFingerprint}", roles: [batch] }
      - { name: shop, spiffe_id: "spiffe://cluster.local/ns/shop/*", roles: [shop-service] }
routes:
  - name: orders
    # every name a client in the mesh may use for the service (Istio's virtual host lists the same)
    match: { host: [api-gateway, api-gateway.shop, api-gateway.shop.svc, api-gateway.shop.svc.cluster.local], path: { prefix: /api/orders } }
    identity:
      accept: [mtls]
      forward:
        claims: { sub: x-user-id, roles: x-user-roles, trust_domain: x-source-trust-domain, namespace: x-source-namespace, service_account: x-source-service-account }
  - name: orders-partner
    match: { host: "*.partner.example.com", path: { prefix: /api/orders } }
    rules: [ { action: deny, status: 404, message: "orders are not served on the partner host" } ]
  - name: admin
    match: { host: api-gateway.shop.svc.cluster.local, path: { prefix: /api/admin } }
    rules:
      - { action: deny, methods: [DELETE], status: 405, message: "deletes are not allowed" }
    upstream_headers: { x-checked-by: portcullis }
  - name: quota
    match: { path: { prefix: /api/quota } }
    identity: { accept: [mtls] }
    ratelimit:
      # gcra: two at once, then one per 30 s — no window boundary for the test to straddle
      limits: [ { name: per-workload, by: subject, requests_per_unit: 2, unit: minute, algorithm: gcra, burst: 2 } ]
      response_headers: ietf
  - name: reports
    match: { path: { prefix: /api/reports } }
    identity: { accept: [mtls] }
    policy: { bundle: istio, entrypoint: istio/authz/allow }
`;
      },
      envoy: {
        template: 'istio-sidecar.yaml', waitHealthy: false,
        vars: { CERT_DIR: certDir, ISTIO_FAIL_OPEN: 'false', ISTIO_STATUS_ON_ERROR: '503', EXT_AUTHZ_TIMEOUT: '1s' },
      },
    });
  });

  after(async () => {
    await stack?.stop();
    rmSync(certDir, { recursive: true, force: true });
  });

  describe('(a) only requests the policy rules match reach Portcullis', () => {
    it('paths outside the rules go to the app without a Check', async () => {
      const before = await checks(stack);
      for (const path of ['/healthz', '/public/logo.png', '/api', '/apiary/x']) {
        const r = await viaSidecar(path);
        assert.equal(r.status, 200, path);
        assert.equal(r.json().path, path);
        assert.equal(r.headers['x-portcullis-decision-id'], undefined, `${path}: no decision id, no Check`);
      }
      assert.equal(await checks(stack), before, 'Portcullis answered no Check');
    });

    it('paths inside the rules are checked, one Check each, also when Portcullis denies', async () => {
      const before = await checks(stack);
      const ok = await viaSidecar('/api/orders/1');
      assert.equal(ok.status, 200);
      assert.match(ok.headers['x-portcullis-decision-id'] ?? '', /^[0-9a-f-]{36}$/);
      const none = await viaSidecar('/api/unknown');
      assert.equal(none.status, 403);
      assert.equal(none.json().error, 'ERR_NO_ROUTE');
      const saml = await viaSidecar('/saml/acs');   // the SP's paths are in the rules too
      assert.equal(saml.json().error, 'ERR_NO_ROUTE');
      assert.equal(await checks(stack), before + 3);
    });

    it('a request body inside the rules reaches Portcullis (includeRequestBodyInCheck)', async () => {
      const r = await viaSidecar('/api/admin/notes', { method: 'POST', body: '{"note":"hello"}', headers: { 'content-type': 'application/json' } });
      assert.equal(r.status, 200);
      assert.equal(r.json().body, '{"note":"hello"}');
      assert.equal(r.json().headers['x-checked-by'], 'portcullis');
    });
  });

  describe('(b) routes matched by host and path (no context_extensions under Istio)', () => {
    it('the workload host, with its port, selects the route', async () => {
      const get = await viaSidecar('/api/admin/users');
      assert.equal(get.status, 200);
      assert.equal(get.json().headers['x-checked-by'], 'portcullis');
      const del = await viaSidecar('/api/admin/users/7', { method: 'DELETE' });
      assert.equal(del.status, 405);
      assert.equal(del.json().error, 'ERR_FORBIDDEN');
      assert.equal(del.json().message, 'deletes are not allowed');
    });

    it('a host list covers the service\'s short and full names', async () => {
      const before = await checks(stack, 'orders');
      for (const host of ['api-gateway:8080', 'api-gateway.shop:8080', 'api-gateway.shop.svc', 'API-Gateway.shop.svc.cluster.local']) {
        const r = await viaSidecar('/api/orders/1', { headers: { host } });
        assert.equal(r.status, 200, host);
        assert.equal(r.json().headers['x-user-id'], spiffe('shop', 'web'), host);
      }
      assert.equal(await checks(stack, 'orders'), before + 4);
      assert.equal((await viaSidecar('/api/orders/1', { headers: { host: 'api-gateway.other' } })).json().error, 'ERR_NO_ROUTE');
    });

    it('the same path on another host is another route', async () => {
      const before = await checks(stack, 'orders-partner');
      const r = await viaSidecar('/api/orders/1', { headers: { host: 'shop.partner.example.com' } });
      assert.equal(r.status, 404);
      assert.equal(r.json().message, 'orders are not served on the partner host');
      assert.equal(await checks(stack, 'orders-partner'), before + 1);
    });
  });

  describe('(c) the SPIFFE identity of the mTLS peer', () => {
    it('the client sidecar\'s SPIFFE ID is the identity; the upstream gets it in the forwarded headers', async () => {
      const r = await viaSidecar('/api/orders/1');
      assert.equal(r.status, 200);
      const h = r.json().headers;
      assert.equal(h['x-user-id'], spiffe('shop', 'web'));
      assert.equal(h['x-user-roles'], 'shop-service');
      assert.equal(h['x-portcullis-auth-kind'], 'mtls');
      // the parts of the SPIFFE ID, as Istio's source.namespace / service account
      assert.equal(h['x-source-trust-domain'], 'cluster.local');
      assert.equal(h['x-source-namespace'], 'shop');
      assert.equal(h['x-source-service-account'], 'web');
    });

    it('a client cannot claim another identity with headers, x-forwarded-client-cert included', async () => {
      // straight to the inbound sidecar, which appends its own element to a client's XFCC (APPEND_FORWARD)
      const r = await asWorkload('sidecar', '/api/orders/1', { 'x-user-id': 'admin', 'x-forwarded-client-cert': `URI=${spiffe('shop', 'admin')}` });
      assert.equal(r.status, 200);
      assert.match(r.json().headers['x-forwarded-client-cert'], /^URI=spiffe:\/\/cluster.local\/ns\/shop\/sa\/admin,By=/, 'the forged element reached Portcullis');
      assert.equal(r.json().headers['x-user-id'], spiffe('shop', 'web'));
      assert.equal(r.json().headers['x-source-service-account'], 'web');
    });

    it('another namespace\'s workload is refused with the reason, challenge and JSON body', async () => {
      const r = await asWorkload('intruder', '/api/orders/1');
      assert.equal(r.status, 401);
      assert.equal(r.json().error, 'ERR_MTLS_NOT_ALLOWED');
      assert.match(r.headers['www-authenticate'] ?? '', /^mTLS realm="shop", error="invalid_mtls"/);
    });

    it('Envoy sends the principal, not the certificate: a fingerprint rule cannot match, the SPIFFE rule does', async () => {
      const r = await asWorkload('batch', '/api/orders/1');
      assert.equal(r.status, 200);
      assert.equal(r.json().headers['x-user-id'], spiffe('shop', 'batch'));
      assert.equal(r.json().headers['x-user-roles'], 'shop-service', 'not [batch]: there is no certificate to fingerprint');
    });

    it('with the certificate added by an EnvoyFilter (include_peer_certificate), Istio\'s empty-subject certificates parse and the fingerprint rule matches', async () => {
      const dir = join(stack.dir, 'envoy-peer-cert');
      mkdirSync(dir);
      const withCert = await startEnvoy({
        dir, template: 'istio-sidecar.yaml', waitHealthy: false, portcullis: [stack.portcullis[0]!.grpcAddress],
        upstreamPort: stack.upstream.port, certDir, vars: { CERT_DIR: certDir, ISTIO_INCLUDE_PEER_CERTIFICATE: 'true' },
      });
      try {
        const web = await send(withCert.httpPort, { path: '/api/orders/1', headers: { host: HOST } });
        assert.equal(web.status, 200, web.body);
        assert.equal(web.json().headers['x-user-id'], spiffe('shop', 'web'));
        const c = certs.cert('batch');
        const batch = await send(withCert.mtlsPort, { path: '/api/orders/1', via: 'mtls', ca: certs.ca, cert: c.cert, key: c.key, headers: { host: HOST } });
        assert.equal(batch.status, 200, batch.body);
        assert.equal(batch.json().headers['x-user-roles'], 'batch');
      } finally {
        await withCert.stop();
      }
    });

    it('a certificate from another CA, or none, never gets past the TLS handshake', async () => {
      const before = await checks(stack);
      const rogue = certs.cert('rogue');
      await assert.rejects(stack.request({ path: '/api/orders/1', via: 'mtls', ca: certs.ca, cert: rogue.cert, key: rogue.key }));
      await assert.rejects(send(stack.envoy.mtlsPort, { path: '/api/orders/1', via: 'tls', ca: certs.ca }));
      assert.equal(await checks(stack), before);
    });
  });

  describe('an OPA-Envoy policy written for Istio', () => {
    it('sees the caller\'s SPIFFE ID as input.attributes.source.principal, and its namespace claim', async () => {
      assert.equal((await viaSidecar('/api/reports/1')).status, 200);                        // principal: web, GET
      assert.equal((await asWorkload('batch', '/api/reports/1')).status, 403);               // batch may not GET
      const posted = await asWorkload('batch', '/api/reports', { 'content-type': 'application/json' }, { method: 'POST', body: '{}' });
      assert.equal(posted.status, 200, posted.body);                                         // namespace shop may POST
      const denied = await viaSidecar('/api/reports/1', { method: 'DELETE' });
      assert.equal(denied.status, 403);
      assert.equal(denied.json().error, 'ERR_POLICY_DENIED');
    });
  });

  describe('(e) a deny reaches the client whole, through both sidecars', () => {
    it('429 with Retry-After and RateLimit headers, keyed by the SPIFFE ID (Redis)', async () => {
      const seen: Resp[] = [];
      for (let i = 0; i < 3; i++) seen.push(await viaSidecar('/api/quota/report'));
      assert.deepEqual(seen.map((r) => r.status), [200, 200, 429]);
      const denied = seen[2]!;
      assert.equal(denied.json().error, 'ERR_RATE_LIMITED');
      assert.match(denied.headers['retry-after'] ?? '', /^\d+$/);
      assert.match(denied.headers.ratelimit ?? '', /"quota\/per-workload";r=0;t=\d+/);
      assert.match(denied.headers['content-type'] ?? '', /^application\/json/);
      assert.match(denied.headers['x-portcullis-decision-id'] ?? '', /^[0-9a-f-]{36}$/);
      // another workload has its own budget
      assert.equal((await asWorkload('batch', '/api/quota/report')).status, 200);
    });
  });

  describe('path normalization decides what the rules see', () => {
    let merged: EnvoyProc | undefined;
    after(async () => { await merged?.stop(); });

    it('BASE (Istio\'s default): //api/orders and /api%2Forders are not matched by "/api/*" and reach the app unchecked', async () => {
      const before = await checks(stack);
      for (const path of ['//api/orders/1', '/api%2Forders/1']) {
        const r = await viaSidecar(path);
        assert.equal(r.status, 200, path);
        assert.equal(r.json().path, path);
        assert.equal(r.json().headers['x-user-id'], undefined, path);
      }
      assert.equal(await checks(stack), before);
    });

    it('DECODE_AND_MERGE_SLASHES: //api/orders and /api%2Forders are checked as /api/orders', async () => {
      const dir = join(stack.dir, 'envoy-merged');
      mkdirSync(dir);
      merged = await startEnvoy({
        dir, template: 'istio-sidecar.yaml', waitHealthy: false, portcullis: [stack.portcullis[0]!.grpcAddress],
        upstreamPort: stack.upstream.port, certDir,
        vars: { CERT_DIR: certDir, ISTIO_MERGE_SLASHES: 'true', ISTIO_ESCAPED_SLASHES: 'UNESCAPE_AND_FORWARD' },
      });
      const before = await checks(stack, 'orders');
      for (const path of ['//api/orders/1', '/api%2Forders/1', '/api/orders%2F1']) {
        const m = await send(merged.httpPort, { path, headers: { host: HOST } });
        assert.equal(m.status, 200, path);
        assert.equal(m.json().path.replace('%2F', '/'), '/api/orders/1', path);
        assert.equal(m.json().headers['x-user-id'], spiffe('shop', 'web'), path);
      }
      assert.ok(await checks(stack, 'orders') >= before + 3);
    });
  });

  describe('(d) Portcullis down: failOpen and statusOnError as the provider says', () => {
    let open: EnvoyProc | undefined;
    after(async () => { await open?.stop(); });

    it('Portcullis hung past the provider timeout: statusOnError (503), then answers again', async () => {
      const pid = stack.portcullis[0]!.proc.child.pid!;
      const errors = await stack.envoy.stat('http.inbound_0.0.0.0_8080.ext_authz.error');
      process.kill(pid, 'SIGSTOP');
      try {
        const r = await viaSidecar('/api/orders/1');
        assert.equal(r.status, 503);
        assert.ok(!r.body.includes('"method"'), 'the app was not reached');
      } finally { process.kill(pid, 'SIGCONT'); }
      assert.equal(await stack.envoy.stat('http.inbound_0.0.0.0_8080.ext_authz.error'), errors + 1);
      assert.equal((await viaSidecar('/api/orders/1')).status, 200);
    });

    it('failOpen false: inside the rules 503 (statusOnError), never the app; outside the rules unaffected', async () => {
      await stack.portcullis[0]!.stop('SIGKILL');
      const r = await viaSidecar('/api/orders/1');
      assert.equal(r.status, 503);
      assert.ok(!r.body.includes('"method"'), 'the app was not reached');
      const out = await viaSidecar('/healthz');
      assert.equal(out.status, 200);
    });

    it('failOpen true: the request goes to the app unchecked, counted by Envoy (Portcullis cannot count it)', async () => {
      const dir = join(stack.dir, 'envoy-fail-open');
      mkdirSync(dir);
      open = await startEnvoy({
        dir, template: 'istio-sidecar.yaml', waitHealthy: false, portcullis: [stack.portcullis[0]!.grpcAddress],
        upstreamPort: stack.upstream.port, certDir, vars: { CERT_DIR: certDir, ISTIO_FAIL_OPEN: 'true' },
      });
      const r = await send(open.httpPort, { path: '/api/orders/1', headers: { host: HOST } });
      assert.equal(r.status, 200);
      assert.equal(r.json().headers['x-user-id'], undefined, 'no identity: Portcullis never saw it');
      assert.equal(await open.stat('http.inbound_0.0.0.0_8080.ext_authz.failure_mode_allowed'), 1);
    });
  });
});
