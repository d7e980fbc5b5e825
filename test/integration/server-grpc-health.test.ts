import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { AUTH_SERVICE, RLS_SERVICE } from '../../src/server/grpc.js';
import { clientCtor } from '../../src/server/protos.js';
import { startPortcullis, type PortcullisProc } from './harness/portcullis.js';
import { waitFor } from './harness/proc.js';
import { startRedis, type RedisNode } from './harness/redis.js';

const config = (redisUrl: string, follow?: boolean) => `
server:
  drain_timeout_ms: 500${follow === undefined ? '' : `\n  grpc: { health_follows_readiness: ${follow} }`}
store: { kind: redis, url: "${redisUrl}", connect_timeout_ms: 200 }
routes:
  - { name: all, match: { path: { prefix: / } } }
`;

const SERVICES = ['', AUTH_SERVICE, RLS_SERVICE];

function healthClient(address: string): any {
  const Health = clientCtor('grpc.health.v1.Health') as any;
  return new Health(address, grpc.credentials.createInsecure());
}

function check(c: any, service: string): Promise<string> {
  return new Promise((resolve, reject) => {
    c.Check({ service }, { deadline: Date.now() + 2000 }, (err: Error | null, r: any) => (err ? reject(err) : resolve(r.status)));
  });
}

/** A Watch stream: every status it was sent, in order. */
function watch(c: any, service: string): { seen: string[]; cancel(): void } {
  const seen: string[] = [];
  const call = c.Watch({ service });
  call.on('data', (m: { status: string }) => seen.push(m.status));
  call.on('error', () => undefined);
  return { seen, cancel: () => call.cancel() };
}

async function readyz(p: PortcullisProc): Promise<number> {
  const r = await fetch(`${p.adminUrl}/readyz`, { signal: AbortSignal.timeout(2000) });
  await r.arrayBuffer();
  return r.status;
}

async function statuses(c: any): Promise<string[]> {
  return Promise.all(SERVICES.map((s) => check(c, s)));
}

/**
 * With server.grpc.health_follows_readiness: true, grpc.health.v1 reports what /readyz reports (Kubernetes gRPC
 * readiness probes and Envoy's gRPC active health checks read it): with the store unreachable, NOT_SERVING for
 * '' and both named services, pushed to Watch streams as it happens, and SERVING again once Redis is back.
 * By default it stays SERVING until SIGTERM (envoyproxy/ratelimit's default), so one shared Redis outage does
 * not pull every replica and override the routes' failure modes.
 */
describe('gRPC health follows readiness through a real Redis outage', { timeout: 120_000 }, () => {
  let dir: string;
  let redis: RedisNode;
  let follows: PortcullisProc;
  let optOut: PortcullisProc;
  let c: any;
  let o: any;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-grpc-health-'));
    redis = await startRedis(dir);
    follows = await startPortcullis({ dir, name: 'follows', config: config(redis.url, true) });
    optOut = await startPortcullis({ dir, name: 'default', config: config(redis.url) });
    c = healthClient(follows.grpcAddress);
    o = healthClient(optOut.grpcAddress);
  });
  after(async () => {
    c?.close();
    o?.close();
    await follows?.stop('SIGKILL');
    await optOut?.stop('SIGKILL');
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('Check and Watch: NOT_SERVING while Redis is down, SERVING when it is back; /readyz agrees', async () => {
    assert.deepEqual(await statuses(c), ['SERVING', 'SERVING', 'SERVING']);
    const watches = SERVICES.map((s) => watch(c, s));
    await waitFor('watch streams opened', async () => watches.every((w) => w.seen.length >= 1), 5000, 20);
    assert.deepEqual(watches.map((w) => w.seen), [['SERVING'], ['SERVING'], ['SERVING']]);

    await redis.stop();
    await waitFor('health NOT_SERVING', async () => (await check(c, '')) === 'NOT_SERVING', 10_000, 50);
    assert.deepEqual(await statuses(c), ['NOT_SERVING', 'NOT_SERVING', 'NOT_SERVING']);
    assert.equal(await readyz(follows), 503);
    await waitFor('watch streams told', async () => watches.every((w) => w.seen.includes('NOT_SERVING')), 5000, 20);

    await redis.start();
    await waitFor('health SERVING again', async () => (await check(c, '')) === 'SERVING', 20_000, 100);
    assert.deepEqual(await statuses(c), ['SERVING', 'SERVING', 'SERVING']);
    assert.equal(await readyz(follows), 200);
    await waitFor('watch streams told', async () => watches.every((w) => w.seen.at(-1) === 'SERVING'), 5000, 20);
    for (const w of watches) {
      // each change once, in order (a stream is told of changes, not of every re-evaluation)
      assert.deepEqual(w.seen, ['SERVING', 'NOT_SERVING', 'SERVING']);
      w.cancel();
    }
  });

  it('by default (no health_follows_readiness) grpc health stays SERVING through the outage (its /readyz still says 503)', async () => {
    await redis.stop();
    try {
      await waitFor('opt-out /readyz 503', async () => (await readyz(optOut)) === 503, 10_000, 50);
      assert.deepEqual(await statuses(o), ['SERVING', 'SERVING', 'SERVING']);
    } finally { await redis.start(); }
  });

  it('SIGTERM: NOT_SERVING before the listener closes, whatever the store says', async () => {
    const w = watch(c, AUTH_SERVICE);
    await waitFor('watch opened', async () => w.seen.length >= 1, 5000, 20);
    await waitFor('SERVING', async () => (await check(c, '')) === 'SERVING', 20_000, 100);
    const stopped = follows.stop('SIGTERM');
    await waitFor('watch told NOT_SERVING', async () => w.seen.at(-1) === 'NOT_SERVING', 5000, 20);
    await stopped;
  });
});
