/**
 * envoyproxy/ratelimit's test expectations, run through Portcullis.
 *
 * Fixtures: test/fixtures/ratelimit/compat/ (written for Portcullis; each file is modelled on one upstream
 * case and names it in its first comment; nothing is copied). Expectations are translated from upstream's
 * Go tests:
 *   test/config/config_test.go (commit 008b66a): TestBasicConfig, TestDomainMerge, TestConfigLimitOverride,
 *     TestEmptyDomain, TestDuplicateDomain, TestEmptyKey, TestDuplicateKey, TestDuplicateKeyDomainMerge,
 *     TestBadLimitUnit, TestReplacesSelf, TestReplacesEmpty, TestBadYaml, TestMisspelledKey,
 *     TestNonStringKey, TestNonMapList, TestUnlimitedWithRateLimitUnit, TestWildcardConfig
 *   test/service/ratelimit_test.go: TestService, TestEmptyDomain, TestEmptyDescriptors
 * and from upstream's README (its example config and curl walkthrough) and src/config/config_impl.go /
 * src/utils/utilities.go where a test pins nothing (marked "code:").
 * GetLimit(domain, descriptor) is Portcullis's matchDescriptor(); a limit's stats key
 * ("storefront.tenant_acme.plan") is the domain plus Portcullis's descriptor path.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { matchDescriptor, type DomainConfig } from '../../../src/ratelimit/envoy-config/domain.js';
import { loadDomainDir, type DomainSet } from '../../../src/ratelimit/envoy-config/loader.js';
import { formatRlsProblem, type RlsProblem } from '../../../src/ratelimit/envoy-config/problems.js';
import { readDomainFile, type ReaderOptions } from '../../../src/ratelimit/envoy-config/reader.js';
import type { ConfigState } from '../../../src/ratelimit/envoy-config/watcher.js';
import { RlsHandler, RlsRequestError } from '../../../src/ratelimit/rls/handler.js';
import { protoUnit } from '../../../src/ratelimit/units.js';
import { testLimiter, type TestLimiter } from './helpers.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/ratelimit');
const COMPAT = join(FIXTURES, 'compat');
const LAX: ReaderOptions = { strict: false, failureMode: 'closed' };
const STRICT: ReaderOptions = { strict: true, failureMode: 'closed' };

function read(rel: string, opts: ReaderOptions = LAX): { config?: DomainConfig; problems: RlsProblem[] } {
  return readDomainFile(rel, readFileSync(join(FIXTURES, rel), 'utf8'), opts);
}

function load(rel: string, opts: ReaderOptions = LAX): DomainConfig {
  const r = read(rel, opts);
  assert.deepEqual(r.problems.map(formatRlsProblem), [], `${rel} loads`);
  return r.config!;
}

/** The 1-based line of the nth line of a fixture that contains `needle` (so problems' lines are checked). */
function lineOf(rel: string, needle: string, nth = 1): number {
  const lines = readFileSync(join(FIXTURES, rel), 'utf8').split('\n');
  let seen = 0;
  for (let i = 0; i < lines.length; i++) if (lines[i]!.includes(needle) && ++seen === nth) return i + 1;
  throw new Error(`${rel}: occurrence ${nth} of "${needle}" not found`);
}

/** expectConfigPanic: the file is refused and one problem carries upstream's message. */
function refused(problems: RlsProblem[], message: string | RegExp): RlsProblem {
  assert.ok(problems.length > 0, 'expected the config to be refused');
  const p = problems.find((q) => (typeof message === 'string' ? q.message.includes(message) : message.test(q.message)));
  assert.ok(p, `expected "${message}"; got:\n${problems.map(formatRlsProblem).join('\n')}`);
  return p;
}

type Pairs = Array<[string, string]>;
const entries = (pairs: Pairs) => pairs.map(([key, value]) => ({ key, value }));

