// scripts/prometheus-rules.yml checked and unit-tested by the real promtool (scripts/install-deps.sh installs
// it), and the rules and the Grafana dashboard checked against the metrics Portcullis really defines.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import '../../../src/modules/index.js'; // every capability's metrics register at import
import { registry } from '../../../src/telemetry/metrics.js';
import { CODES } from '../../../src/pipeline/codes.js';
import { IDENTITY_CODES } from '../../../src/identity/codes.js';
import {
  RULES_FILE, RULES_TEST_FILE, dashboard, dashboardQueries, family, labelNames, metricNames, panels, ruleQueries, rules,
} from './monitoring.js';

function promtool(...args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('promtool', args, { encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error; // promtool missing: run scripts/install-deps.sh
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

const tmp = mkdtempSync(join(tmpdir(), 'portcullis-rules-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * A copy of the rules in a temp dir, edited by `edit`, with the test groups that check `alert` (only
 * those, to keep the run short).
 */
function brokenCopy(name: string, alert: string, edit: (rulesText: string) => string): { rules: string; tests: string } {
  const dir = mkdtempSync(join(tmp, `${name}-`));
  const original = readFileSync(RULES_FILE, 'utf8');
  const changed = edit(original);
  assert.notEqual(changed, original, `the ${name} edit must change the rules`);
  writeFileSync(join(dir, 'prometheus-rules.yml'), changed);
  const tests = parse(readFileSync(RULES_TEST_FILE, 'utf8'));
  tests.tests = tests.tests.filter((t: any) => (t.alert_rule_test ?? []).some((c: any) => c.alertname === alert));
  assert.ok(tests.tests.length > 0, `tests for ${alert}`);
  writeFileSync(join(dir, 'prometheus-rules.test.yml'), stringify(tests));
  // control: the same filtered tests pass on the unedited rules, so a failure below is the edit's doing
  mkdirSync(join(dir, 'control'));
  writeFileSync(join(dir, 'control', 'prometheus-rules.yml'), original);
  writeFileSync(join(dir, 'control', 'prometheus-rules.test.yml'), stringify(tests));
  const control = promtool('test', 'rules', join(dir, 'control', 'prometheus-rules.test.yml'));
  assert.ok(control.ok, control.out);
  return { rules: join(dir, 'prometheus-rules.yml'), tests: join(dir, 'prometheus-rules.test.yml') };
}

describe('Prometheus rules (promtool)', () => {
  it('promtool check rules accepts the rules file', () => {
    const r = promtool('check', 'rules', RULES_FILE);
    assert.ok(r.ok, r.out);
    assert.match(r.out, new RegExp(`SUCCESS: ${rules().length} rules found`));
  });

  it('promtool test rules: every alert fires on its failure and stays quiet on the look-alike healthy case', () => {
    const r = promtool('test', 'rules', RULES_TEST_FILE);
    assert.ok(r.ok, r.out);
  });

  it('a fail-open alert that misses the first fail-open (only increase()) fails the unit tests', () => {
    const copy = brokenCopy('no-new-series', 'PortcullisFailOpen', (t) =>
      t.replace('(portcullis_fail_open_total{stage!="threat_partial_body"} unless portcullis_fail_open_total offset 5m)\n            or ', ''));
    const r = promtool('test', 'rules', copy.tests);
    assert.equal(r.ok, false, r.out);
    assert.match(r.out, /alertname: PortcullisFailOpen, time: 11m/);
  });

  it('a fail-open alert that pages on the partial bodies a route chose to let through fails the unit tests', () => {
    const copy = brokenCopy('partial-body', 'PortcullisFailOpen', (t) => t.replaceAll('portcullis_fail_open_total{stage!="threat_partial_body"}', 'portcullis_fail_open_total'));
    const r = promtool('test', 'rules', copy.tests);
    assert.equal(r.ok, false, r.out);
    assert.match(r.out, /alertname: PortcullisFailOpen, time: (6|20)m/);
  });

  it('a looser latency budget fails the unit tests', () => {
    const copy = brokenCopy('budget', 'PortcullisCheckLatencyHigh', (t) => t.replace('rate(portcullis_check_duration_seconds_bucket[5m]))) > 0.05', 'rate(portcullis_check_duration_seconds_bucket[5m]))) > 0.1'));
    const r = promtool('test', 'rules', copy.tests);
    assert.equal(r.ok, false, r.out);
    assert.match(r.out, /alertname: PortcullisCheckLatencyHigh/);
  });

  it('PortcullisDependencyUnavailable selects every reason code whose default status is 503', () => {
    const unavailable = [...Object.entries(CODES).map(([c, s]) => [c, s] as const), ...Object.entries(IDENTITY_CODES).map(([c, i]) => [c, i.status] as const)]
      .filter(([, status]) => status === 503).map(([c]) => c);
    assert.ok(unavailable.includes('ERR_UNAVAILABLE') && unavailable.includes('ERR_INTROSPECTION_UNAVAILABLE'), unavailable.join(' '));
    const expr = rules().find((r) => r.alert === 'PortcullisDependencyUnavailable')!.expr;
    const m = /code\s*(=~|=)\s*"([^"]*)"/.exec(expr);
    assert.ok(m, expr);
    const selects = (code: string) => (m[1] === '=' ? code === m[2] : new RegExp(`^(?:${m[2]})$`).test(code));
    assert.deepEqual(unavailable.filter((c) => !selects(c)), []);
    assert.deepEqual(['ERR_SIG_INVALID', 'ERR_POLICY_DENIED', 'ERR_INTERNAL'].filter(selects), []);
  });

  it('a PromQL syntax error fails promtool check rules', () => {
    const copy = brokenCopy('syntax', 'PortcullisDown', (t) => t.replace('expr: up{job="portcullis"} == 0', 'expr: up{job="portcullis" == 0'));
    const r = promtool('check', 'rules', copy.rules);
    assert.equal(r.ok, false, r.out);
  });

  it('every alert has a severity, summary and description, and a firing and a quiet case in the tests', () => {
    const tests = parse(readFileSync(RULES_TEST_FILE, 'utf8')) as { tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts?: unknown[] }> }> };
    const cases = tests.tests.flatMap((t) => t.alert_rule_test ?? []);
    const alerts = rules().filter((r) => r.alert);
    assert.ok(alerts.length >= 20, `${alerts.length} alerts`);
    for (const a of alerts) {
      assert.ok(['critical', 'warning'].includes(a.labels?.severity ?? ''), `${a.alert}: severity`);
      assert.ok(a.annotations?.summary && a.annotations.description, `${a.alert}: summary and description`);
      const mine = cases.filter((c) => c.alertname === a.alert);
      assert.ok(mine.some((c) => (c.exp_alerts ?? []).length > 0), `${a.alert}: a case where it fires`);
      assert.ok(mine.some((c) => (c.exp_alerts ?? []).length === 0), `${a.alert}: a case where it must not fire`);
    }
    const names = alerts.map((a) => a.alert);
    assert.equal(new Set(names).size, names.length, 'alert names are unique');
  });
});

