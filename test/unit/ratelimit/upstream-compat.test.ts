/**
 * envoyproxy/ratelimit's own config files and test expectations, run through Portcullis.
 *
 * Fixtures: test/fixtures/ratelimit/upstream/ (copied from github.com/envoyproxy/ratelimit, Apache-2.0; each
 * file names its source commit). Expectations are translated from upstream's Go tests:
 *   test/config/config_test.go (commit 008b66a): TestBasicConfig, TestDomainMerge, TestConfigLimitOverride,
 *     TestEmptyDomain, TestDuplicateDomain, TestEmptyKey, TestDuplicateKey, TestDuplicateKeyDomainMerge,
 *     TestBadLimitUnit, TestReplacesSelf, TestReplacesEmpty, TestBadYaml, TestMisspelledKey,
 *     TestNonStringKey, TestNonMapList, TestUnlimitedWithRateLimitUnit, TestWildcardConfig
 *   test/service/ratelimit_test.go: TestService, TestEmptyDomain, TestEmptyDescriptors
 * and from upstream's README (examples/ratelimit/config/example.yaml and its curl walkthrough) and
 * src/config/config_impl.go / src/utils/utilities.go where a test pins nothing (marked "code:").
 * GetLimit(domain, descriptor) is Portcullis's matchDescriptor(); a limit's stats key
 * ("test-domain.key1_value1.subkey1") is the domain plus Portcullis's descriptor path.
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
const UPSTREAM = join(FIXTURES, 'upstream');
const LAX: ReaderOptions = { strict: false, failureMode: 'closed' };
const STRICT: ReaderOptions = { strict: true, failureMode: 'closed' };
/** Upstream fixtures carry a 3-line source/licence header: their YAML line N is line N + 3 here. */
const HEADER_LINES = 3;

function read(rel: string, opts: ReaderOptions = LAX): { config?: DomainConfig; problems: RlsProblem[] } {
  return readDomainFile(rel, readFileSync(join(FIXTURES, rel), 'utf8'), opts);
}

function load(rel: string, opts: ReaderOptions = LAX): DomainConfig {
  const r = read(rel, opts);
  assert.deepEqual(r.problems.map(formatRlsProblem), [], `${rel} loads`);
  return r.config!;
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
  const dir = mkdtempSync(join(tmpdir(), 'rl-upstream-'));
  for (const [name, from] of Object.entries(files)) copyFileSync(join(UPSTREAM, from), join(dir, name));
  return dir;
}

