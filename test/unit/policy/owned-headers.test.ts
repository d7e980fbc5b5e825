import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { closeRuntime, type Runtime } from '../../../src/pipeline/runtime.js';
import { decide, runtimeFrom, upstreamHeaders } from '../helpers.js';
import { opaBuild } from './helpers.js';

/**
 * Headers Portcullis owns (identity's forward headers, x-portcullis-*) as the policy sees them: what the
 * upstream will receive from Portcullis, never the copy the client wrote. A policy written for Envoy's
 * jwt_authn + opa-envoy-plugin (`input.attributes.request.http.headers["x-user-id"] == "admin"`) trusts
 * that header because jwt_authn wrote it; here identity writes it in the identify phase.
 */

const SECRET = 'owned-headers-test-secret-0123456789abcdef';
const POLICY = `package owned

import rego.v1

default allow := false

allow if input.attributes.request.http.headers["x-user-id"] == "admin"

allow if input.attributes.request.http.headers["x-portcullis-role"] == "admin"
`;

describe('owned headers in the policy input', () => {
  let dir: string;
  let rt: Runtime;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-owned-'));
    writeFileSync(join(dir, 'owned.tar.gz'), opaBuild({ files: { 'owned/p.rego': POLICY }, entrypoints: ['owned/allow'] }));
    rt = await runtimeFrom(`
store: { kind: memory }
identity:
  issuers:
    - { name: t, issuer: https://issuer.test, keys: [ { secret: "${SECRET}" } ], algorithms: [HS256] }
policy:
  bundles: { owned: { file: ${join(dir, 'owned.tar.gz')} } }
  decision_logs: { file: ${join(dir, 'decisions.jsonl')}, reporting: { max_delay_ms: 10 } }
routes:
  - name: api
    match: { path: { prefix: /api } }
    identity: { accept: [jwt], allow_anonymous: true, forward: { claims: { sub: x-user-id } } }
    policy: { bundle: owned, entrypoint: owned/allow }
  - name: shadowed
    match: { path: { prefix: /shadow } }
    identity: { accept: [jwt], allow_anonymous: true, forward: { claims: { sub: x-user-id } } }
    policy: { bundle: owned, entrypoint: owned/allow, shadow: true }
`);
    for (const m of rt.modules.values()) await m.start?.();
  });
  after(async () => { await closeRuntime(rt); rmSync(dir, { recursive: true, force: true }); });

  const token = (sub: string) => new SignJWT({ sub }).setProtectedHeader({ alg: 'HS256' }).setIssuer('https://issuer.test')
    .setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));
  const bearer = async (sub: string) => ({ authorization: `Bearer ${await token(sub)}` });
  const denied = (resp: any) => resp.denied_response?.status?.code;

  it('a client-sent x-user-id: admin without credentials is not admin', async () => {
    const r = await decide(rt, { path: '/api/x', headers: { 'x-user-id': 'admin' } });
    assert.equal(denied(r), 403, 'the policy saw the client\'s copy of an owned header');
  });

  it('a verified identity whose subject is admin is admin: the policy sees the value identity forwards', async () => {
    const r = await decide(rt, { path: '/api/x', headers: await bearer('admin') });
    assert.equal(r.status.code, 0, JSON.stringify(r.denied_response));
    assert.equal(upstreamHeaders(r)['x-user-id'], 'admin');
  });

  it('a verified non-admin who also sends x-user-id: admin is not admin (the forwarded value wins)', async () => {
    const r = await decide(rt, { path: '/api/x', headers: { ...(await bearer('bob')), 'x-user-id': 'admin' } });
    assert.equal(denied(r), 403);
  });

  it('an owned x-portcullis-* header no stage sets is absent from the input, whatever the client wrote', async () => {
    const r = await decide(rt, { path: '/api/x', headers: { 'x-portcullis-role': 'admin' } });
    assert.equal(denied(r), 403);
  });

  it('the decision log records the headers the policy saw (forwarded value, client copy gone, other headers kept)', async () => {
    const r = await decide(rt, { path: '/api/logged', headers: { ...(await bearer('carol')), 'x-user-id': 'admin', 'x-portcullis-role': 'admin', 'x-other': 'kept' } });
    assert.equal(denied(r), 403);
    const file = join(dir, 'decisions.jsonl');
    let line: any;
    for (let i = 0; i < 100 && line === undefined; i++) {
      await new Promise((res) => setTimeout(res, 20));
      let text = '';
      try { text = readFileSync(file, 'utf8'); } catch { continue; }
      line = text.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((e) => e.input?.attributes?.request?.http?.path === '/api/logged');
    }
    assert.ok(line, 'the decision was logged');
    const h = line.input.attributes.request.http.headers;
    assert.equal(h['x-user-id'], 'carol');
    assert.equal(h['x-portcullis-role'], undefined);
    assert.equal(h['x-other'], 'kept');
    assert.equal(line.result, false);
  });

  it('a shadow-mode policy sees the same view: the spoofed admin is recorded as a would-be deny', async () => {
    const r = await decide(rt, { path: '/shadow/x', headers: { 'x-user-id': 'admin' } });
    assert.equal(r.status.code, 0, 'shadow mode never refuses');
    const file = join(dir, 'decisions.jsonl');
    let line: any;
    for (let i = 0; i < 100 && line === undefined; i++) {
      await new Promise((res) => setTimeout(res, 20));
      let text = '';
      try { text = readFileSync(file, 'utf8'); } catch { continue; }
      line = text.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((e) => e.input?.attributes?.request?.http?.path === '/shadow/x');
    }
    assert.ok(line, 'the shadow decision was logged');
    assert.equal(line.result, false);
    assert.equal(line.custom.shadow, true);
  });
});
