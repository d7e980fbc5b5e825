import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { loadDomainDir } from '../../../src/ratelimit/envoy-config/loader.js';
import type { ConfigState } from '../../../src/ratelimit/envoy-config/watcher.js';
import { rlMetrics } from '../../../src/ratelimit/metrics.js';
import { RlsHandler, RlsRequestError, type RlsSettings } from '../../../src/ratelimit/rls/handler.js';
import { testLimiter, type TestLimiter } from './helpers.js';

const VALID = join(import.meta.dirname, '../../fixtures/ratelimit/valid');

let t: TestLimiter;
let state: ConfigState;

function handler(s: Partial<RlsSettings> = {}): RlsHandler {
  return new RlsHandler(state, t.limiter, { headers: 'none', globalShadowMode: false, failureMode: 'closed', ...s });
}

function req(domain: string, descriptors: Array<Array<[string, string]>>, hitsAddend?: number): any {
  return { domain, descriptors: descriptors.map((d) => ({ entries: d.map(([key, value]) => ({ key, value })) })), hits_addend: hitsAddend };
}

async function call(h: RlsHandler, r: any): Promise<any> {
  return await h.handle(r);
}

beforeEach(() => {
  const r = loadDomainDir(VALID, { strict: false, failureMode: 'closed' });
  assert.deepEqual(r.problems, []);
  state = { current: r.set!, lastAttempt: 0 };
  t = testLimiter();
  t.clock.t = Date.UTC(2024, 0, 1, 10, 0, 0, 250);
});
afterEach(() => t.close());

