import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { RuntimeHolder } from '../../../src/config/reloader.js';
import type { Runtime } from '../../../src/pipeline/runtime.js';
import { HealthService } from '../../../src/server/health.js';
import { HealthSync } from '../../../src/server/health-sync.js';
import type { Readiness } from '../../../src/server/probe-endpoints.js';

const SVC = 'envoy.service.auth.v3.Authorization';

/** A stand-in for the Redis client: status and the events ioredis emits after a status change. */
class FakeClient extends EventEmitter {
  status = 'ready';
  to(status: string): void { this.status = status; this.emit(status); }
}

function fakeStore(client: FakeClient) {
  return { kind: 'redis', redis: client, ready: () => client.status === 'ready' } as unknown as RuntimeHolder['store'];
}

/** A holder with a live config and store, whose swap listeners the test calls (a reload). */
function fakeHolder(client: FakeClient, grpc: Record<string, unknown> = { health_follows_readiness: true }) {
  const swaps = new Set<(rt: Runtime) => void>();
  type Store = RuntimeHolder['store'];
  const h: { current: Runtime; store: Store; swaps: typeof swaps; onSwap(fn: (rt: Runtime) => void): () => void; reload(rt: Runtime, store?: Store): void } = {
    current: { config: { server: { grpc } } } as unknown as Runtime,
    store: fakeStore(client),
    onSwap(fn: (rt: Runtime) => void) { swaps.add(fn); return () => { swaps.delete(fn); }; },
    reload(rt: Runtime, store?: Store) { h.current = rt; h.store = store ?? h.store; for (const fn of swaps) fn(rt); },
    swaps,
  };
  return h;
}

function fakeWatch(service: string) {
  const e = new EventEmitter() as any;
  e.request = { service };
  e.written = [] as unknown[];
  e.write = (m: unknown) => { e.written.push(m); return true; };
  e.end = () => e.emit('close');
  return e;
}

function checkOf(h: HealthService, service: string): Promise<string> {
  return new Promise((resolve, reject) => {
    (h.implementation().Check as any)({ request: { service } }, (err: unknown, r: { status: string }) => (err ? reject(err) : resolve(r.status)));
  });
}

const silent = pino({ level: 'silent' });
const NEVER = 2_000_000_000;

describe('HealthSync: grpc.health.v1 follows readiness, pushed on store state changes', () => {
  it('a store that drops and comes back flips Check and Watch at once (no timer involved), each change sent once', async () => {
    const client = new FakeClient();
    const holder = fakeHolder(client);
    const readiness = (): Readiness => ({ ready: holder.store.ready(), draining: false, checks: { config: true, store: holder.store.ready() } });
    const health = new HealthService([SVC]);
    const sync = new HealthSync(holder as unknown as RuntimeHolder, readiness, health, silent, NEVER);
    sync.start();
    try {
      assert.equal(await checkOf(health, ''), 'SERVING');
      const w = fakeWatch(SVC);
      (health.implementation().Watch as any)(w);
      client.to('close');
      client.to('reconnecting');
      client.to('connecting');
      assert.equal(await checkOf(health, ''), 'NOT_SERVING');
      assert.equal(await checkOf(health, SVC), 'NOT_SERVING');
      client.to('connect');
      client.to('ready');
      assert.equal(await checkOf(health, SVC), 'SERVING');
      assert.deepEqual(w.written, [{ status: 'SERVING' }, { status: 'NOT_SERVING' }, { status: 'SERVING' }]);
    } finally { sync.stop(); }
  });

  it('a reload to a new store follows the new one, not the old one', async () => {
    const a = new FakeClient();
    const b = new FakeClient();
    const holder = fakeHolder(a);
    const readiness = (): Readiness => ({ ready: holder.store.ready(), draining: false, checks: {} });
    const health = new HealthService([SVC]);
    const sync = new HealthSync(holder as unknown as RuntimeHolder, readiness, health, silent, NEVER);
    sync.start();
    try {
      holder.reload(holder.current, fakeStore(b));
      assert.equal(a.listenerCount('close'), 0, 'the replaced store is no longer listened to');
      a.to('end');
      assert.equal(await checkOf(health, ''), 'SERVING', 'the old store closing is not the live one');
      b.to('close');
      assert.equal(await checkOf(health, ''), 'NOT_SERVING');
    } finally { sync.stop(); }
  });

  for (const grpc of [{ health_follows_readiness: false }, {}]) it(`health_follows_readiness ${JSON.stringify(grpc)} stays SERVING while not ready; a reload turning it on applies at once`, async () => {
    const client = new FakeClient();
    const holder = fakeHolder(client, grpc);
    const readiness = (): Readiness => ({ ready: holder.store.ready(), draining: false, checks: {} });
    const health = new HealthService([SVC]);
    const sync = new HealthSync(holder as unknown as RuntimeHolder, readiness, health, silent, NEVER);
    sync.start();
    try {
      client.to('close');
      assert.equal(await checkOf(health, ''), 'SERVING');
      holder.reload({ config: { server: { grpc: { health_follows_readiness: true } } } } as unknown as Runtime);
      assert.equal(await checkOf(health, ''), 'NOT_SERVING');
    } finally { sync.stop(); }
  });

  it('module readiness (no events) is re-read on the timer', async () => {
    const client = new FakeClient();
    const holder = fakeHolder(client);
    let loaded = false;
    const health = new HealthService([SVC]);
    const sync = new HealthSync(holder as unknown as RuntimeHolder, () => ({ ready: loaded, draining: false, checks: { jwks: loaded } }), health, silent, 10);
    sync.start();
    try {
      assert.equal(await checkOf(health, ''), 'NOT_SERVING');
      loaded = true;
      for (let i = 0; i < 200 && await checkOf(health, '') !== 'SERVING'; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(await checkOf(health, ''), 'SERVING');
    } finally { sync.stop(); }
  });

  it('a readiness check that throws is NOT_SERVING, not an exception out of the store client\'s event', async () => {
    const client = new FakeClient();
    const holder = fakeHolder(client);
    let broken = false;
    const health = new HealthService([SVC]);
    const sync = new HealthSync(holder as unknown as RuntimeHolder, () => {
      if (broken) throw new Error('module ready() failed');
      return { ready: true, draining: false, checks: {} };
    }, health, silent, NEVER);
    sync.start();
    try {
      broken = true;
      assert.doesNotThrow(() => client.to('close'));
      assert.equal(await checkOf(health, ''), 'NOT_SERVING');
    } finally { sync.stop(); }
  });

  it('stop() detaches from the store and the holder', () => {
    const client = new FakeClient();
    const holder = fakeHolder(client);
    const sync = new HealthSync(holder as unknown as RuntimeHolder, () => ({ ready: true, draining: false, checks: {} }), new HealthService([SVC]), silent, NEVER);
    sync.start();
    sync.stop();
    assert.equal(client.listenerCount('ready'), 0);
    assert.equal(holder.swaps.size, 0);
  });
});

describe('HealthService.set', () => {
  it('sends a Watch stream a status only when it changed', () => {
    const h = new HealthService([SVC]);
    const w = fakeWatch(SVC);
    (h.implementation().Watch as any)(w);
    h.set(SVC, 'NOT_SERVING');
    h.set(SVC, 'SERVING');
    h.set(SVC, 'SERVING');
    assert.deepEqual(w.written, [{ status: 'NOT_SERVING' }, { status: 'SERVING' }]);
  });
});
