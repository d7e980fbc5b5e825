import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from './harness/stack.js';

/**
 * Sink timers are unref'd and flush_ms can be up to 1 s: an event queued just before SIGTERM must still be
 * delivered by the drain (svc.stop → module close → every sink's close() flushes), and a receiver that never
 * answers must not hold the exit past timeout_ms (the harness SIGKILLs after 5 s; exit code 0 means it drained).
 */
const UA = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', accept: '*/*', 'accept-language': 'en', 'accept-encoding': 'identity' };
const ATTACK = "/api/search?q=1'%20OR%20'1'%3D'1";

async function listen(s: Server): Promise<number> {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

describe('security events at shutdown (SIGTERM)', () => {
  let stack: Stack;
  const got: string[] = [];
  const held: Socket[] = [];
  let hookPort = 0;
  let stuckPort = 0;
  const hook = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => { for (const e of JSON.parse(Buffer.concat(chunks).toString()) as Array<{ decision_id: string }>) got.push(e.decision_id); res.writeHead(204); res.end(); });
  });
  // takes the request and never answers
  const stuck = createServer((req) => { held.push(req.socket); req.resume(); });

  before(async () => {
    hookPort = await listen(hook);
    stuckPort = await listen(stuck);
    stack = await startStack({
      replicas: 2,
      config: ({ dir }) => `
default_action: { action: allow }
threat:
  ban: { ttl_ms: 0 }
  events:
    log: false
    sinks:
      - { type: file, path: ${join(dir, 'events.jsonl')}, flush_ms: 1000 }
      - { type: webhook, url: "http://127.0.0.1:${hookPort}/hook", flush_ms: 1000, batch_size: 1000 }
      - { type: webhook, name: stuck, url: "http://127.0.0.1:${stuckPort}/hook", flush_ms: 1000, timeout_ms: 500, max_retries: 5 }
routes:
  - name: api
    match: { path: { prefix: / } }
`,
    });
  });
  after(async () => {
    await stack?.stop();
    for (const s of held) s.destroy();
    hook.closeAllConnections(); hook.close(); stuck.close();
  });

  it('events queued just before SIGTERM reach the file and webhook sinks; a receiver that never answers does not hold the exit', { timeout: 60_000 }, async () => {
    const ids: string[] = [];
    // both replicas see traffic (Envoy balances): stop them all
    for (let i = 0; i < 6; i++) {
      const r = await stack.request({ path: ATTACK, headers: UA });
      assert.equal(r.status, 403, r.body);
      ids.push(r.json().decision_id);
    }
    const codes = await Promise.all(stack.portcullis.map((p) => p.stop('SIGTERM')));
    assert.deepEqual(codes, stack.portcullis.map(() => 0), 'a replica did not drain (killed, or exited non-zero)');
    const file = readFileSync(join(stack.dir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).decision_id as string);
    assert.deepEqual([...file].sort(), [...ids].sort(), 'file sink');
    assert.deepEqual([...got].sort(), [...ids].sort(), 'webhook sink');
  });
});

describe('security events at shutdown: the sinks get drain_timeout_ms', () => {
  let stack: Stack;
  const held: Socket[] = [];
  // takes the request and never answers
  const stuck = createServer((req) => { held.push(req.socket); req.resume(); });

  before(async () => {
    const stuckPort = await listen(stuck);
    stack = await startStack({
      replicas: 1,
      config: ({ dir }) => `
server: { drain_timeout_ms: 1000 }
default_action: { action: allow }
threat:
  ban: { ttl_ms: 0 }
  events:
    log: false
    sinks:
      - { type: webhook, name: stuck, url: "http://127.0.0.1:${stuckPort}/hook", flush_ms: 1000, timeout_ms: 60000 }
      - { type: file, path: ${join(dir, 'events.jsonl')}, flush_ms: 1000 }
routes:
  - name: api
    match: { path: { prefix: / } }
`,
    });
  });
  after(async () => {
    await stack?.stop();
    for (const s of held) s.destroy();
    stuck.close();
  });

  it('a receiver that never answers (timeout_ms 60000) holds the exit for drain_timeout_ms, not timeout_ms; the file sink still gets every event', { timeout: 60_000 }, async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await stack.request({ path: ATTACK, headers: UA });
      assert.equal(r.status, 403, r.body);
      ids.push(r.json().decision_id);
    }
    // before: the sink waited out the 60 s request and the harness SIGKILLed the process after 5 s
    assert.equal(await stack.portcullis[0]!.stop('SIGTERM'), 0, 'the replica did not drain (killed, or exited non-zero)');
    const file = readFileSync(join(stack.dir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).decision_id as string);
    assert.deepEqual([...file].sort(), [...ids].sort(), 'file sink');
  });
});