/** GetLimit: undefined (nil) or { requests_per_unit, unit, stats key }. */
function getLimit(set: Map<string, DomainConfig>, domain: string, pairs: Pairs) {
  const d = set.get(domain);
  if (d === undefined) return undefined;
  const node = matchDescriptor(d, entries(pairs));
  if (node === undefined) return undefined;
  if (node.unlimited) return { unlimited: true, key: `${domain}.${node.path}` };
  return { rpu: node.rule!.requestsPerUnit, unit: protoUnit(node.rule!.period.unit), key: `${domain}.${node.path}`, shadow: node.rule!.shadowMode };
}

const one = (c: DomainConfig) => new Map([[c.domain, c]]);

function tmpDirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'rl-compat-'));
  for (const [name, from] of Object.entries(files)) copyFileSync(join(COMPAT, from), join(dir, name));
  return dir;
}

describe('upstream test/config/config_test.go against Portcullis', () => {
  it('TestBasicConfig (config/most-specific.yaml): most specific match, default values, request depth, exempt values', () => {
    const set = one(load('compat/config/most-specific.yaml'));
    assert.equal(getLimit(set, 'no-such-domain', []), undefined);
    assert.equal(getLimit(set, 'storefront', []), undefined);
    // a value with no entry of its own and no default for the key
    assert.equal(getLimit(set, 'storefront', [['tenant', 'globex']]), undefined);
    // an entry without rate_limit (only children) gives no limit by itself
    assert.equal(getLimit(set, 'storefront', [['tenant', 'acme']]), undefined);
    // deeper than the entry that carries the limit
    assert.equal(getLimit(set, 'storefront', [['client', 'mobile'], ['os', 'ios']]), undefined);
    // a child value that has no entry
    assert.equal(getLimit(set, 'storefront', [['region', 'eu'], ['zone', 'eu-north']]), undefined);
    assert.deepEqual(getLimit(set, 'storefront', [['tenant', 'acme'], ['plan', 'silver']]),
      { rpu: 7, unit: 'SECOND', key: 'storefront.tenant_acme.plan', shadow: false });
    assert.deepEqual(getLimit(set, 'storefront', [['tenant', 'acme'], ['plan', 'gold']]),
      { rpu: 70, unit: 'SECOND', key: 'storefront.tenant_acme.plan_gold', shadow: false });
    assert.deepEqual(getLimit(set, 'storefront', [['region', 'eu'], ['zone', 'eu-west']]),
      { rpu: 9, unit: 'MINUTE', key: 'storefront.region_eu.zone_eu-west', shadow: false });
    assert.deepEqual(getLimit(set, 'storefront', [['client', 'desktop']]), { rpu: 25, unit: 'MINUTE', key: 'storefront.client', shadow: false });
    assert.deepEqual(getLimit(set, 'storefront', [['client', 'mobile']]), { rpu: 40, unit: 'MINUTE', key: 'storefront.client_mobile', shadow: false });
    // client=internal has no rate_limit: effectively whitelisted, even though client alone has a default
    assert.equal(getLimit(set, 'storefront', [['client', 'internal']]), undefined);
    assert.deepEqual(getLimit(set, 'storefront', [['report', 'weekly']]), { rpu: 2, unit: 'HOUR', key: 'storefront.report', shadow: false });
    assert.deepEqual(getLimit(set, 'storefront', [['export', 'csv']]), { rpu: 3, unit: 'DAY', key: 'storefront.export', shadow: false });
  });

  it('TestWildcardConfig (config/wildcards.yaml): trailing * matches like a default value; no eager or mid-value match', () => {
    const set = one(load('compat/config/wildcards.yaml'));
    const bucketA = getLimit(set, 'media', [['bucket', 'avatars']]);
    assert.deepEqual(bucketA, { rpu: 12, unit: 'MINUTE', key: 'media.bucket', shadow: false });
    assert.deepEqual(getLimit(set, 'media', [['bucket', 'banners']]), bucketA);
    const img1 = getLimit(set, 'media', [['object', 'img-1']]);
    assert.deepEqual(img1, { rpu: 15, unit: 'MINUTE', key: 'media.object_img-*', shadow: false });
    assert.deepEqual(getLimit(set, 'media', [['object', 'img-2']]), img1);
    assert.equal(getLimit(set, 'media', [['object', 'video-1']]), undefined);
    // no star: no prefix match
    assert.equal(getLimit(set, 'media', [['codec', 'h264']]), undefined);
    // a star inside a value is not a wildcard (only literally "/v*/thumbs" matches)
    assert.equal(getLimit(set, 'media', [['path', '/v2/thumbs']]), undefined);
    assert.equal(getLimit(set, 'media', [['path', '/v*/thumbs']])?.rpu, 6);
  });

  it('TestEmptyDomain / TestEmptyKey / TestBadLimitUnit / TestBadYaml: same refusals', () => {
    refused(read('errors/empty-domain.yaml').problems, 'config file cannot have empty domain');
    refused(read('errors/empty-key.yaml').problems, 'descriptor has empty key');
    refused(read('errors/invalid-unit.yaml').problems, 'invalid rate limit unit "minutes"');
    refused(read('errors/yaml-syntax.yaml').problems, 'error loading config file:');
  });

  it('TestDuplicateKey (config/duplicate-composite-key.yaml)', () => {
    const rel = 'compat/config/duplicate-composite-key.yaml';
    const p = refused(read(rel).problems, 'duplicate descriptor composite key "billing.account_trial"');
    assert.equal(p.line, lineOf(rel, 'value: trial', 2)); // the repeated value
  });

  it('TestDuplicateDomain: two files with one domain are refused (MERGE_DOMAIN_CONFIG off)', () => {
    const dir = tmpDirWith({ 'checkout.yaml': 'config/merge-part-a.yaml', 'duplicate_domain.yaml': 'config/merge-part-b.yaml' });
    try {
      const r = loadDomainDir(dir, LAX, 'DIR');
      assert.equal(r.set, undefined);
      const p = refused(r.problems, 'duplicate domain "checkout" in config file');
      assert.equal(p.file, 'DIR/duplicate_domain.yaml');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('TestDomainMerge (config/merge-part-a.yaml + merge-part-b.yaml, MERGE_DOMAIN_CONFIG=true)', () => {
    const dir = tmpDirWith({ 'merge-part-a.yaml': 'config/merge-part-a.yaml', 'merge-part-b.yaml': 'config/merge-part-b.yaml' });
    try {
      const r = loadDomainDir(dir, { ...LAX, mergeDomains: true }, 'DIR');
      assert.deepEqual(r.problems.map(formatRlsProblem), []);
      const set = r.set!.domains;
      assert.deepEqual([...set.keys()], ['checkout']);
      assert.equal(getLimit(set, 'no-such-domain', []), undefined);
      assert.equal(getLimit(set, 'checkout', []), undefined);
      assert.equal(getLimit(set, 'checkout', [['cart', 'guest']])?.rpu, 11);
      assert.equal(getLimit(set, 'checkout', [['coupon', 'redeem']])?.rpu, 4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('TestDuplicateKeyDomainMerge: merging a file with itself repeats a composite key', () => {
    const dir = tmpDirWith({ 'a.yaml': 'config/merge-part-a.yaml', 'b.yaml': 'config/merge-part-a.yaml' });
    try {
      const r = loadDomainDir(dir, { ...LAX, mergeDomains: true }, 'DIR');
      assert.equal(r.set, undefined);
      const p = refused(r.problems, 'duplicate descriptor composite key "checkout.cart_guest"');
      assert.equal(p.file, 'DIR/b.yaml');
      assert.equal(p.line, lineOf('compat/config/merge-part-a.yaml', 'value: guest')); // the repeated value
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('TestReplacesSelf (config/replaces-own-name.yaml) / TestReplacesEmpty (config/replaces-blank-entry.yaml)', () => {
    const self = 'compat/config/replaces-own-name.yaml';
    const a = refused(read(self).problems, 'replaces should not contain name of same descriptor');
    assert.equal(a.path, 'descriptors[1].rate_limit.replaces[1].name');
    assert.equal(a.line, lineOf(self, '- name: query-autocomplete'));
    const b = refused(read('compat/config/replaces-blank-entry.yaml').problems, 'should not have an empty replaces entry');
    assert.equal(b.path, 'descriptors[0].rate_limit.replaces[0]');
  });

  it('TestMisspelledKey (config/misspelled-rate-limit.yaml, misspelled-requests-per-unit.yaml): unknown keys are refused', () => {
    const relA = 'compat/config/misspelled-rate-limit.yaml';
    const a = refused(read(relA).problems, 'unknown key "ratelimit"');
    assert.equal(a.line, lineOf(relA, 'ratelimit:'));
    const relB = 'compat/config/misspelled-requests-per-unit.yaml';
    const b = refused(read(relB).problems, 'unknown key "requestsperunit"');
    assert.equal(b.line, lineOf(relB, 'requestsperunit:'));
  });

  it('TestNonStringKey (config/numeric-key.yaml): the key 1.5 is refused (reported as an unknown key)', () => {
    const rel = 'compat/config/numeric-key.yaml';
    const p = refused(read(rel).problems, 'unknown key "1.5"');
    assert.equal(p.line, lineOf(rel, '1.5: true'));
  });

  it('TestNonMapList (config/scalar-list-items.yaml): list items that are not mappings are refused', () => {
    const rel = 'compat/config/scalar-list-items.yaml';
    const r = read(rel);
    assert.equal(r.config, undefined);
    const p = refused(r.problems, 'must be a descriptor mapping');
    assert.equal(p.path, 'descriptors[0]');
    assert.equal(p.line, lineOf(rel, '- key=warehouse'));
  });

  it('TestUnlimitedWithRateLimitUnit (config/unlimited-and-unit.yaml)', () => {
    const p = refused(read('compat/config/unlimited-and-unit.yaml').problems, 'should not specify rate limit unit when unlimited');
    assert.equal(p.path, 'descriptors[1].rate_limit.unit');
  });

  it('code: unlimited with requests_per_unit but no unit loads (config_impl.go checks only the unit)', () => {
    const r = readDomainFile('inline.yaml', 'domain: d\ndescriptors:\n  - key: foo\n    rate_limit: { unlimited: true, requests_per_unit: 25 }\n', LAX);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(getLimit(one(r.config!), 'd', [['foo', 'x']]), { unlimited: true, key: 'd.foo' });
  });

  it('code: a YAML null (~, null, Null, NULL unquoted) is an empty string, as yaml.v2 decodes it into a string field', () => {
    const inline = (field: string) => `domain: d\ndescriptors:\n  - key: region\n    ${field}\n    rate_limit: { unit: second, requests_per_unit: 4 }\n`;
    for (const nul of ['~', 'null', 'Null', 'NULL']) {
      // value: ~ is a descriptor without a value: every value of the key is limited (not only the text "~")
      const r = readDomainFile('inline.yaml', inline(`value: ${nul}`), LAX);
      assert.deepEqual(r.problems.map(formatRlsProblem), [], `value: ${nul}`);
      assert.deepEqual(getLimit(one(r.config!), 'd', [['region', 'eu-west']]), { rpu: 4, unit: 'SECOND', key: 'd.region', shadow: false }, `value: ${nul}`);
      // empty key / domain / replaces name: upstream's errors
      refused(readDomainFile('inline.yaml', `domain: d\ndescriptors:\n  - key: ${nul}\n    rate_limit: { unit: second, requests_per_unit: 4 }\n`, LAX).problems, 'descriptor has empty key');
      refused(readDomainFile('inline.yaml', `domain: ${nul}\ndescriptors:\n  - key: k\n    rate_limit: { unit: second, requests_per_unit: 4 }\n`, LAX).problems, 'config file cannot have empty domain');
      refused(readDomainFile('inline.yaml', `domain: d\ndescriptors:\n  - key: k\n    rate_limit: { unit: second, requests_per_unit: 4, replaces: [ { name: ${nul} } ] }\n`, LAX).problems, 'should not have an empty replaces entry');
    }
    // quoted, it is the text
    const quoted = readDomainFile('inline.yaml', inline('value: "null"'), LAX);
    assert.equal(getLimit(one(quoted.config!), 'd', [['region', 'eu-west']]), undefined);
    assert.equal(getLimit(one(quoted.config!), 'd', [['region', 'null']])?.rpu, 4);
  });

  it('code: units are the proto enum names, case-insensitive; MONTH and YEAR are standard (also under strict_envoy_format)', () => {
    for (const [unit, proto] of [['SECOND', 'SECOND'], ['Minute', 'MINUTE'], ['month', 'MONTH'], ['year', 'YEAR']] as const) {
      const text = `domain: d\ndescriptors:\n  - key: k\n    rate_limit: { unit: ${unit}, requests_per_unit: 3 }\n`;
      const r = readDomainFile('inline.yaml', text, STRICT);
      assert.deepEqual(r.problems.map(formatRlsProblem), [], `unit: ${unit}`);
      assert.equal(getLimit(one(r.config!), 'd', [['k', 'v']])?.unit, proto);
    }
    refused(readDomainFile('inline.yaml', 'domain: d\ndescriptors:\n  - key: k\n    rate_limit: { unit: unknown, requests_per_unit: 3 }\n', LAX).problems, 'invalid rate limit unit "unknown"');
  });

  it('unit_multiplier / zero unit_multiplier (newer upstream key; config/window-multiplier*.yaml): 30 per 10 seconds; 0 is refused', () => {
    const c = load('compat/config/window-multiplier.yaml');
    const set = one(c);
    assert.deepEqual(matchDescriptor(c, entries([['upload', 'a']]))!.rule!.period, { unit: 'second', multiplier: 10 });
    assert.equal(getLimit(set, 'transfers', [['upload', 'a']])?.rpu, 30);
    assert.deepEqual(matchDescriptor(c, entries([['download', 'a']]))!.rule!.period, { unit: 'hour', multiplier: 1 });
    refused(read('compat/config/window-multiplier-zero.yaml').problems, /whole number from 1/);
    // documented difference: strict_envoy_format still treats unit_multiplier as a Portcullis extension
    refused(read('compat/config/window-multiplier.yaml', STRICT).problems, 'is a Portcullis extension');
  });
});

describe('upstream ShouldRateLimit behaviour against Portcullis', () => {
  let t: TestLimiter;
  let state: ConfigState;
  let h: RlsHandler;

  function stateOf(...configs: DomainConfig[]): ConfigState {
    const set: DomainSet = { domains: new Map(configs.map((c) => [c.domain, c])), files: [], loadedAt: 0 };
    return { current: set, lastAttempt: 0 };
  }
  function req(domain: string, descriptors: Array<Pairs | { pairs: Pairs; limit: { requests_per_unit: number; unit: string } }>): any {
    return {
      domain,
      descriptors: descriptors.map((d) => (Array.isArray(d) ? { entries: entries(d) } : { entries: entries(d.pairs), limit: d.limit })),
    };
  }
  const call = async (r: any) => await h.handle(r);

  beforeEach(() => {
    t = testLimiter();
    t.clock.t = Date.UTC(2024, 0, 1, 10, 0, 5, 0);
    state = stateOf(load('compat/config/most-specific.yaml'), load('compat/walkthrough/edge.yaml'), load('compat/walkthrough/database.yaml'));
    h = new RlsHandler(state, t.limiter, { headers: 'none', globalShadowMode: false, failureMode: 'closed' });
  });
  afterEach(() => t.close());

  it('TestEmptyDomain / TestEmptyDescriptors: gRPC errors with upstream\'s messages', () => {
    assert.throws(() => h.handle(req('', [[['client', 'desktop']]])), (e: unknown) => e instanceof RlsRequestError && e.message === 'rate limit domain must not be empty');
    assert.throws(() => h.handle(req('storefront', [])), (e: unknown) => e instanceof RlsRequestError && e.message === 'rate limit descriptor list must not be empty');
  });

  it('TestService: no matching limit is OK without current_limit; the overall code is OVER_LIMIT if any status is, in any order', async () => {
    assert.deepEqual(await call(req('storefront', [[['unconfigured', 'x']]])), { overall_code: 'OK', statuses: [{ code: 'OK' }] });
    await call(req('storefront', [[['report', 'weekly']]])); // 2 per hour: the third one is over
    await call(req('storefront', [[['report', 'weekly']]]));
    const a = await call(req('storefront', [[['report', 'weekly']], [['unconfigured', 'x']]]));
    assert.equal(a.overall_code, 'OVER_LIMIT');
    assert.deepEqual(a.statuses.map((s: any) => s.code), ['OVER_LIMIT', 'OK']);
    assert.deepEqual(a.statuses[0].current_limit, { requests_per_unit: 2, unit: 'HOUR' });
    assert.equal(a.statuses[0].limit_remaining, 0);
    assert.equal(a.statuses[1].current_limit, undefined);
    const b = await call(req('storefront', [[['unconfigured', 'x']], [['report', 'weekly']]]));
    assert.equal(b.overall_code, 'OVER_LIMIT');
    assert.deepEqual(b.statuses.map((s: any) => s.code), ['OK', 'OVER_LIMIT']);
  });

  it('TestConfigLimitOverride: the descriptor\'s limit replaces the config\'s; each value its own counter; unknown domain still nil', async () => {
    const over = (pairs: Pairs, rpu: number, unit: string) => ({ pairs, limit: { requests_per_unit: rpu, unit } });
    const unknown = await call(req('no-such-domain', [over([['tenant', 'acme']], 10, 'DAY')]));
    assert.deepEqual(unknown, { overall_code: 'OK', statuses: [{ code: 'OK' }] });
    const a = await call(req('storefront', [over([['tenant', 'acme'], ['plan', 'silver']], 15, 'DAY')]));
    assert.deepEqual(a.statuses[0].current_limit, { requests_per_unit: 15, unit: 'DAY' });
    const b = await call(req('storefront', [over([['tenant', 'acme'], ['plan', 'silver']], 33, 'HOUR')]));
    assert.deepEqual(b.statuses[0].current_limit, { requests_per_unit: 33, unit: 'HOUR' });
    const c = await call(req('storefront', [over([['tenant', 'acme'], ['plan', 'bronze']], 33, 'HOUR')]));
    assert.deepEqual(c.statuses[0].current_limit, { requests_per_unit: 33, unit: 'HOUR' });
    assert.equal(c.statuses[0].limit_remaining, 32);
  });

  it('several domains in one directory (upstream README example): walkthrough/ loads as domains edge and db_ops', () => {
    const r = loadDomainDir(join(COMPAT, 'walkthrough'), LAX);
    assert.deepEqual(r.problems, []);
    assert.deepEqual([...r.set!.domains.keys()].sort(), ['db_ops', 'edge']);
  });

  it('README example, second domain (walkthrough/database.yaml): collection 6 per minute, values counted apart', async () => {
    for (let i = 0; i < 6; i++) assert.equal((await call(req('db_ops', [[['collection', 'orders']]]))).overall_code, 'OK');
    const seventh = await call(req('db_ops', [[['collection', 'orders']]]));
    assert.equal(seventh.overall_code, 'OVER_LIMIT');
    assert.deepEqual(seventh.statuses[0].current_limit, { requests_per_unit: 6, unit: 'MINUTE' });
    assert.equal((await call(req('db_ops', [[['collection', 'invoices']]]))).statuses[0].limit_remaining, 5);
  });

  // upstream README, "Full test environment": its curl walkthrough sends one descriptor of two entries
  // (/test), one of one entry per header value (/header), and two descriptors sharing a first entry
  // (/twoheader). Here: walkthrough/edge.yaml with (api_key, route) and (api_key, method).
  const keyed = (apiKey: string, route: string | undefined, method: string | undefined) => {
    const d: Pairs[] = [];
    if (route !== undefined) d.push([['api_key', apiKey], ['route', route]]);
    if (method !== undefined) d.push([['api_key', apiKey], ['method', method]]);
    return req('edge', d);
  };

  it('README walkthrough /test (edge.yaml): (caller=web, callee=catalog) 2 per minute', async () => {
    const r = req('edge', [[['caller', 'web'], ['callee', 'catalog']]]);
    assert.equal((await call(r)).overall_code, 'OK');
    assert.equal((await call(r)).overall_code, 'OK');
    assert.equal((await call(r)).overall_code, 'OVER_LIMIT');
    assert.equal((await call(req('edge', [[['caller', 'web'], ['callee', 'search']]]))).overall_code, 'OK');
  });

  it('README walkthrough /header (edge.yaml): (api_key) 3 per minute, per header value', async () => {
    const r = req('edge', [[['api_key', 'k-1']]]);
    for (let i = 0; i < 3; i++) assert.equal((await call(r)).overall_code, 'OK');
    assert.equal((await call(r)).overall_code, 'OVER_LIMIT');
    assert.equal((await call(req('edge', [[['api_key', 'k-2']]]))).overall_code, 'OK');
  });

  it('README walkthrough /twoheader (edge.yaml): api_key+route 4 per minute; api_key+method 2 per second; route=/admin always refused', async () => {
    for (let i = 0; i < 4; i++) assert.equal((await call(keyed('k-1', '/orders', undefined))).overall_code, 'OK');
    assert.equal((await call(keyed('k-1', '/orders', undefined))).overall_code, 'OVER_LIMIT');
    assert.equal((await call(keyed('k-1', undefined, 'GET'))).overall_code, 'OK');
    assert.equal((await call(keyed('k-1', undefined, 'GET'))).overall_code, 'OK');
    const third = await call(keyed('k-1', undefined, 'GET'));
    assert.equal(third.overall_code, 'OVER_LIMIT');
    assert.deepEqual(third.statuses[0].current_limit, { requests_per_unit: 2, unit: 'SECOND' });
    const admin = await call(keyed('k-1', '/admin', undefined));
    assert.equal(admin.overall_code, 'OVER_LIMIT');
    assert.deepEqual(admin.statuses[0].current_limit, { requests_per_unit: 0, unit: 'MINUTE' });
  });

  it('README walkthrough shadow_mode (edge.yaml): method=PATCH is never refused but reported; method=DELETE is limited', async () => {
    for (let i = 0; i < 4; i++) {
      const r = await call(keyed('k-1', undefined, 'PATCH'));
      assert.equal(r.overall_code, 'OK');
      assert.equal(r.statuses[0].code, 'OK');
      assert.deepEqual(r.statuses[0].current_limit, { requests_per_unit: 1, unit: 'HOUR' });
      assert.equal(r.statuses[0].limit_remaining, 0);
    }
    assert.equal((await call(keyed('k-1', undefined, 'DELETE'))).overall_code, 'OK');
    const second = await call(keyed('k-1', undefined, 'DELETE'));
    assert.equal(second.overall_code, 'OVER_LIMIT');
    assert.deepEqual(second.statuses[0].current_limit, { requests_per_unit: 1, unit: 'HOUR' });
  });

  it('README walkthrough unlimited (edge.yaml: route=/healthz, batch_job): OK with limit_remaining MaxUint32 (README example 5)', async () => {
    const r = await call(req('edge', [[['api_key', 'k-1'], ['route', '/healthz']], [['batch_job', 'nightly']]]));
    assert.deepEqual(r, { overall_code: 'OK', statuses: [{ code: 'OK', limit_remaining: 4_294_967_295 }, { code: 'OK', limit_remaining: 4_294_967_295 }] });
  });

  it('wildcards (config/wildcards.yaml): a trailing-* limit counts each request value apart (the cache key holds the request values)', async () => {
    h = new RlsHandler(stateOf(load('compat/config/wildcards.yaml')), t.limiter, { headers: 'none', globalShadowMode: false, failureMode: 'closed' });
    assert.equal((await call(req('media', [[['object', 'img-1']]]))).statuses[0].limit_remaining, 14);
    assert.equal((await call(req('media', [[['object', 'img-1']]]))).statuses[0].limit_remaining, 13);
    assert.equal((await call(req('media', [[['object', 'img-2']]]))).statuses[0].limit_remaining, 14);
  });
});
