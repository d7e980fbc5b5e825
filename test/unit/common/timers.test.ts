import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { MAX_TIMER_MS, timerMs } from '../../../src/common/timers.js';
import { ThreatFeed } from '../../../src/threat/ip/feeds.js';

const silent = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Node runs a timer whose delay is over 2^31-1 ms (about 24.8 days) after 1 ms (TimeoutOverflowWarning). A
 * refresh period a user writes in days — a feed refreshed monthly, a JWKS cached for 30 days — would then
 * fetch in a loop, as fast as the event loop turns.
 */
describe('timer delays from config are clamped to what Node can wait', () => {
  it('timerMs: at most 2^31-1, never negative or NaN', () => {
    assert.equal(MAX_TIMER_MS, 2 ** 31 - 1);
    assert.equal(timerMs(30 * 86_400_000), MAX_TIMER_MS);
    assert.equal(timerMs(1500), 1500);
    assert.equal(timerMs(-5), 0);
    assert.equal(timerMs(Number.NaN), 0);
  });

  it('a threat feed refreshed every 30 days loads once, not in a loop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'feed-'));
    const file = join(dir, 'drop.txt');
    writeFileSync(file, '192.0.2.0/24\n');
    const feed = new ThreatFeed({ name: 'monthly', source: file, format: 'plain', refreshMs: 30 * 86_400_000, timeoutMs: 1000, maxBytes: 1 << 20 }, silent);
    let loads = 0;
    const refresh = feed.refresh.bind(feed);
    feed.refresh = () => { loads++; return refresh(); };
    const warn = process.emitWarning;
    const warnings: string[] = [];
    process.emitWarning = ((w: string | Error) => { warnings.push(String(w)); }) as typeof process.emitWarning;
    try {
      feed.start();
      await sleep(100);
    } finally {
      feed.stop();
      process.emitWarning = warn;
    }
    assert.equal(loads, 1, `loaded ${loads} times in 100 ms`);
    assert.deepEqual(warnings.filter((w) => /TimeoutOverflow|does not fit/.test(w)), []);
  });
});