describe('ShouldRateLimit: the answers envoyproxy/ratelimit gives', () => {
  it('loads every *.yaml / *.yml file of the directory, skipping hidden and other files', () => {
    assert.deepEqual([...state.current.domains.keys()].sort(), [
      'anchors', 'edge_proxy_per_ip', 'example4', 'example6', 'example7', 'example8', 'example9', 'extensions', 'internal', 'messaging', 'mongo_cps',
    ]);
  });

  it('OK with the limit, limit_remaining and duration_until_reset; OVER_LIMIT past the limit', async () => {
    const h = handler();
    const first = await call(h, req('mongo_cps', [[['database', 'users']]]));
    assert.deepEqual(first, {
      overall_code: 'OK',
      statuses: [{ code: 'OK', current_limit: { requests_per_unit: 500, unit: 'SECOND' }, limit_remaining: 499, duration_until_reset: { seconds: 1, nanos: 0 } }],
    });
    for (let i = 0; i < 499; i++) await call(h, req('mongo_cps', [[['database', 'users']]]));
    const over = await call(h, req('mongo_cps', [[['database', 'users']]]));
    assert.equal(over.overall_code, 'OVER_LIMIT');
    assert.deepEqual(over.statuses[0], { code: 'OVER_LIMIT', current_limit: { requests_per_unit: 500, unit: 'SECOND' }, limit_remaining: 0, duration_until_reset: { seconds: 1, nanos: 0 } });
    // another value has its own counter
    assert.equal((await call(h, req('mongo_cps', [[['database', 'default']]]))).statuses[0].limit_remaining, 499);
  });

  it('hits_addend counts several hits at once (0 or absent counts 1)', async () => {
    const h = handler();
    assert.equal((await call(h, req('internal', [[['azure', 'x']]], 40))).statuses[0].limit_remaining, 60);
    assert.equal((await call(h, req('internal', [[['azure', 'x']]], 0))).statuses[0].limit_remaining, 59);
    const over = await call(h, req('internal', [[['azure', 'x']]], 60));
    assert.equal(over.overall_code, 'OVER_LIMIT');
  });

  it('nested descriptors: a key without value matches every value, each value counted apart; the overall code is the OR', async () => {
    const h = handler();
    const r = req('messaging', [[['message_type', 'marketing'], ['to_number', '2061111111']], [['to_number', '2061111111']]]);
    const a = await call(h, r);
    assert.deepEqual(a.statuses.map((s: any) => [s.code, s.current_limit.requests_per_unit, s.current_limit.unit, s.limit_remaining]), [['OK', 5, 'DAY', 4], ['OK', 100, 'DAY', 99]]);
    assert.equal(a.statuses[0].duration_until_reset.seconds, 14 * 3600); // 10:00:00.250 → midnight, whole seconds
    for (let i = 0; i < 4; i++) await call(h, r);
    const b = await call(h, r);
    assert.equal(b.overall_code, 'OVER_LIMIT');
    assert.deepEqual(b.statuses.map((s: any) => s.code), ['OVER_LIMIT', 'OK']);
    const other = await call(h, req('messaging', [[['message_type', 'marketing'], ['to_number', '2062222222']]]));
    assert.equal(other.statuses[0].limit_remaining, 4);
  });

  it('key+value beats key alone; requests_per_unit 0 refuses a value', async () => {
    const h = handler();
    const blocked = await call(h, req('edge_proxy_per_ip', [[['remote_address', '50.0.0.5']]]));
    assert.equal(blocked.overall_code, 'OVER_LIMIT');
    assert.equal(blocked.statuses[0].current_limit.requests_per_unit, 0);
    const other = await call(h, req('edge_proxy_per_ip', [[['remote_address', '50.0.0.1']]]));
    assert.equal(other.statuses[0].current_limit.requests_per_unit, 10);
  });

  it('the request depth must equal the config depth', async () => {
    const h = handler();
    const deeper = await call(h, req('example4', [[['key', 'value'], ['subkey', 'subvalue'], ['extra', 'x']]]));
    assert.deepEqual(deeper.statuses, [{ code: 'OK' }]);
    const shallow = await call(h, req('example4', [[['key', 'value']]]));
    assert.deepEqual(shallow.statuses, [{ code: 'OK' }]);
    const exact = await call(h, req('example4', [[['key', 'value'], ['subkey', 'subvalue']]]));
    assert.equal(exact.statuses[0].current_limit.requests_per_unit, 300);
  });

  it('unlimited: OK with limit_remaining 2^32-1 and no store call', async () => {
    const h = handler();
    const r = await call(h, req('internal', [[['ldap', 'x']]]));
    assert.deepEqual(r, { overall_code: 'OK', statuses: [{ code: 'OK', limit_remaining: 4294967295 }] });
    assert.equal(t.local.size, 0);
  });

  it('shadow_mode: counted and reported with remaining 0, but the code stays OK', async () => {
    const h = handler();
    const r = req('example6', [[['service', 'auth'], ['user', 'user-a']]]);
    for (let i = 0; i < 10; i++) await call(h, r);
    const over = await call(h, r);
    assert.equal(over.overall_code, 'OK');
    assert.deepEqual(over.statuses[0], { code: 'OK', current_limit: { requests_per_unit: 10, unit: 'SECOND' }, limit_remaining: 0, duration_until_reset: { seconds: 1, nanos: 0 } });
    const b = req('example6', [[['service', 'auth'], ['user', 'user-b']]]);
    for (let i = 0; i < 20; i++) await call(h, b);
    assert.equal((await call(h, b)).overall_code, 'OVER_LIMIT');
  });

  it('replaces: the replacing limit applies and the replaced one is neither applied nor counted', async () => {
    const h = handler();
    const both = req('example7', [[['key_1', 'value_1'], ['user', 'bkthomps']], [['key_2', 'value_2'], ['user', 'bkthomps']]]);
    const r = await call(h, both);
    assert.deepEqual(r.statuses[0], { code: 'OK' });
    assert.equal(r.statuses[1].current_limit.requests_per_unit, 10);
    for (let i = 0; i < 9; i++) await call(h, both);
    assert.equal((await call(h, both)).overall_code, 'OVER_LIMIT');
    // the 5/s limit was not touched by the 11 calls above
    const alone = await call(h, req('example7', [[['key_1', 'value_1'], ['user', 'bkthomps']]]));
    assert.equal(alone.statuses[0].limit_remaining, 4);
  });

  it('trailing * wildcard matches by prefix', async () => {
    const h = handler();
    assert.equal((await call(h, req('example9', [[['key1', 'value_a']]]))).statuses[0].current_limit.requests_per_unit, 20);
    assert.equal((await call(h, req('example9', [[['key1', 'valu']]]))).statuses[0].current_limit, undefined);
  });

  it('YAML anchors, aliases and merge keys read as yaml.v2 reads them', async () => {
    const h = handler();
    const r = await call(h, req('anchors', [[['tier', 'gold']], [['tier', 'platinum']], [['tier', 'silver']]]));
    assert.deepEqual(r.statuses.map((s: any) => [s.current_limit.requests_per_unit, s.current_limit.unit]), [[1000, 'MINUTE'], [1000, 'MINUTE'], [100, 'MINUTE']]);
  });

  it('unknown domain: OK for every descriptor, no limits, counted', async () => {
    const h = handler();
    const r = await call(h, req('nope', [[['a', 'b']], [['c', 'd']]]));
    assert.deepEqual(r, { overall_code: 'OK', statuses: [{ code: 'OK' }, { code: 'OK' }] });
  });

  it('an empty domain or no descriptors is an error (as in envoyproxy/ratelimit)', () => {
    const h = handler();
    assert.throws(() => h.handle({ domain: '', descriptors: [{ entries: [] }] }), RlsRequestError);
    assert.throws(() => h.handle({ domain: 'mongo_cps', descriptors: [] }), /descriptor list must not be empty/);
    assert.throws(() => h.handle(null), RlsRequestError);
    const many = { domain: 'mongo_cps', descriptors: Array.from({ length: 257 }, () => ({ entries: [{ key: 'database', value: 'users' }] })) };
    assert.throws(() => h.handle(many), /too many descriptors/);
  });

  it('an override no uint32 can hold (2^32, 2^53, 1e308) is ignored: the configured limit applies and current_limit stays a uint32', async () => {
    const h = handler();
    for (const rpu of [2 ** 32, 2 ** 53, 1e308]) {
      const r = await call(h, { domain: 'mongo_cps', descriptors: [{ entries: [{ key: 'database', value: 'users' }], limit: { requests_per_unit: rpu, unit: 'SECOND' } }] });
      assert.deepEqual(r.statuses[0].current_limit, { requests_per_unit: 500, unit: 'SECOND' }, String(rpu));
      assert.ok(r.statuses[0].limit_remaining < 500);
    }
  });

  it('a descriptor `limit` override from Envoy replaces the configured limit', async () => {
    const h = handler();
    const r = { domain: 'mongo_cps', descriptors: [{ entries: [{ key: 'database', value: 'users' }], limit: { requests_per_unit: 2, unit: 'MINUTE' } }] };
    await call(h, r);
    await call(h, r);
    const over = await call(h, r);
    assert.equal(over.overall_code, 'OVER_LIMIT');
    assert.deepEqual(over.statuses[0].current_limit, { requests_per_unit: 2, unit: 'MINUTE' });
  });

  it('global shadow mode answers OK overall but keeps the statuses', async () => {
    const h = handler({ globalShadowMode: true });
    const r = await call(h, req('edge_proxy_per_ip', [[['remote_address', '50.0.0.5']]]));
    assert.equal(r.overall_code, 'OK');
    assert.equal(r.statuses[0].code, 'OVER_LIMIT');
  });

  it('global shadow mode counts only the over-limit hits it lets through in the shadow-mode metric', async () => {
    const h = handler({ globalShadowMode: true });
    const shadowed = async () => (await rlMetrics.shadowMode.get()).values
      .filter((v) => v.labels.descriptor === '(global shadow_mode)').reduce((n, v) => n + v.value, 0);
    const before = await shadowed();
    // one descriptor over its limit (requests_per_unit 0), one well within its limit
    const r = await call(h, req('edge_proxy_per_ip', [[['remote_address', '50.0.0.5']], [['remote_address', '10.9.9.9']]], 3));
    assert.deepEqual(r.statuses.map((s: any) => s.code), ['OVER_LIMIT', 'OK']);
    assert.equal(await shadowed(), before + 3, 'the 3 over-limit hits, not the 3 within the limit');
  });
});

