// A window of unit_multiplier × unit must be one the limiter can compute. `unit: year, unit_multiplier:
// 300000` used to pass validation and give a window end of NaN: in-memory counters then restarted at every
// hit (admitting without limit) and the Redis script failed on PEXPIRE NaN (every request answered by the
// failure mode). Such periods are config errors now.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/config/errors.js';
import { compileLimit } from '../../../src/ratelimit/check/limits.js';
import { readDomainFile } from '../../../src/ratelimit/envoy-config/reader.js';
import { FIXED } from '../../../src/ratelimit/store/types.js';
import { MemoryCounterStore } from '../../../src/ratelimit/store/memory.js';
import { planFixed } from '../../../src/ratelimit/algorithms/fixed-window.js';
import { MAX_PERIOD_MS, fixedWindow, periodMs, type Unit } from '../../../src/ratelimit/units.js';
import { hit, rule } from './helpers.js';

const opts = { strict: false, failureMode: 'closed' as const };
const yaml = (unit: string, mult: number) => `domain: d\ndescriptors:\n  - key: k\n    rate_limit: { unit: ${unit}, requests_per_unit: 2, unit_multiplier: ${mult} }\n`;

describe('periods the limiter cannot compute are config errors', () => {
  it('envoyproxy/ratelimit files: unit: year, unit_multiplier: 300000 is refused, naming the key', () => {
    const r = readDomainFile('d.yaml', yaml('year', 300000), opts);
    assert.equal(r.config, undefined);
    assert.match(r.problems.map((p) => `${p.path}: ${p.message}`).join('\n'), /rate_limit\.unit_multiplier: .*too long/);
  });

  it('Check limits: the same period is a ConfigError', () => {
    assert.throws(
      () => compileLimit('x', { by: 'ip', requests_per_unit: 2, unit: 'year', unit_multiplier: 300000 }, '/routes/0/ratelimit/limits/0', { failureMode: 'closed', ipv6PrefixLength: 64 }),
      (e: unknown) => e instanceof ConfigError && e.path === '/routes/0/ratelimit/limits/0/unit_multiplier' && /too long/.test(e.message),
    );
  });

  it('every period still accepted has a finite window and enforces its limit in memory', () => {
    const now = Date.UTC(2026, 10, 28, 12);
    for (const unit of ['second', 'minute', 'hour', 'day', 'week', 'month', 'year'] as Unit[]) {
      // the longest multiplier the readers accept for this unit
      let mult = 1;
      for (const m of [1_000_000, 100_000, 10_000, 1000, 100, 10, 1]) if (periodMs({ unit, multiplier: m }) <= MAX_PERIOD_MS) { mult = m; break; }
      assert.equal(readDomainFile('d.yaml', yaml(unit, mult), opts).problems.length, 0, `${unit} × ${mult} accepted`);
      const w = fixedWindow({ unit, multiplier: mult }, now);
      assert.ok(Number.isFinite(w.end) && w.end > now, `${unit} × ${mult}: finite window end`);
      const r = rule({ requestsPerUnit: 2, period: { unit, multiplier: mult } });
      const store = new MemoryCounterStore(10, 60_000, () => now);
      const admitted = [1, 2, 3, 4].map(() => store.decide([planFixed(hit(r), 't', now)], 'independent', now)[0]!.ok).filter(Boolean).length;
      store.close();
      assert.equal(admitted, 2, `${unit} × ${mult}: 2 admitted`);
      assert.equal(planFixed(hit(r), 't', now).kind, FIXED);
    }
  });
});
