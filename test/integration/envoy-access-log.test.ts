// Portcullis's decision reaches Envoy as ext_authz dynamic metadata, so Envoy's own access log carries the
// decision id, route, reason code and identity (envoy/envoy.yaml ACCESS_LOG). Until the session-5 fuzzer
// found it, every value of that metadata was encoded empty (google.protobuf.Value in the wrong case).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startStack, type Stack } from './harness/stack.js';
import { demoConfig, demoEnv } from './demo-config.js';

describe('Envoy access log with Portcullis dynamic metadata', () => {
  let stack: Stack;
  let cred: Record<string, string>;
  before(async () => {
    stack = await startStack({ redis: 'single', config: (v) => { cred = demoEnv(join(v.dir, 'demo')); return demoConfig(v); } });
  });
  after(async () => { await stack?.stop(); });

  /** The access-log line of the request with this x-request-id (Envoy writes it after the response). */
  async function logLine(requestId: string): Promise<Record<string, unknown>> {
    for (let t0 = Date.now(); Date.now() - t0 < 5000; await sleep(50)) {
      let text = '';
      try { text = readFileSync(join(stack.dir, 'access.log'), 'utf8'); } catch { /* not yet */ }
      const line = text.split('\n').find((l) => l.includes(requestId));
      if (line) return JSON.parse(line) as Record<string, unknown>;
    }
    throw new Error(`no access-log line for ${requestId} in:\n${readFileSync(join(stack.dir, 'access.log'), 'utf8').slice(-2000)}`);
  }

  it('an allowed request: decision id, route, OK and the subject', async () => {
    const r = await stack.request({ path: '/api/v1/orders/1', headers: { authorization: `Bearer ${cred.ALICE_TOKEN}`, 'x-request-id': 'access-log-allow' } });
    assert.equal(r.status, 200, r.body);
    const l = await logLine('access-log-allow');
    assert.equal(l.decision_id, r.headers['x-portcullis-decision-id']);
    assert.equal(l.portcullis_route, 'orders');
    assert.equal(l.portcullis_code, 'OK');
    assert.equal(l.subject, 'alice');
    assert.equal(l.auth_kind, 'jwt');
    assert.equal(l.status, 200);
  });

  it('a denied request: its reason code', async () => {
    const r = await stack.request({ path: '/api/v1/orders/1', headers: { 'x-request-id': 'access-log-deny' } });
    assert.equal(r.status, 401);
    const l = await logLine('access-log-deny');
    assert.equal(l.portcullis_code, 'ERR_UNAUTHENTICATED');
    assert.equal(l.decision_id, r.json().decision_id);
    assert.equal(l.status, 401);
  });
});
