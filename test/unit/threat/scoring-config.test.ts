import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigLoadError } from '../../../src/config/errors.js';
import type { Finding } from '../../../src/pipeline/context.js';
import { AnomalyTracker, distinctEstimate, MAX_DISTINCT_PATHS } from '../../../src/threat/anomaly.js';
import type { ThreatModule } from '../../../src/threat/module.js';
import { actionFor } from '../../../src/threat/scoring.js';
import { decide, denyBody, runtimeFrom } from '../helpers.js';

const ROUTE = 'routes:\n  - name: api\n    match: { path: { prefix: / } }\n';

/** The config is refused, and the error names `path`. */
async function refused(yaml: string, path: RegExp): Promise<void> {
  await assert.rejects(runtimeFrom(yaml), (e: unknown) => {
    assert.ok(e instanceof ConfigLoadError, String(e));
    assert.match(String((e as Error).message), path);
    return true;
  });
}

describe('scoring thresholds and weights are validated, not silently misread', () => {
  it('a score of 0 takes no action whatever the thresholds', () => {
    assert.equal(actionFor(0, { block: 0, throttle: 0 }), 'none');
  });

  it('a threshold of 0 (acting on every request) is refused, globally and per route', async () => {
    await refused(`default_action: { action: allow }\nthreat: { scoring: { throttle: 0 } }\n${ROUTE}`, /threat\/scoring\/throttle/);
    await refused(`default_action: { action: allow }\nthreat: { scoring: { block: 0 } }\n${ROUTE}`, /threat\/scoring\/block/);
    await refused(`default_action: { action: allow }\n${ROUTE}    threat: { block: 0 }\n`, /routes\/0\/threat\/block/);
  });

  it('a weight for a family that does not exist is refused (a typo used to be ignored)', async () => {
    await refused(`default_action: { action: allow }\nthreat: { scoring: { weights: { bots: 0 } } }\n${ROUTE}`, /threat\/scoring\/weights/);
  });

  it('a route enabling bot detection that is off globally is refused', async () => {
    await refused(`default_action: { action: allow }\nthreat: { bot: { enabled: false } }\n${ROUTE}    threat: { bot: { automation: 0.9 } }\n`, /routes\/0\/threat\/bot/);
  });

  it('a good-bot CIDR that does not parse is refused, naming its index', async () => {
    await refused(`default_action: { action: allow }\nthreat: { bot: { good_bots: [{ token: googlebot, cidrs: [66.249.64.0/19, "66.249.x.0/24"] }] } }\n${ROUTE}`, /good_bots\/0\/cidrs\/1/);
  });

  it('min_confidence applies to bot findings too', async () => {
    const curl = { 'user-agent': 'curl/8.5.0', accept: '*/*' };
    for (const [min, expected] of [[0.3, true], [0.5, false]] as const) {
      const r = await runtimeFrom(`default_action: { action: allow }\nthreat: { scoring: { min_confidence: ${min}, throttle: 0.1 }, events: { log: false } }\n${ROUTE}`);
      await r.modules.get('threat')!.start?.();
      const resp = await decide(r, { path: '/x', headers: curl, source: '198.51.100.96' });
      assert.ok(resp.ok_response, JSON.stringify(resp.denied_response && denyBody(resp)));
      const score = resp.dynamic_metadata?.fields?.threat_score?.numberValue ?? 0;
      assert.equal(score > 0, expected, `min_confidence ${min}: curl (0.3) ${expected ? 'counts' : 'is dropped'}`);
      await (r.modules.get('threat') as ThreatModule).close();
    }
  });
});

describe('path enumeration counts distinct paths in fixed memory', () => {
  const opts = (distinctPaths: number) => ({ windowMs: 60_000, maxClients: 10, spikeFactor: 1000, spikeMinRequests: 1e9, distinctPaths, probePaths: 1e9, authFailures: 1e9, authWindowMs: 1 });

  it('fires at thresholds above the old 256-path cap (1000 distinct paths, threshold 300)', () => {
    const a = new AnomalyTracker(opts(300));
    let first = -1;
    for (let i = 0; i < 1000; i++) {
      const out: Finding[] = [];
      a.observe('c', `/api/items/${i}`, 10, out);
      if (first < 0 && out.some((f) => f.detail?.startsWith('path enumeration'))) first = i + 1;
    }
    assert.ok(first >= 270 && first <= 330, `fired after ${first} distinct paths`);
  });

  it('repeating a few paths never reads as enumeration', () => {
    const a = new AnomalyTracker(opts(50));
    const out: Finding[] = [];
    for (let i = 0; i < 5000; i++) a.observe('c', `/api/items/${i % 20}`, 10, out);
    assert.equal(out.length, 0);
  });

  it('the estimate is close over the range the schema allows', () => {
    assert.equal(distinctEstimate(0), 0);
    assert.equal(distinctEstimate(100), 103);
    assert.ok(Number.isFinite(distinctEstimate(2047)) && distinctEstimate(2047) > MAX_DISTINCT_PATHS);
  });
});
