/**
 * The metrics README.md names exist, with the labels it gives them: every `portcullis_…{labels}` in its prose
 * and tables is a metric some module registers, and the shorthands (`…_dropped_total{reason}` after a
 * `portcullis_policy_…` name, `_over_limit_total` after `portcullis_ratelimit_hits_total`, the operations
 * list "all prefixed `portcullis_`") resolve to one. A metric renamed in the code, or a label dropped, fails
 * here instead of sending an operator's query or alert to a series that never appears.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import '../../../src/modules/index.js'; // every capability's metrics register at import
import '../../../src/server/admin.js'; // the admin port's portcullis_admin_auth_failures_total
import '../../../src/store/memory.js';
import { registry } from '../../../src/telemetry/metrics.js';
import { REPO } from './readme-blocks.js';

export interface Named { name: string; labels: string[]; shorthand: boolean; prefix: string; line: number }

const labelsOf = (braces: string | undefined): string[] =>
  braces === undefined ? [] : braces.slice(1, -1).split(',').map((l) => /^\s*(\w+)/.exec(l)?.[1]).filter((l): l is string => l !== undefined);

/** Metric names in the README's prose and tables (fenced blocks are config and logs, not metric names). */
export function namedMetrics(md: string): Named[] {
  const out: Named[] = [];
  const lines = md.split('\n');
  let inFence = false;
  let paragraph: Array<{ text: string; line: number }> = [];
  const flush = () => {
    const text = paragraph.map((p) => p.text).join('\n');
    const lineAt = (i: number) => paragraph[0]!.line + text.slice(0, i).split('\n').length - 1;
    const allPrefixed = /\(all prefixed `(portcullis_[a-z_]*)`\)/.exec(text)?.[1];
    let area = '';
    for (const m of text.matchAll(/`(?:(portcullis_[a-z0-9_]*[a-z0-9])|(?:…|\.\.\.)?_([a-z0-9_]+)|([a-z][a-z0-9_]*))(\{[^}`]*\})?`/g)) {
      const [, full, short, bare, braces] = m;
      if (full !== undefined) {
        if (full.startsWith('portcullis_process_')) continue;
        area = /^portcullis_[a-z0-9]+_/.exec(full)?.[0] ?? 'portcullis_';
        out.push({ name: full, labels: labelsOf(braces), shorthand: false, prefix: '', line: lineAt(m.index) });
      } else if (short !== undefined && area !== '') {
        out.push({ name: short, labels: labelsOf(braces), shorthand: true, prefix: area, line: lineAt(m.index) });
      } else if (bare !== undefined && allPrefixed !== undefined && !bare.startsWith('portcullis_')) {
        out.push({ name: allPrefixed + bare, labels: labelsOf(braces), shorthand: false, prefix: '', line: lineAt(m.index) });
      }
    }
    paragraph = [];
  };
  lines.forEach((text, i) => {
    if (/^```/.test(text)) { inFence = !inFence; flush(); return; }
    if (inFence) return;
    if (text.trim() === '') { flush(); return; }
    paragraph.push({ text, line: i + 1 });
  });
  flush();
  return out;
}

const defined = new Map<string, Set<string>>();
for (const m of registry.getMetricsAsArray() as any[]) defined.set(m.name, new Set<string>(m.labelNames ?? []));

/** What is wrong with one README mention: '' when it names a registered metric with those labels. */
export function problem(n: Named, metrics: ReadonlyMap<string, ReadonlySet<string>> = defined): string {
  const names = n.shorthand ? [...metrics.keys()].filter((k) => k.startsWith(n.prefix) && k.endsWith(`_${n.name}`)) : metrics.has(n.name) ? [n.name] : [];
  const shown = n.shorthand ? `…_${n.name} (after ${n.prefix}…)` : n.name;
  if (names.length === 0) return `README.md:${n.line}: ${shown} is not a metric`;
  if (!names.some((k) => n.labels.every((l) => metrics.get(k)!.has(l)))) {
    return `README.md:${n.line}: ${shown} has no label(s) ${n.labels.filter((l) => !names.some((k) => metrics.get(k)!.has(l))).join(', ')}`;
  }
  return '';
}

describe('README metric names', () => {
  const md = readFileSync(resolve(REPO, 'README.md'), 'utf8');
  const named = namedMetrics(md);

  it('finds the metrics of every section (guards this test itself)', () => {
    const names = new Set(named.filter((n) => !n.shorthand).map((n) => n.name));
    for (const n of ['portcullis_checks_total', 'portcullis_fail_open_total', 'portcullis_identity_verifications_total', 'portcullis_policy_bundle_revision_info',
      'portcullis_ratelimit_hits_total', 'portcullis_security_events_total', 'portcullis_threat_feed_entries', 'portcullis_build_info', 'portcullis_checks_in_flight']) {
      assert.ok(names.has(n), n);
    }
    assert.ok(named.filter((n) => n.shorthand).length >= 20, 'the shorthand lists are read');
    assert.ok(named.length >= 60, `${named.length} mentions`);
  });

  it('every metric the README names is registered, with the labels it gives', () => {
    assert.deepEqual(named.map((n) => problem(n)).filter((p) => p !== ''), []);
  });

  it('a name or label the code does not define is reported (the check can fail)', () => {
    const metrics = new Map([['portcullis_policy_decisions_total', new Set(['bundle', 'result'])]]);
    const found = namedMetrics('Metrics: `portcullis_policy_decisions_total{bundle,mode}`, `…_dropped_total`, `portcullis_nope_total`.\n');
    assert.deepEqual(found.map((n) => problem(n, metrics)), [
      'README.md:1: portcullis_policy_decisions_total has no label(s) mode',
      'README.md:1: …_dropped_total (after portcullis_policy_…) is not a metric',
      'README.md:1: portcullis_nope_total is not a metric',
    ]);
    assert.deepEqual(namedMetrics('**Metrics** (all prefixed `portcullis_`): `checks_total{decision}`, `checks_in_flight`.\n').map((n) => n.name), ['portcullis_checks_total', 'portcullis_checks_in_flight']);
  });
});
