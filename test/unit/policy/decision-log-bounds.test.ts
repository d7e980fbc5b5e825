import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DecisionLogger, type DecisionEvent } from '../../../src/policy/decision-log/decision-logger.js';
import type { DecisionSink } from '../../../src/policy/decision-log/sinks.js';
import { PolicyStage } from '../../../src/policy/policy-stage.js';
import { silent } from '../helpers.js';
import { metricValue } from './helpers.js';

/** A destination that accepts a batch and never finishes writing it (a hung decision-log service). */
class StalledSink implements DecisionSink {
  readonly name = 'stalled';
  batches = 0;
  write(): Promise<void> { this.batches++; return new Promise(() => undefined); }
}

/** One 64 KiB body shared by every event: the test itself must not allocate what it proves is not kept. */
const BODY = 'x'.repeat(64 * 1024);
const event = (i: number): DecisionEvent => ({
  decision_id: `d${i}`, path: 'a/allow', input: { attributes: { request: { http: { path: `/p${i}`, body: BODY } } } }, result: false,
  timestamp: new Date(0).toISOString(), metrics: {}, bundles: {},
});

describe('decision log buffer is bounded in bytes, not only in events', () => {
  it('100k events with 64 KiB bodies while the sink hangs: what is held stays under buffer_max_bytes', async () => {
    const sink = new StalledSink();
    const budget = 1024 * 1024;
    const log = new DecisionLogger('bounds', { sinks: [sink], masks: [], labels: {}, maxBatch: 10, maxDelayMs: 60_000, bufferMax: 10_000, bufferMaxBytes: budget }, silent);
    log.retain();
    const before = await metricValue('portcullis_policy_decision_log_dropped_total', { reason: 'buffer_bytes' });
    for (let i = 0; i < 100_000; i++) {
      log.log(event(i), 2 * BODY.length + 1024);
      if (i === 50_000) void log.flush();   // the buffered events go to the sink, which never answers
    }
    await new Promise((r) => setImmediate(r));
    assert.ok(log.heldBytes <= budget, `${log.heldBytes} bytes held`);
    assert.ok(log.buffered <= 8, `${log.buffered} events buffered`);
    assert.equal(sink.batches, 1, 'one batch is being written, its bytes still count: nothing else got in');
    const dropped = await metricValue('portcullis_policy_decision_log_dropped_total', { reason: 'buffer_bytes' }) - before;
    assert.ok(dropped >= 100_000 - 16, `${dropped} dropped`);
  });

  it('bytes are released once a batch is written, so logging resumes', async () => {
    const lines: string[] = [];
    const log = new DecisionLogger('bounds-2', { sinks: [{ name: 'mem', write: async (l) => { lines.push(...l); } }], masks: [], labels: {}, maxBatch: 4, maxDelayMs: 60_000, bufferMax: 10_000, bufferMaxBytes: 4 * 200_000 }, silent);
    for (let i = 0; i < 10; i++) log.log(event(i), 200_000);
    assert.equal(log.buffered, 4);
    await log.flush();
    assert.equal(log.heldBytes, 0);
    for (let i = 10; i < 14; i++) log.log(event(i), 200_000);
    await log.flush();
    assert.equal(lines.length, 8);
  });

  it('the policy stage passes an estimate that grows with the body and headers', () => {
    let got = -1;
    const stage = new PolicyStage({ route: 'r', target: { name: 'b', active: undefined } as any, entrypoint: 'a/allow', targets: new Map(), input: {} as any, shadow: false, logger: silent, decisionLog: { log: (_e: DecisionEvent, n: number) => { got = n; } } as any });
    const ctx = (body: number) => ({ decisionId: 'd', requestId: 'r', contextExtensions: {}, path: '/x', headers: { 'user-agent': 'u'.repeat(1000) }, body: Buffer.alloc(body), facts: {} }) as any;
    (stage as any).record(ctx(0), { name: 'b', active: undefined }, 'a/allow', {}, undefined, 0);
    const small = got;
    (stage as any).record(ctx(1_000_000), { name: 'b', active: undefined }, 'a/allow', {}, undefined, 0);
    assert.ok(small >= 1000 + 10, `${small}`);
    assert.ok(got >= small + 2_000_000, `${got}`);
  });
});
