import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SecurityEvent } from '../../../src/threat/events/event.js';
import { QueuedSink } from '../../../src/threat/events/sink.js';

/** A sink whose deliveries are counted and released by the test. */
class CountingSink extends QueuedSink {
  delivered = 0;
  pending: Array<() => void> = [];
  constructor(flushMs: number, private readonly hold = false) { super('queue-t', 'k', 100, flushMs, 10); }
  protected deliver(batch: SecurityEvent[]): Promise<boolean> {
    if (!this.hold) { this.delivered += batch.length; return Promise.resolve(true); }
    return new Promise((resolve) => this.pending.push(() => { this.delivered += batch.length; resolve(true); }));
  }
}

const ev = (i: number) => ({ decision_id: `d-${i}` }) as unknown as SecurityEvent;
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('QueuedSink flush', () => {
  it('a flush of an empty queue does not stop later deliveries', async () => {
    const s = new CountingSink(5);
    await s.flush();
    s.offer(ev(1));
    await s.flush();
    assert.equal(s.delivered, 1, 'the event offered after an empty flush was never delivered');
    await s.close();
  });

  it('a flush timer that fires after the drain already took its event leaves the sink working', async () => {
    // the timer of event 2 (offered while event 1 was being delivered) fires once the drain has taken event 2
    const s = new CountingSink(30, true);
    s.offer(ev(1));
    for (let i = 0; i < 100 && s.pending.length === 0; i++) await tick(5);
    s.offer(ev(2));           // queued during the delivery: arms a flush timer
    s.pending.shift()!();     // event 1 delivered; the same drain takes event 2
    for (let i = 0; i < 100 && s.pending.length === 0; i++) await tick(5);
    s.pending.shift()!();     // event 2 delivered, queue empty; its timer is still armed
    await tick(80);           // the timer fires on an empty queue
    s.offer(ev(3));
    for (let i = 0; i < 100 && s.pending.length === 0; i++) await tick(5);
    assert.equal(s.pending.length, 1, 'event 3 was never handed to deliver()');
    s.pending.shift()!();
    await s.flush();
    assert.equal(s.delivered, 3);
    await s.close();
  });
});
