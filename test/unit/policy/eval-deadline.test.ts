import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ModuleInstance } from '../../../src/modules/module.js';
import { Deny } from '../../../src/pipeline/deny.js';
import { loadBundleArchive, type LoadedBundle } from '../../../src/policy/bundle/load.js';
import { policyModule } from '../../../src/policy/module.js';
import { PolicyEvalError, PolicyTimeoutError, WasmEngine } from '../../../src/policy/wasm/engine.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { silent } from '../helpers.js';
import { ctxFor, metricValue, opaBuild } from './helpers.js';

// A realistic "no duplicates" rule: quadratic in the array's length. 20 000 distinct items are
// 4·10⁸ comparisons: minutes of Wasm without a deadline (the test would hang, not pass).
const DUP = `package t
import rego.v1
default dup := false
dup if {
  some i, j
  input.items[i] == input.items[j]
  i != j
}
`;
const items = (n: number, dupAt?: number) => Array.from({ length: n }, (_, i) => (i === dupAt ? 0 : i));

describe('the evaluation deadline (eval_timeout_ms)', () => {
  let lb: LoadedBundle;
  let engine: WasmEngine;
  before(async () => {
    lb = await loadBundleArchive(opaBuild({ files: { 'p.rego': DUP }, entrypoints: ['t/dup'] }));
    engine = await WasmEngine.create(lb.compiled, {});
  });

  it('stops a quadratic evaluation of a large input with the timeout error; the next evaluation on the engine is correct', { timeout: 120_000 }, () => {
    for (let round = 0; round < 3; round++) {
      assert.throws(() => engine.evaluate('t/dup', { items: items(20_000) }, undefined, 20), (err: unknown) => {
        assert.ok(err instanceof PolicyTimeoutError, String(err));
        assert.match((err as Error).message, /eval_timeout_ms \(20 ms\)/);
        assert.doesNotMatch((err as Error).message, /19999/, 'no input value in the message');
        return true;
      });
      assert.equal(engine.evaluate('t/dup', { items: items(50, 7) }, undefined, 20), true);
      assert.equal(engine.evaluate('t/dup', { items: items(50) }, undefined, 20), false);
    }
  });

  it('a deadline that is not reached changes no result', () => {
    for (const [n, at] of [[0, undefined], [1, undefined], [200, undefined], [200, 0], [200, 199], [1000, 500]] as const) {
      const input = { items: items(n, at) };
      assert.equal(engine.evaluate('t/dup', input, undefined, 60_000), engine.evaluate('t/dup', input), `n=${n} dup at ${at}`);
    }
  });

  it('a timeout is a PolicyEvalError (callers deny like any evaluation error)', () => {
    assert.ok(new PolicyTimeoutError('x') instanceof PolicyEvalError);
  });
});

describe('the policy stage with a bundle\'s eval_timeout_ms', () => {
  let dir: string;
  let inst: ModuleInstance;
  const store = new MemoryStore();
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-deadline-'));
    writeFileSync(join(dir, 'dup.tar.gz'), opaBuild({ files: { 'p.rego': DUP.replace('input.items', 'input.parsed_body.items').replace('input.items', 'input.parsed_body.items') }, entrypoints: ['t/dup'] }));
    inst = await policyModule.create({
      bundles: { dupb: { file: join(dir, 'dup.tar.gz'), eval_timeout_ms: 20 } },
      decision_logs: { file: join(dir, 'decisions.jsonl'), reporting: { max_delay_ms: 50 } },
    }, { store, logger: silent, configPath: join(dir, 'c.yaml'), configDir: dir });
    await inst.start?.();
  });
  after(async () => { await inst?.close?.(); await store.close(); rmSync(dir, { recursive: true, force: true }); });

  const big = () => ctxFor({ method: 'POST', path: '/x', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items: items(20_000) }) });

  it('denies fail-closed with ERR_POLICY 403 and counts the timeout', { timeout: 120_000 }, async () => {
    const s = inst.stages({ bundle: 'dupb', entrypoint: 't/dup' }, { name: 'r', index: 0 })[0]!;
    const before = await metricValue('portcullis_policy_eval_timeouts_total', { bundle: 'dupb' });
    const d = s.run(big()) as Deny;
    assert.ok(d instanceof Deny);
    assert.equal(d.code, 'ERR_POLICY');
    assert.equal(d.status, 403);
    assert.equal(await metricValue('portcullis_policy_eval_timeouts_total', { bundle: 'dupb' }), before + 1);
    // the policy's own answer on a small body is still given (its result is a boolean: false → deny)
    const small = ctxFor({ method: 'POST', path: '/x', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items: [1, 2, 1] }) });
    assert.equal(s.run(small), undefined);
  });

  it('the decision log event of a stopped evaluation carries the time it ran, not 0', { timeout: 120_000 }, async () => {
    const s = inst.stages({ bundle: 'dupb', entrypoint: 't/dup' }, { name: 'r', index: 0 })[0]!;
    const ctx = big();
    assert.ok(s.run(ctx) instanceof Deny);
    let line: string | undefined;
    for (let i = 0; i < 100 && !line; i++) {
      await new Promise((r) => setTimeout(r, 20));
      // complete lines only: the last piece may be a line still being written
      try { line = readFileSync(join(dir, 'decisions.jsonl'), 'utf8').split('\n').slice(0, -1).find((l) => l.includes(ctx.decisionId)); } catch { /* not yet */ }
    }
    assert.ok(line, 'event written');
    const e = JSON.parse(line);
    assert.equal(e.error.code, 'ERR_POLICY');
    // it ran until the 20 ms deadline stopped it
    assert.ok(e.metrics.timer_rego_query_eval_ns >= 20e6, `timer_rego_query_eval_ns ${e.metrics.timer_rego_query_eval_ns}`);
  });

  it('in shadow mode the evaluation is stopped too, but the request is not denied', { timeout: 120_000 }, async () => {
    const s = inst.stages({ bundle: 'dupb', entrypoint: 't/dup', shadow: true }, { name: 'r', index: 0 })[0]!;
    const before = await metricValue('portcullis_policy_eval_timeouts_total', { bundle: 'dupb' });
    const ctx = big();
    assert.equal(await s.run(ctx), undefined);
    assert.equal(ctx.shadowDenies[0]?.code, 'ERR_POLICY');
    assert.equal(await metricValue('portcullis_policy_eval_timeouts_total', { bundle: 'dupb' }), before + 1);
  });
});