describe('upstream test/config/config_test.go against Portcullis', () => {
  it('TestBasicConfig (basic_config.yaml): most specific match, default values, request depth, whitelisting', () => {
    const set = one(load('upstream/test-config/basic_config.yaml'));
    assert.equal(getLimit(set, 'foo_domain', []), undefined);
    assert.equal(getLimit(set, 'test-domain', []), undefined);
    assert.equal(getLimit(set, 'test-domain', [['key1', 'something']]), undefined);
    assert.equal(getLimit(set, 'test-domain', [['key1', 'value1']]), undefined);
    assert.equal(getLimit(set, 'test-domain', [['key2', 'value2'], ['subkey', 'subvalue']]), undefined);
    assert.equal(getLimit(set, 'test-domain', [['key5', 'value5'], ['subkey5', 'subvalue']]), undefined);
    assert.deepEqual(getLimit(set, 'test-domain', [['key1', 'value1'], ['subkey1', 'something']]),
      { rpu: 5, unit: 'SECOND', key: 'test-domain.key1_value1.subkey1', shadow: false });
    assert.deepEqual(getLimit(set, 'test-domain', [['key1', 'value1'], ['subkey1', 'subvalue1']]),
      { rpu: 10, unit: 'SECOND', key: 'test-domain.key1_value1.subkey1_subvalue1', shadow: false });
    assert.deepEqual(getLimit(set, 'test-domain', [['key2', 'something']]), { rpu: 20, unit: 'MINUTE', key: 'test-domain.key2', shadow: false });
    assert.deepEqual(getLimit(set, 'test-domain', [['key2', 'value2']]), { rpu: 30, unit: 'MINUTE', key: 'test-domain.key2_value2', shadow: false });
    // key2/value3 has no rate_limit: effectively whitelisted, even though key2 alone has a default
    assert.equal(getLimit(set, 'test-domain', [['key2', 'value3']]), undefined);
    assert.deepEqual(getLimit(set, 'test-domain', [['key3', 'foo']]), { rpu: 1, unit: 'HOUR', key: 'test-domain.key3', shadow: false });
    assert.deepEqual(getLimit(set, 'test-domain', [['key4', 'foo']]), { rpu: 1, unit: 'DAY', key: 'test-domain.key4', shadow: false });
  });

  it('TestWildcardConfig (wildcard.yaml): trailing * matches like a default value; no eager or mid-value match', () => {
    const set = one(load('upstream/test-config/wildcard.yaml'));
    const noVal1 = getLimit(set, 'test-domain', [['noVal', 'foo1']]);
    assert.ok(noVal1);
    assert.deepEqual(getLimit(set, 'test-domain', [['noVal', 'foo2']]), noVal1);
    const wild1 = getLimit(set, 'test-domain', [['wild', 'foo1']]);
    assert.ok(wild1);
    assert.deepEqual(getLimit(set, 'test-domain', [['wild', 'foo2']]), wild1);
    assert.equal(getLimit(set, 'test-domain', [['wild', 'bar']]), undefined);
    assert.equal(getLimit(set, 'test-domain', [['noWild', 'foo1']]), undefined);
    // upstream asks for key "midWildcard" (not the configured "midWild"); both readings give nil here
    assert.equal(getLimit(set, 'test-domain', [['midWildcard', 'barab']]), undefined);
    assert.equal(getLimit(set, 'test-domain', [['midWild', 'barab']]), undefined);
  });

  it('TestEmptyDomain / TestEmptyKey / TestBadLimitUnit / TestBadYaml: same refusals (Portcullis fixtures; upstream files not stored)', () => {
    refused(read('errors/empty-domain.yaml').problems, 'config file cannot have empty domain');
    refused(read('errors/empty-key.yaml').problems, 'descriptor has empty key');
    refused(read('errors/invalid-unit.yaml').problems, 'invalid rate limit unit "minutes"');
    refused(read('errors/yaml-syntax.yaml').problems, 'error loading config file:');
  });

  it('TestDuplicateKey (duplicate_key.yaml)', () => {
    const p = refused(read('upstream/test-config/duplicate_key.yaml').problems, 'duplicate descriptor composite key "test-domain.key1_value1"');
    assert.equal(p.line, 7 + HEADER_LINES); // the repeated value
  });

  it('TestDuplicateDomain: two files with one domain are refused (MERGE_DOMAIN_CONFIG off)', () => {
    const dir = tmpDirWith({ 'basic_config.yaml': 'test-config/basic_config.yaml', 'duplicate_domain.yaml': 'test-config/merge_domain_key1.yaml' });
    try {
      const r = loadDomainDir(dir, LAX, 'DIR');
      assert.equal(r.set, undefined);
      const p = refused(r.problems, 'duplicate domain "test-domain" in config file');
      assert.equal(p.file, 'DIR/duplicate_domain.yaml');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('TestDomainMerge (merge_domain_key1.yaml + merge_domain_key2.yaml, MERGE_DOMAIN_CONFIG=true)', () => {
    const dir = tmpDirWith({ 'merge_domain_key1.yaml': 'test-config/merge_domain_key1.yaml', 'merge_domain_key2.yaml': 'test-config/merge_domain_key2.yaml' });
    try {
      const r = loadDomainDir(dir, { ...LAX, mergeDomains: true }, 'DIR');
      assert.deepEqual(r.problems.map(formatRlsProblem), []);
      const set = r.set!.domains;
      assert.equal(getLimit(set, 'foo_domain', []), undefined);
      assert.equal(getLimit(set, 'test-domain', []), undefined);
      assert.equal(getLimit(set, 'test-domain', [['key1', 'value1']])?.rpu, 10);
      assert.equal(getLimit(set, 'test-domain', [['key2', 'value2']])?.rpu, 20);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('TestDuplicateKeyDomainMerge: merging a file with itself repeats a composite key', () => {
    const dir = tmpDirWith({ 'a.yaml': 'test-config/merge_domain_key1.yaml', 'b.yaml': 'test-config/merge_domain_key1.yaml' });
    try {
      const r = loadDomainDir(dir, { ...LAX, mergeDomains: true }, 'DIR');
      assert.equal(r.set, undefined);
      const p = refused(r.problems, 'duplicate descriptor composite key "test-domain.key1_value1"');
      assert.equal(p.file, 'DIR/b.yaml');
      assert.equal(p.line, 6 + HEADER_LINES); // the repeated value
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('TestReplacesSelf / TestReplacesEmpty', () => {
    refused(read('upstream/test-config/replaces_self.yaml').problems, 'replaces should not contain name of same descriptor');
    refused(read('upstream/test-config/replaces_empty.yaml').problems, 'should not have an empty replaces entry');
  });

  it('TestMisspelledKey (misspelled_key.yaml, misspelled_key2.yaml): unknown keys are refused', () => {
    const a = refused(read('upstream/test-config/misspelled_key.yaml').problems, 'unknown key "ratelimit"');
    assert.equal(a.line, 5 + HEADER_LINES);
    const b = refused(read('upstream/test-config/misspelled_key2.yaml').problems, 'unknown key "requestsperunit"');
    assert.equal(b.line, 7 + HEADER_LINES);
  });

  it('TestNonStringKey (non_string_key.yaml): the key 0.25 is refused (reported as an unknown key)', () => {
    const p = refused(read('upstream/test-config/non_string_key.yaml').problems, 'unknown key "0.25"');
    assert.equal(p.line, 1 + HEADER_LINES);
  });

  it('TestNonMapList (non_map_list.yaml): list items that are not mappings are refused', () => {
    const r = read('upstream/test-config/non_map_list.yaml');
    assert.equal(r.config, undefined);
    const p = refused(r.problems, 'must be a descriptor mapping');
    assert.equal(p.path, 'descriptors[0]');
    assert.equal(p.line, 3 + HEADER_LINES);
  });

  it('TestUnlimitedWithRateLimitUnit (unlimited_with_unit.yaml)', () => {
    const p = refused(read('upstream/test-config/unlimited_with_unit.yaml').problems, 'should not specify rate limit unit when unlimited');
    assert.equal(p.path, 'descriptors[0].rate_limit.unit');
  });

  it('code: unlimited with requests_per_unit but no unit loads (config_impl.go checks only the unit)', () => {
    const r = readDomainFile('inline.yaml', 'domain: d\ndescriptors:\n  - key: foo\n    rate_limit: { unlimited: true, requests_per_unit: 25 }\n', LAX);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(getLimit(one(r.config!), 'd', [['foo', 'x']]), { unlimited: true, key: 'd.foo' });
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

  it('unit_multiplier.yaml / zero_unit_multiplier.yaml (newer upstream key): 20 per 5 minutes; 0 is refused', () => {
    const c = load('upstream/test-config/unit_multiplier.yaml');
    const set = one(c);
    assert.deepEqual(matchDescriptor(c, entries([['key1', 'a']]))!.rule!.period, { unit: 'minute', multiplier: 5 });
    assert.equal(getLimit(set, 'test-domain', [['key1', 'a']])?.rpu, 20);
    assert.deepEqual(matchDescriptor(c, entries([['key2', 'a']]))!.rule!.period, { unit: 'minute', multiplier: 1 });
    refused(read('upstream/test-config/zero_unit_multiplier.yaml').problems, /whole number from 1/);
    // documented difference: strict_envoy_format still treats unit_multiplier as a Portcullis extension
    refused(read('upstream/test-config/unit_multiplier.yaml', STRICT).problems, 'is a Portcullis extension');
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
    state = stateOf(load('upstream/test-config/basic_config.yaml'), load('upstream/examples/example.yaml'), load('upstream/examples/config.yaml'));
    h = new RlsHandler(state, t.limiter, { headers: 'none', globalShadowMode: false, failureMode: 'closed' });
  });
  afterEach(() => t.close());

  it('TestEmptyDomain / TestEmptyDescriptors: gRPC errors with upstream\'s messages', () => {
    assert.throws(() => h.handle(req('', [[['hello', 'world']]])), (e: unknown) => e instanceof RlsRequestError && e.message === 'rate limit domain must not be empty');
    assert.throws(() => h.handle(req('test-domain', [])), (e: unknown) => e instanceof RlsRequestError && e.message === 'rate limit descriptor list must not be empty');
  });

  it('TestService: no matching limit is OK without current_limit; the overall code is OVER_LIMIT if any status is, in any order', async () => {
    assert.deepEqual(await call(req('test-domain', [[['hello', 'world']]])), { overall_code: 'OK', statuses: [{ code: 'OK' }] });
    await call(req('test-domain', [[['key3', 'foo']]])); // 1 per hour: the next one is over
    const a = await call(req('test-domain', [[['key3', 'foo']], [['hello', 'world']]]));
    assert.equal(a.overall_code, 'OVER_LIMIT');
    assert.deepEqual(a.statuses.map((s: any) => s.code), ['OVER_LIMIT', 'OK']);
    assert.deepEqual(a.statuses[0].current_limit, { requests_per_unit: 1, unit: 'HOUR' });
    assert.equal(a.statuses[0].limit_remaining, 0);
    assert.equal(a.statuses[1].current_limit, undefined);
    const b = await call(req('test-domain', [[['hello', 'world']], [['key3', 'foo']]]));
    assert.equal(b.overall_code, 'OVER_LIMIT');
    assert.deepEqual(b.statuses.map((s: any) => s.code), ['OK', 'OVER_LIMIT']);
  });

  it('TestConfigLimitOverride: the descriptor\'s limit replaces the config\'s; each value its own counter; unknown domain still nil', async () => {
    const over = (pairs: Pairs, rpu: number, unit: string) => ({ pairs, limit: { requests_per_unit: rpu, unit } });
    const unknown = await call(req('foo_domain', [over([['key1', 'value1']], 10, 'DAY')]));
    assert.deepEqual(unknown, { overall_code: 'OK', statuses: [{ code: 'OK' }] });
    const a = await call(req('test-domain', [over([['key1', 'value1'], ['subkey1', 'something']], 10, 'DAY')]));
    assert.deepEqual(a.statuses[0].current_limit, { requests_per_unit: 10, unit: 'DAY' });
    const b = await call(req('test-domain', [over([['key1', 'value1'], ['subkey1', 'something']], 42, 'HOUR')]));
    assert.deepEqual(b.statuses[0].current_limit, { requests_per_unit: 42, unit: 'HOUR' });
    const c = await call(req('test-domain', [over([['key1', 'value1'], ['subkey1', 'something_else']], 42, 'HOUR')]));
    assert.deepEqual(c.statuses[0].current_limit, { requests_per_unit: 42, unit: 'HOUR' });
    assert.equal(c.statuses[0].limit_remaining, 41);
  });

  it('several domains in one directory: examples/ratelimit/config/ loads as domains rl and mongo_cps', () => {
    const r = loadDomainDir(join(UPSTREAM, 'examples'), LAX);
    assert.deepEqual(r.problems, []);
    assert.deepEqual([...r.set!.domains.keys()].sort(), ['mongo_cps', 'rl']);
  });

  it('examples/ratelimit/config/config.yaml: database=users 5 per minute, values counted apart', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await call(req('mongo_cps', [[['database', 'users']]]))).overall_code, 'OK');
    const sixth = await call(req('mongo_cps', [[['database', 'users']]]));
    assert.equal(sixth.overall_code, 'OVER_LIMIT');
    assert.deepEqual(sixth.statuses[0].current_limit, { requests_per_unit: 5, unit: 'MINUTE' });
    assert.equal((await call(req('mongo_cps', [[['database', 'default']]]))).statuses[0].limit_remaining, 4);
  });

  // upstream README, "Full test environment": the curl walkthrough of examples/envoy/proxy.yaml + example.yaml.
  // /twoheader sends two descriptors: (foo, bar) and (foo, baz).
  const twoheader = (foo: string, bar: string | undefined, baz: string | undefined) => {
    const d: Pairs[] = [];
    if (bar !== undefined) d.push([['foo', foo], ['bar', bar]]);
    if (baz !== undefined) d.push([['foo', foo], ['baz', baz]]);
    return req('rl', d);
  };

  it('example.yaml /test: (source_cluster=proxy, destination_cluster=mock) 1 per minute', async () => {
    const r = req('rl', [[['source_cluster', 'proxy'], ['destination_cluster', 'mock']]]);
    assert.equal((await call(r)).overall_code, 'OK');
    assert.equal((await call(r)).overall_code, 'OVER_LIMIT');
  });

  it('example.yaml /header: (foo) 2 per minute, per header value', async () => {
    const r = req('rl', [[['foo', 'foo']]]);
    assert.equal((await call(r)).overall_code, 'OK');
    assert.equal((await call(r)).overall_code, 'OK');
    assert.equal((await call(r)).overall_code, 'OVER_LIMIT');
    assert.equal((await call(req('rl', [[['foo', 'other']]]))).overall_code, 'OK');
  });

  it('example.yaml /twoheader: foo+bar 3 per minute; foo+baz 1 per second ("will be rate limited"); bar=banned always refused', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await call(twoheader('foo', 'bar', undefined))).overall_code, 'OK');
    assert.equal((await call(twoheader('foo', 'bar', undefined))).overall_code, 'OVER_LIMIT');
    assert.equal((await call(twoheader('foo', undefined, 'baz'))).overall_code, 'OK');
    const baz = await call(twoheader('foo', undefined, 'baz'));
    assert.equal(baz.overall_code, 'OVER_LIMIT');
    assert.deepEqual(baz.statuses[0].current_limit, { requests_per_unit: 1, unit: 'SECOND' });
    const banned = await call(twoheader('foo', 'banned', undefined));
    assert.equal(banned.overall_code, 'OVER_LIMIT');
    assert.deepEqual(banned.statuses[0].current_limit, { requests_per_unit: 0, unit: 'MINUTE' });
  });

  it('example.yaml shadow_mode: baz=shady is never refused but reported; baz=not-so-shady is limited', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await call(twoheader('foo', undefined, 'shady'));
      assert.equal(r.overall_code, 'OK');
      assert.equal(r.statuses[0].code, 'OK');
      assert.deepEqual(r.statuses[0].current_limit, { requests_per_unit: 1, unit: 'MINUTE' });
      assert.equal(r.statuses[0].limit_remaining, 0);
    }
    assert.equal((await call(twoheader('foo', undefined, 'not-so-shady'))).overall_code, 'OK');
    assert.equal((await call(twoheader('foo', undefined, 'not-so-shady'))).overall_code, 'OVER_LIMIT');
  });

  it('example.yaml unlimited (bay, qux): OK with limit_remaining MaxUint32 (README example 5)', async () => {
    const r = await call(req('rl', [[['foo', 'x'], ['bay', 'y']], [['qux', 'z']]]));
    assert.deepEqual(r, { overall_code: 'OK', statuses: [{ code: 'OK', limit_remaining: 4_294_967_295 }, { code: 'OK', limit_remaining: 4_294_967_295 }] });
  });

  it('wildcard.yaml: a trailing-* limit counts each request value apart (the cache key holds the request values)', async () => {
    h = new RlsHandler(stateOf(load('upstream/test-config/wildcard.yaml')), t.limiter, { headers: 'none', globalShadowMode: false, failureMode: 'closed' });
    assert.equal((await call(req('test-domain', [[['wild', 'foo1']]]))).statuses[0].limit_remaining, 19);
    assert.equal((await call(req('test-domain', [[['wild', 'foo1']]]))).statuses[0].limit_remaining, 18);
    assert.equal((await call(req('test-domain', [[['wild', 'foo2']]]))).statuses[0].limit_remaining, 19);
  });
});