describe('rules and dashboard use only metrics and labels Portcullis defines', () => {
  const defined = new Map<string, { type: string; labels: Set<string> }>();
  for (const m of registry.getMetricsAsArray() as any[]) defined.set(m.name, { type: m.type ?? m.constructor.name.toLowerCase(), labels: new Set<string>(m.labelNames ?? []) });
  const histograms = new Set([...defined].filter(([, v]) => v.type === 'histogram').map(([k]) => k));
  const queries = [...ruleQueries(), ...dashboardQueries()];
  const recorded = new Set(rules().flatMap((r) => (r.record ? [r.record] : [])));

  it('the registry holds the capability metrics (guards this test itself)', () => {
    for (const n of ['portcullis_checks_total', 'portcullis_identity_verifications_total', 'portcullis_ratelimit_breaker_state', 'portcullis_policy_decisions_total', 'portcullis_security_event_sink_dropped_total', 'portcullis_threat_feed_loads_total']) {
      assert.ok(defined.has(n), n);
    }
    assert.ok(histograms.has('portcullis_check_duration_seconds'));
  });

  it('every portcullis_* name exists (histogram series as _bucket/_sum/_count)', () => {
    const missing = queries.flatMap((q) => metricNames(q.expr).filter((n) => !defined.has(family(n, histograms))).map((n) => `${q.where}: ${n}`));
    assert.deepEqual(missing, []);
    // _bucket only on histograms
    const badSuffix = queries.flatMap((q) => metricNames(q.expr).filter((n) => n.endsWith('_bucket') && !histograms.has(n.slice(0, -7))).map((n) => `${q.where}: ${n}`));
    assert.deepEqual(badSuffix, []);
  });

  it('every label an expression selects or groups by is a label of a metric it reads (or job, instance, le)', () => {
    const problems: string[] = [];
    for (const q of queries) {
      const fams = metricNames(q.expr).map((n) => family(n, histograms));
      const allowed = new Set(['job', 'instance', 'le', ...fams.flatMap((f) => [...(defined.get(f)?.labels ?? [])])]);
      for (const l of labelNames(q.expr)) if (!allowed.has(l)) problems.push(`${q.where}: label "${l}" (metrics: ${fams.join(', ')})`);
    }
    assert.deepEqual(problems, []);
  });

  it('each recording rule is named level:metric:operations after the metric it reads', () => {
    for (const r of rules().filter((x) => x.record)) {
      const m = /^[a-z_]+:(portcullis_[a-z0-9_]+):[a-z0-9_]+$/.exec(r.record!);
      assert.ok(m, r.record);
      const base = (n: string) => n.replace(/_(total|bucket|sum|count)$/, '');
      assert.ok(metricNames(r.expr).some((n) => n.startsWith(m[1]!) || m[1]!.startsWith(base(n))), `${r.record} reads ${m[1]}…`);
    }
    assert.ok(recorded.size >= 5);
  });
});

