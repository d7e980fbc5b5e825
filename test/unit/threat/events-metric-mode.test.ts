import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ThreatModule } from '../../../src/threat/module.js';
import { registry } from '../../../src/telemetry/metrics.js';
import { decide, runtimeFrom } from '../helpers.js';

const UA = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', accept: '*/*', 'accept-language': 'en', 'accept-encoding': 'gzip' };

async function series(): Promise<Array<{ labels: Record<string, unknown>; value: number }>> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === 'portcullis_security_events_total');
  return (m?.values ?? []).map((v) => ({ labels: v.labels as Record<string, unknown>, value: Number(v.value) }));
}

/**
 * In detect mode nothing is blocked, yet the event's action is what enforce mode would have done ("block").
 * `portcullis_security_events_total{family,action}` had no mode: the dashboard's "what was done" panel showed
 * detect-mode requests that went through as blocks.
 */
describe('portcullis_security_events_total has a mode label', () => {
  it('a detect-mode would-be block counts under mode="detect", an enforced one under mode="enforce"', async () => {
    const rt = await runtimeFrom(`threat:\n  events: { log: false }\n  ban: { ttl_ms: 0 }\nroutes:\n  - name: watch\n    match: { path: { prefix: /watch } }\n    threat: { mode: detect }\n  - name: guard\n    match: { path: { prefix: /guard } }\n`);
    const watched = await decide(rt, { path: "/watch?q=1'%20OR%20'1'%3D'1", headers: UA, source: '198.51.100.61' });
    assert.ok(watched.ok_response, 'detect mode lets it through');
    const guarded = await decide(rt, { path: "/guard?q=1'%20OR%20'1'%3D'1", headers: UA, source: '198.51.100.62' });
    assert.equal(guarded.denied_response.status.code, 403);
    const s = await series();
    const of = (mode: string) => s.find((x) => x.labels.family === 'sqli' && x.labels.action === 'block' && x.labels.mode === mode)?.value ?? 0;
    assert.equal(of('detect'), 1, JSON.stringify(s));
    assert.equal(of('enforce'), 1, JSON.stringify(s));
    await (rt.modules.get('threat') as ThreatModule).close();
  });
});
