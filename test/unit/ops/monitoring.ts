// The shipped monitoring files (Prometheus rules, Grafana dashboard) read as data, for the unit test
// (promtool, names and labels against the metric definitions) and the integration test (every query run
// on a real Prometheus scraping a real Portcullis).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const REPO = resolve(fileURLToPath(import.meta.url), '../../../..');
export const RULES_FILE = join(REPO, 'scripts', 'prometheus-rules.yml');
export const RULES_TEST_FILE = join(REPO, 'scripts', 'prometheus-rules.test.yml');
export const DASHBOARD_FILE = join(REPO, 'scripts', 'grafana', 'portcullis-dashboard.json');

export interface Rule { group: string; alert?: string; record?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }
export interface Query { where: string; expr: string }

export function rules(file = RULES_FILE): Rule[] {
  const doc = parse(readFileSync(file, 'utf8')) as { groups: Array<{ name: string; rules: Omit<Rule, 'group'>[] }> };
  return doc.groups.flatMap((g) => g.rules.map((r) => ({ ...r, group: g.name })));
}

export function dashboard(): any {
  return JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8'));
}

/** Every panel, including those nested in collapsed rows. */
export function panels(d = dashboard()): any[] {
  return (d.panels as any[]).flatMap((p) => [p, ...(p.panels ?? [])]);
}

/** Every PromQL expression in the dashboard's panels (with Grafana variables still in). */
export function dashboardQueries(d = dashboard()): Query[] {
  return panels(d).flatMap((p) => (p.targets ?? []).map((t: any) => ({ where: `panel "${p.title}" ${t.refId}`, expr: t.expr as string })));
}

export function ruleQueries(): Query[] {
  return rules().map((r) => ({ where: `rule ${r.alert ?? r.record}`, expr: r.expr }));
}

/**
 * Grafana's variables replaced the way Grafana would with "All" selected. `$__rate_interval` and
 * `$__range` become `window`. An unknown variable throws: the test must know every one the dashboard uses.
 */
export function instantiate(expr: string, o: { job: string; window: string }): string {
  const values: Record<string, string> = { job: o.job, instance: '.*', route: '.*', __rate_interval: o.window, __range: o.window, __interval: o.window };
  return expr.replace(/\$\{?(\w+)\}?/g, (_m, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`unknown Grafana variable $${name} in ${expr}`);
    return v;
  });
}

/** Metric names an expression reads (portcullis_* only; recorded series like job:portcullis_x:rate5m are not metrics). */
export function metricNames(expr: string): string[] {
  return [...new Set([...expr.matchAll(/(?<![\w:])portcullis_[A-Za-z0-9_]+(?![\w:(])/g)].map((m) => m[0]))];
}

/** The metric family a sample name belongs to (histogram series → the histogram). */
export function family(name: string, histograms: ReadonlySet<string>): string {
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  return m && histograms.has(m[1]!) ? m[1]! : name;
}

/** Label names an expression uses: in selectors (`{a="x"}`) and in by/without/on/ignoring/group_* lists. */
export function labelNames(expr: string): string[] {
  const out = new Set<string>();
  for (const m of expr.matchAll(/\{([^}]*)\}/g)) {
    for (const l of m[1]!.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)/g)) out.add(l[1]!);
  }
  for (const m of expr.matchAll(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g)) {
    for (const l of m[1]!.split(',')) if (l.trim()) out.add(l.trim());
  }
  return [...out];
}