describe('Grafana dashboard', () => {
  const d = dashboard();

  it('has the panels the operations guide names', () => {
    const titles = panels(d).map((p) => p.title as string);
    for (const t of ['Checks/s by decision', 'Deny reasons (top 10)', 'Checks/s by route', 'Check latency', 'Stage latency p99', 'Fail-opens by route and stage',
      'Identity verifications/s by kind and result', 'Rate-limit hits/s by outcome', 'Policy decisions/s', 'Policy evaluation latency',
      'Security events/s by family and action', 'Event sinks', 'Config loads']) {
      assert.ok(titles.includes(t), `panel "${t}"`);
    }
  });

  it('every panel queries the DS_PROMETHEUS datasource variable, ids are unique, and the grid is 24 wide', () => {
    const vars = (d.templating.list as any[]).map((v) => v.name);
    assert.ok(vars.includes('DS_PROMETHEUS'));
    const ds = (d.templating.list as any[]).find((v) => v.name === 'DS_PROMETHEUS');
    assert.equal(ds.type, 'datasource');
    assert.equal(ds.query, 'prometheus');
    const ids = panels(d).map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const p of panels(d)) {
      assert.ok(p.gridPos.x + p.gridPos.w <= 24, `${p.title}: gridPos`);
      if (p.type === 'row') continue;
      assert.deepEqual(p.datasource, { type: 'prometheus', uid: '${DS_PROMETHEUS}' }, p.title);
      assert.ok(p.targets.length > 0, p.title);
      for (const t of p.targets) assert.deepEqual(t.datasource, p.datasource, `${p.title} ${t.refId}`);
    }
  });

  it('every variable an expression uses is defined by the dashboard or built into Grafana', () => {
    const defined = new Set([...(d.templating.list as any[]).map((v) => v.name), '__rate_interval', '__range', '__interval']);
    for (const q of dashboardQueries(d)) {
      for (const m of q.expr.matchAll(/\$\{?(\w+)\}?/g)) assert.ok(defined.has(m[1]!), `${q.where}: $${m[1]}`);
    }
  });
});