describe('ShouldRateLimit: extensions and headers', () => {
  it('5-minute sliding window, calendar month, GCRA: current_limit names the real window', async () => {
    const h = handler();
    const r = await call(h, req('extensions', [[['remote_address', '1.2.3.4']], [['plan', 'free']], [['user', 'u']]]));
    assert.deepEqual(r.statuses[0].current_limit, { requests_per_unit: 100, unit: 'MINUTE', name: '100 per 5 minutes' });
    assert.deepEqual(r.statuses[1].current_limit, { requests_per_unit: 10000, unit: 'MONTH', name: '10000 per month' });
    assert.deepEqual(r.statuses[2].current_limit, { requests_per_unit: 7, unit: 'UNKNOWN', name: '7 per week' });
  });

  it('ietf headers describe the descriptor closest to its limit; over limit adds Retry-After', async () => {
    const h = handler({ headers: 'ietf' });
    const d = [[['message_type', 'marketing'], ['to_number', '1']], [['to_number', '1']]] as Array<Array<[string, string]>>;
    const r = await call(h, req('messaging', d));
    assert.deepEqual(r.response_headers_to_add, [
      { key: 'ratelimit-policy', value: '"message_type_marketing.to_number";q=5;w=86400' },
      { key: 'ratelimit', value: '"message_type_marketing.to_number";r=4;t=50400' },
    ]);
    for (let i = 0; i < 5; i++) await call(h, req('messaging', d));
    const over = await call(h, req('messaging', d));
    assert.deepEqual(over.response_headers_to_add.map((x: any) => x.key), ['ratelimit-policy', 'ratelimit', 'retry-after']);
    assert.equal(over.response_headers_to_add[2].value, '50400');
  });

  // Two descriptors over their limits: a retry succeeds only once both admit, so Retry-After (and the headers
  // describing the refusal) come from the one that resets last — not from the first one listed.
  it('several descriptors over limit: Retry-After and the rate-limit headers describe the one that resets last', async () => {
    t.clock.t = Date.UTC(2024, 0, 1, 10, 0, 0, 0);
    const r = {
      domain: 'mongo_cps', descriptors: [
        { entries: [{ key: 'database', value: 'users' }], limit: { requests_per_unit: 1, unit: 'SECOND' } },
        { entries: [{ key: 'database', value: 'default' }], limit: { requests_per_unit: 1, unit: 'HOUR' } },
      ],
    };
    for (const format of ['x-ratelimit', 'ietf-draft-03'] as const) {
      t.clock.advance(3_600_000);
      const h = handler({ headers: format });
      assert.equal((await call(h, r)).overall_code, 'OK');
      const over = await call(h, r);
      assert.equal(over.overall_code, 'OVER_LIMIT');
      assert.deepEqual(over.statuses.map((s: any) => s.code), ['OVER_LIMIT', 'OVER_LIMIT']);
      const got = Object.fromEntries(over.response_headers_to_add.map((x: any) => [x.key, x.value]));
      assert.equal(got['retry-after'], '3600', format);
      const prefix = format === 'x-ratelimit' ? 'x-ratelimit' : 'ratelimit';
      assert.equal(got[`${prefix}-reset`], '3600', format);
      assert.equal(got[`${prefix}-remaining`], '0', format);
    }
  });

  it('x-ratelimit and ietf-draft-03 (envoyproxy/ratelimit LIMIT_RESPONSE_HEADERS_ENABLED) formats', async () => {
    const x = await call(handler({ headers: 'x-ratelimit' }), req('internal', [[['azure', 'a']]]));
    assert.deepEqual(x.response_headers_to_add, [
      { key: 'x-ratelimit-limit', value: '100, 100;w=60' }, { key: 'x-ratelimit-remaining', value: '99' }, { key: 'x-ratelimit-reset', value: '60' },
    ]);
    const d3 = await call(handler({ headers: 'ietf-draft-03' }), req('internal', [[['azure', 'b']]]));
    assert.deepEqual(d3.response_headers_to_add.map((x: any) => x.key), ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset']);
  });

  it('x-ratelimit: our headers are the ones Envoy\'s ratelimit filter (enable_x_ratelimit_headers) builds from our statuses', async () => {
    const h = handler({ headers: 'x-ratelimit' });
    // two limits apply; the second has fewer requests left, so it is the one described
    const r = req('messaging', [[['to_number', '2063333333']], [['message_type', 'marketing'], ['to_number', '2063333333']]]);
    for (let i = 0; i < 6; i++) {
      const a = await call(h, r);
      const ours = Object.fromEntries(a.response_headers_to_add.map((x: any) => [x.key, x.value]));
      if (a.overall_code === 'OK') assert.deepEqual(ours, envoyXRateLimit(a.statuses), `call ${i + 1}`);
      else assert.deepEqual({ ...ours, 'retry-after': undefined }, { ...envoyXRateLimit(a.statuses), 'retry-after': undefined }, `call ${i + 1}`);
      if (i === 0) assert.equal(ours['x-ratelimit-limit'], '5, 100;w=86400, 5;w=86400');
    }
  });
});

/**
 * What Envoy's ratelimit filter adds with enable_x_ratelimit_headers: DRAFT_VERSION_03
 * (source/extensions/filters/http/ratelimit/ratelimit_headers.cc): the first status with the fewest
 * requests left is described; X-RateLimit-Limit lists `, <limit>;w=<unit seconds>[;name="…"]` for every status
 * with a current_limit of a known unit.
 */
function envoyXRateLimit(statuses: any[]): Record<string, string> {
  const W: Record<string, number> = { SECOND: 1, MINUTE: 60, HOUR: 3600, DAY: 86400, MONTH: 30 * 86400, YEAR: 365 * 86400 };
  let min: any;
  let policy = '';
  for (const s of statuses) {
    if (!s.current_limit) continue;
    if (min === undefined || s.limit_remaining < min.limit_remaining) min = s;
    const w = W[s.current_limit.unit] ?? 0;
    if (w) policy += `, ${s.current_limit.requests_per_unit};w=${w}${s.current_limit.name ? `;name="${s.current_limit.name}"` : ''}`;
  }
  if (min === undefined) return {};
  return {
    'x-ratelimit-limit': `${min.current_limit.requests_per_unit}${policy}`,
    'x-ratelimit-remaining': String(min.limit_remaining),
    'x-ratelimit-reset': String(min.duration_until_reset.seconds),
  };
}
