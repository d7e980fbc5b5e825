import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { HealthService } from '../../../src/server/health.js';

/** A stand-in for a grpc-js server stream: what Watch touches (request, write, end, events). */
function fakeCall(service: string): EventEmitter & { request: { service: string }; written: unknown[]; write(m: unknown): boolean; end(): void } {
  const e = new EventEmitter() as any;
  e.request = { service };
  e.written = [];
  e.write = (m: unknown) => { e.written.push(m); return true; };
  e.end = () => e.emit('close');
  return e;
}

describe('HealthService Watch bookkeeping is bounded by open streams', () => {
  it('100k Watch calls on distinct caller-chosen service names, each cancelled, leave nothing behind', () => {
    const h = new HealthService(['envoy.service.auth.v3.Authorization']);
    const watch = h.implementation().Watch as (c: unknown) => void;
    for (let i = 0; i < 100_000; i++) {
      const c = fakeCall(`attacker.Service${i}`);
      watch(c);
      assert.deepEqual(c.written[0], { status: 'SERVICE_UNKNOWN' });
      c.emit(i % 3 === 0 ? 'cancelled' : i % 3 === 1 ? 'close' : 'error', new Error('gone'));
    }
    assert.equal(h.watchedNames, 0);
  });

  it('open streams are still told about changes; a name goes only when its last stream ends', () => {
    const svc = 'envoy.service.auth.v3.Authorization';
    const h = new HealthService([svc]);
    const watch = h.implementation().Watch as (c: unknown) => void;
    const a = fakeCall(svc), b = fakeCall(svc);
    watch(a); watch(b);
    assert.equal(h.watchedNames, 1);
    a.emit('cancelled');
    assert.equal(h.watchedNames, 1);
    h.set(svc, 'SERVING');
    assert.deepEqual(b.written.at(-1), { status: 'SERVING' });
    assert.equal(a.written.length, 1);
    b.emit('close');
    assert.equal(h.watchedNames, 0);
    // a stream opened after the name was dropped is tracked again
    const c = fakeCall(svc);
    watch(c);
    h.set(svc, 'NOT_SERVING');
    assert.deepEqual(c.written.at(-1), { status: 'NOT_SERVING' });
  });
});
