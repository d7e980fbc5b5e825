import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import type { ModuleInstance } from '../../../src/modules/module.js';
import { Deny } from '../../../src/pipeline/deny.js';
import type { Stage } from '../../../src/pipeline/stage.js';
import { policyModule } from '../../../src/policy/module.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { silent } from '../helpers.js';
import { ctxFor, EXAMPLES_BUNDLE, metricValue, simpleBundle } from './helpers.js';

const SECRET = 'a-test-secret-for-the-envoy-style-policy';

describe('the policy stage', () => {
  let dir: string;
  let inst: ModuleInstance;
  const stage = (rc: object, name = 'r'): Stage => inst.stages(rc, { name, index: 0 })[0]!;
  const store = new MemoryStore();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-stage-'));
    writeFileSync(join(dir, 'secret.json'), JSON.stringify(SECRET));
    writeFileSync(join(dir, 'conflict.tar.gz'), simpleBundle('conflict', 'allow := true if input.attributes.request.http.method == "GET"\n\nallow := false if input.parsed_path[0] == "x"'));
    writeFileSync(join(dir, 'nodefault.tar.gz'), simpleBundle('nodefault', 'allow if input.parsed_path[0] == "ok"'));
    inst = await policyModule.create({
      bundles: {
        examples: { file: EXAMPLES_BUNDLE },
        conflict: { file: join(dir, 'conflict.tar.gz') },
        nodefault: { file: join(dir, 'nodefault.tar.gz') },
      },
      data: [{ path: 'envoy/authz/jwt_secret', file: join(dir, 'secret.json'), bundles: ['examples'] }],
      default_bundle: 'examples',
      decision_logs: { file: join(dir, 'decisions.jsonl'), reporting: { max_delay_ms: 50 } },
    }, { store, logger: silent, configPath: join(dir, 'c.yaml'), configDir: dir });
    await inst.start?.();
  });
  after(async () => { await inst?.close?.(); await store.close(); rmSync(dir, { recursive: true, force: true }); });

  it('RBAC: a role that grants the request passes, one that does not is denied with 403', () => {
    const s = stage({ entrypoint: 'portcullis/rbac/allow' });
    const ok = ctxFor({ path: '/api/v1/orders/1' });
    ok.identity = { kind: 'jwt', subject: 'u', roles: ['reader'], claims: {} };
    assert.equal(s.run(ok), undefined);
    const no = ctxFor({ method: 'POST', path: '/api/v1/orders' });
    no.identity = { kind: 'jwt', subject: 'u', roles: ['reader'], claims: {} };
    const d = s.run(no) as Deny;
    assert.ok(d instanceof Deny);
    assert.equal(d.code, 'ERR_POLICY_DENIED');
    assert.equal(d.status, 403);
    assert.equal(no.policy, false);
  });

  it('a policy\'s upstream header replaces the value an earlier stage set under that name (identity forwarding), as before lists', async () => {
    const s = stage({ entrypoint: 'data.envoy.authz.result' });
    const tok = await new SignJWT({ sub: 'alice', role: 'guest' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));
    const ctx = ctxFor({ path: '/people/7', headers: { authorization: `Bearer ${tok}` } });
    ctx.upstreamHeaders.push(['X-Ext-Auth-User', 'from-identity'], ['x-other', '1']);
    assert.equal(s.run(ctx), undefined);
    assert.deepEqual(ctx.upstreamHeaders, [['x-other', '1'], ['x-ext-auth-user', 'alice']]);
  });

  it('an OPA-Envoy result object is applied: upstream headers, client headers, removals, dynamic metadata', async () => {
    const s = stage({ entrypoint: 'data.envoy.authz.result' });
    const tok = await new SignJWT({ sub: 'alice', role: 'guest' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));
    const ctx = ctxFor({ path: '/people/7', headers: { authorization: `Bearer ${tok}` } });
    assert.equal(s.run(ctx), undefined);
    assert.deepEqual(ctx.upstreamHeaders, [['x-ext-auth-user', 'alice']]);
    assert.deepEqual(ctx.responseHeaders, [['x-ext-auth-decision', 'allow']]);
    assert.deepEqual(ctx.upstreamHeadersToRemove, ['authorization']);
    assert.deepEqual(ctx.dynamicMetadata, { policy: 'envoy.authz', subject: 'alice' });
    const denied = ctxFor({ method: 'DELETE', path: '/people/7' });
    const d = s.run(denied) as Deny;
    assert.equal(d.status, 403);
    assert.equal(d.body, 'Unauthorized Request');
    assert.deepEqual(denied.upstreamHeaders, []);
  });

  it('a deny object sets status, client headers and body (step-up for payments)', () => {
    const s = stage({ entrypoint: 'portcullis/resources/decision' });
    const ctx = ctxFor({ method: 'POST', path: '/api/v1/payments' });
    ctx.identity = { kind: 'jwt', subject: 'alice', roles: [], claims: {} };
    const d = s.run(ctx) as Deny;
    assert.equal(d.status, 401);
    assert.match(String(d.headers!['www-authenticate']), /insufficient_user_authentication/);
    assert.equal(JSON.parse(d.body!).decision_id, ctx.decisionId);
  });

  it('evaluation errors and undefined decisions deny with ERR_POLICY and are counted', async () => {
    const before = await metricValue('portcullis_policy_decisions_total', { bundle: 'conflict', result: 'error' });
    const d = stage({ bundle: 'conflict', entrypoint: 'conflict/allow' }).run(ctxFor({ path: '/x' })) as Deny;
    assert.equal(d.code, 'ERR_POLICY');
    assert.equal(d.status, 403);
    assert.doesNotMatch(d.message, /conflict/, 'internal detail stays in the log');
    assert.equal(await metricValue('portcullis_policy_decisions_total', { bundle: 'conflict', result: 'error' }), before + 1);
    const u = stage({ bundle: 'nodefault', entrypoint: 'nodefault/allow' }).run(ctxFor({ path: '/nope' })) as Deny;
    assert.equal(u.code, 'ERR_POLICY');
    assert.equal(stage({ bundle: 'nodefault', entrypoint: 'nodefault/allow' }).run(ctxFor({ path: '/ok' })), undefined);
  });

  it('shadow mode evaluates, records and counts the would-deny, and lets the request through', async () => {
    const s = stage({ entrypoint: 'portcullis/rbac/allow', shadow: true }, 'shadowed');
    const before = await metricValue('portcullis_shadow_denies_total', { route: 'shadowed', stage: 'policy', code: 'ERR_POLICY_DENIED' });
    const ctx = ctxFor({ path: '/api/v1/orders' });
    assert.equal(s.run(ctx), undefined);
    assert.equal(ctx.shadowDenies.length, 1);
    assert.equal(ctx.shadowDenies[0]!.code, 'ERR_POLICY_DENIED');
    assert.equal(await metricValue('portcullis_shadow_denies_total', { route: 'shadowed', stage: 'policy', code: 'ERR_POLICY_DENIED' }), before + 1);
    // errors too: a shadowed route never fails a request
    const err = ctxFor({ path: '/x' });
    assert.equal(stage({ bundle: 'conflict', entrypoint: 'conflict/allow', shadow: true }).run(err), undefined);
    assert.equal(err.shadowDenies[0]!.code, 'ERR_POLICY');
  });

  it('Envoy context_extensions pick the bundle and entrypoint; an unknown bundle is refused', () => {
    const s = stage({ entrypoint: 'portcullis/rbac/allow' });
    const pub = ctxFor({ path: '/public/x', contextExtensions: { policy_entrypoint: 'envoy/authz/allow' } });
    assert.equal(s.run(pub), undefined, 'the OPA-Envoy policy allows GET /public/… anonymously; RBAC would not');
    const viaBundle = ctxFor({ path: '/ok', contextExtensions: { policy_bundle: 'nodefault', policy_entrypoint: 'nodefault/allow' } });
    assert.equal(s.run(viaBundle), undefined);
    const bad = s.run(ctxFor({ path: '/x', contextExtensions: { policy_bundle: 'elsewhere' } })) as Deny;
    assert.equal(bad.code, 'ERR_POLICY');
  });

  it('a body that claims JSON but is not is a 400 before evaluation', () => {
    const d = stage({ entrypoint: 'envoy/authz/allow' }).run(ctxFor({ method: 'POST', path: '/people', headers: { 'content-type': 'application/json' }, body: '{"firstname":' })) as Deny;
    assert.equal(d.code, 'ERR_BAD_REQUEST');
    assert.equal(d.status, 400);
  });

  it('decision logs: OPA event format, credentials erased, the decision id is the one the client sees', async () => {
    const ctx = ctxFor({ method: 'POST', path: '/api/v1/orders', headers: { authorization: 'Bearer sekrit-token', 'x-request-id': 'rid-77' } });
    ctx.route = 'orders';
    ctx.identity = { kind: 'jwt', subject: 'u', roles: ['reader'], claims: {} };
    stage({ entrypoint: 'portcullis/rbac/allow' }, 'orders').run(ctx);
    let line: string | undefined;
    for (let i = 0; i < 50 && !line; i++) {
      await new Promise((r) => setTimeout(r, 20));
      try { line = readFileSync(join(dir, 'decisions.jsonl'), 'utf8').split('\n').find((l) => l.includes(ctx.decisionId)); } catch { /* not yet */ }
    }
    assert.ok(line, 'event written');
    assert.ok(!line.includes('sekrit-token'));
    const e = JSON.parse(line);
    assert.equal(e.decision_id, ctx.decisionId);
    assert.equal(e.path, 'portcullis/rbac/allow');
    assert.equal(e.result, false);
    assert.equal(e.input.attributes.request.http.method, 'POST');
    assert.equal(e.input.attributes.request.http.headers['x-request-id'], 'rid-77');
    assert.equal(e.input.attributes.request.http.headers.authorization, undefined);
    assert.deepEqual(e.erased, ['/input/attributes/request/http/headers/authorization']);
    assert.equal(e.bundles.examples.revision.startsWith('sha256:'), true);
    assert.equal(typeof e.metrics.timer_rego_query_eval_ns, 'number');
    assert.equal(e.labels.app, 'portcullis');
    assert.equal(e.custom.route, 'orders');
    assert.equal(e.custom.code, 'ERR_POLICY_DENIED');
    assert.match(e.timestamp, /^\d{4}-\d\d-\d\dT/);
    assert.equal(ctx.headers.authorization, 'Bearer sekrit-token', 'masking never touches the live request');
  });
});
