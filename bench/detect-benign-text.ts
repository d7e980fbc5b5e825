/**
 * What the benign text sections of the detection benchmark share (benign #3, Debian package text; benign #4,
 * developer markdown): how typed text is placed in a request, and how one half of a set is counted.
 */
import { buildContext } from '../src/pipeline/context-builder.js';
import type { Stage } from '../src/pipeline/stage.js';
import { DEFAULT_WEIGHTS, topFinding } from '../src/threat/scoring.js';
import { checkRequest, FAMILIES, limits, placed, PLACEMENTS, runStages, type Placement } from './detect-common.js';

export const pct = (x: number, d: number) => (d === 0 ? '-' : (100 * x / d).toFixed(2));

/**
 * These values are plain text as a user typed or pasted it, not attack strings already URL-encoded, so the
 * query value and form field carry them the way a browser or HTTP client encodes them (every reserved
 * character percent-encoded: a '+' in `team+pkg@example.org` or a '%' in "100%" stays what it was). The
 * JSON placement is the same as the other sections'.
 */
export function placeText(text: string, where: Placement): unknown {
  const v = encodeURIComponent(text);
  switch (where) {
    case 'query': return checkRequest('GET', `/api/search?q=${v}&page=1`, {});
    case 'form': return checkRequest('POST', '/api/comments', { 'content-type': 'application/x-www-form-urlencoded' }, `name=alice&comment=${v}&notify=1`);
    case 'json': return placed(text, 'json');
  }
}

export interface TextRow { kind: string; payload: string }

export interface HalfCount {
  /** values refused in any placement, and placed requests refused */
  fp: number;
  placedFp: number;
  /** per detector family of the top finding where the value was first refused */
  byFamily: Map<string, number>;
  byKind: Map<string, number>;
  /** dump lines (only when asked for: the dev half) */
  fps: string[];
}

/** Counts one half of a benign text set at one level; `dumpAs` (dev half only) names the set in dump lines. */
export function countHalf<R extends TextRow>(stages: Stage[], rows: readonly R[], dumpAs?: { set: string; fields: (r: R) => Record<string, unknown> }): HalfCount {
  const out: HalfCount = { fp: 0, placedFp: 0, byFamily: new Map(), byKind: new Map(), fps: [] };
  for (const r of rows) {
    let first: string | undefined;
    for (const p of PLACEMENTS) {
      const ctx = buildContext(placeText(r.payload, p), limits);
      if (runStages(stages, ctx)?.code !== 'ERR_THREAT') continue;
      out.placedFp++;
      const top = topFinding(ctx.risk.findings, DEFAULT_WEIGHTS);
      first ??= top?.family ?? '?';
      if (dumpAs) out.fps.push(JSON.stringify({ set: dumpAs.set, placement: p, family: top?.family, detail: top?.detail, kind: r.kind, ...dumpAs.fields(r), payload: r.payload }));
    }
    if (first === undefined) continue;
    out.fp++;
    out.byFamily.set(first, (out.byFamily.get(first) ?? 0) + 1);
    out.byKind.set(r.kind, (out.byKind.get(r.kind) ?? 0) + 1);
  }
  return out;
}

/** "PLn <set>-<half> false positives …; by family: …" */
export function summaryLine(pl: number, setHalf: string, c: HalfCount): string {
  const fams = [...FAMILIES, ...[...c.byFamily.keys()].filter((f) => !(FAMILIES as readonly string[]).includes(f))];
  return `PL${pl} ${setHalf} false positives ${c.fp} inputs (${c.placedFp} placed); by family: ${fams.map((f) => `${f} ${c.byFamily.get(f) ?? 0}`).join(', ')}`;
}
