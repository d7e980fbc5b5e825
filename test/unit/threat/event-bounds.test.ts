import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeEvent, type SecurityEvent } from '../../../src/threat/events/event.js';
import { QueuedSink } from '../../../src/threat/events/sink.js';
import { emptyContext } from '../../../src/pipeline/context-builder.js';

/** A sink whose destination never answers: everything offered stays queued. */
class HungSink extends QueuedSink {
  constructor(maxQueue: number) { super('hung', 'hung', maxQueue, 60_000, 1_000_000); }
  protected deliver(): Promise<boolean> { return new Promise(() => undefined); }
}

const bytes = (e: SecurityEvent) => JSON.stringify(e).length;

describe('security events queued for a sink are bounded in size', () => {
  it('100k events located in 16 KiB attacker-chosen header / query names: the queue holds max_queue small events', () => {
    const sink = new HungSink(1000);
    const ctx = emptyContext();
    ctx.route = 'r';
    let largest = 0;
    for (let i = 0; i < 100_000; i++) {
      const where = `header.${String(i).padStart(16 * 1024, 'x')}`;
      const e = makeEvent(ctx, { family: 'sqli', where, score: 1, action: 'block', mode: 'enforce', code: 'ERR_THREAT', findings: [{ family: 'sqli', where, confidence: 1, detail: 'd'.repeat(10_000) }] });
      largest = Math.max(largest, bytes(e));
      sink.offer(e);
    }
    assert.ok(largest < 2048, `an event serializes to ${largest} bytes`);
    assert.equal((sink as unknown as { queue: unknown[] }).queue.length, 1000);
  });
});
