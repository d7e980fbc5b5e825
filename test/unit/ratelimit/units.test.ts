import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixedWindow, periodMs, protoUnit, unitFromProto } from '../../../src/ratelimit/units.js';

describe('units and windows', () => {
  it('second..day windows align to the Unix epoch like envoyproxy/ratelimit (now / divider * divider)', () => {
    const now = Date.UTC(2024, 4, 17, 13, 37, 42, 500);
    const s = Math.floor(now / 1000);
    assert.deepEqual(fixedWindow({ unit: 'second', multiplier: 1 }, now), { start: s * 1000, end: (s + 1) * 1000 });
    assert.equal(fixedWindow({ unit: 'minute', multiplier: 1 }, now).start, Math.floor(s / 60) * 60 * 1000);
    assert.equal(fixedWindow({ unit: 'hour', multiplier: 1 }, now).start, Date.UTC(2024, 4, 17, 13));
    assert.equal(fixedWindow({ unit: 'day', multiplier: 1 }, now).start, Date.UTC(2024, 4, 17));
  });

  it('unit_multiplier makes longer windows: 5 minutes', () => {
    const w = fixedWindow({ unit: 'minute', multiplier: 5 }, Date.UTC(2024, 0, 1, 10, 7, 30));
    assert.deepEqual(w, { start: Date.UTC(2024, 0, 1, 10, 5), end: Date.UTC(2024, 0, 1, 10, 10) });
    assert.equal(periodMs({ unit: 'minute', multiplier: 5 }), 300_000);
  });

  it('weeks start on Monday 00:00 UTC', () => {
    // 2024-01-17 is a Wednesday; its week starts Monday 2024-01-15
    const w = fixedWindow({ unit: 'week', multiplier: 1 }, Date.UTC(2024, 0, 17, 9));
    assert.deepEqual(w, { start: Date.UTC(2024, 0, 15), end: Date.UTC(2024, 0, 22) });
    assert.equal(new Date(w.start).getUTCDay(), 1);
  });

  it('months and years follow the UTC calendar (February is short, leap years are long)', () => {
    assert.deepEqual(fixedWindow({ unit: 'month', multiplier: 1 }, Date.UTC(2024, 1, 29, 23, 59)), { start: Date.UTC(2024, 1, 1), end: Date.UTC(2024, 2, 1) });
    assert.deepEqual(fixedWindow({ unit: 'month', multiplier: 1 }, Date.UTC(2023, 11, 31, 23)), { start: Date.UTC(2023, 11, 1), end: Date.UTC(2024, 0, 1) });
    assert.deepEqual(fixedWindow({ unit: 'month', multiplier: 3 }, Date.UTC(2024, 4, 10)), { start: Date.UTC(2024, 3, 1), end: Date.UTC(2024, 6, 1) });
    assert.deepEqual(fixedWindow({ unit: 'year', multiplier: 1 }, Date.UTC(2024, 6, 1)), { start: Date.UTC(2024, 0, 1), end: Date.UTC(2025, 0, 1) });
  });

  it('maps units to the RLS proto enum and back (no WEEK in v3 RateLimitResponse.RateLimit.Unit)', () => {
    assert.equal(protoUnit('minute'), 'MINUTE');
    assert.equal(protoUnit('year'), 'YEAR');
    assert.equal(protoUnit('week'), 'UNKNOWN');
    assert.equal(unitFromProto('HOUR'), 'hour');
    assert.equal(unitFromProto('UNKNOWN'), undefined);
    assert.equal(unitFromProto(3), undefined);
  });
});
