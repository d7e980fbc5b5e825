/**
 * Benign #3 of the detection benchmark: values sampled from Debian's package metadata (package descriptions,
 * long descriptions as pasted into a textarea, AppStream texts, maintainer names, homepages, tags, dependency
 * relations; see test/fixtures/threat/benign-debian/README.md). Nobody tuned the detectors on this text.
 *
 * Split like held-out #2 by line parity: "dev" (odd lines) may be dumped and read when fixing false positives;
 * "test" (even lines) is never dumped and never read — only counted (per kind and per detector family).
 * A false positive = the value refused in any of the three placements (query value, form field, JSON string);
 * the query value and form field are percent-encoded as a client encodes typed text (see placeText).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildContext } from '../src/pipeline/context-builder.js';
import { DEFAULT_WEIGHTS, topFinding } from '../src/threat/scoring.js';
import { checkRequest, FAMILIES, LEVELS, limits, placed, PLACEMENTS, printTable, root, runStages, type Placement } from './detect-common.js';
import type { Levels } from './detect-heldout.js';

interface Row { kind: string; package: string; payload: string }

const pct = (x: number, d: number) => (d === 0 ? '-' : (100 * x / d).toFixed(2));

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

export function debianBenignSection(levels: Levels, dump: string | undefined): void {
  const file = resolve(root, 'test/fixtures/threat/benign-debian/benign.jsonl');
  const all = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Row);
  const kinds = [...new Set(all.map((r) => r.kind))].sort();
  const halves = [['dev', all.filter((_, i) => i % 2 === 0)], ['test', all.filter((_, i) => i % 2 === 1)]] as const;
  console.log(`benign #3 (Debian package metadata, never tuned on; dev = odd lines, may be dumped and read; test = even lines, never dumped, never read — only counted) — ${file}`);
  console.log('text placed as a client sends typed text (query value and form field fully percent-encoded, JSON string); FP = value refused in any placement;');
  console.log('"family" = the detector family of the top finding where it was first refused.\n');
  const fpRows: string[][] = halves.map(([name, rows]) => [`benign-debian ${name}`, String(rows.length)]);
  const kindRows: string[][] = kinds.map((k) => [k, ...halves.map(([, rows]) => String(rows.filter((r) => r.kind === k).length))]);
  const summary: string[] = [];
  for (const { pl, stages } of levels) {
    halves.forEach(([name, rows], hi) => {
      const byFamily = new Map<string, number>();
      const byKind = new Map<string, number>();
      const fps: string[] = [];
      let fp = 0, placedFp = 0;
      for (const r of rows) {
        let first: string | undefined;
        for (const p of PLACEMENTS) {
          const ctx = buildContext(placeText(r.payload, p), limits);
          if (runStages(stages, ctx)?.code !== 'ERR_THREAT') continue;
          placedFp++;
          const top = topFinding(ctx.risk.findings, DEFAULT_WEIGHTS);
          first ??= top?.family ?? '?';
          if (name === 'dev') fps.push(JSON.stringify({ set: 'benign-debian-dev', placement: p, family: top?.family, detail: top?.detail, kind: r.kind, package: r.package, payload: r.payload }));
        }
        if (first === undefined) continue;
        fp++;
        byFamily.set(first, (byFamily.get(first) ?? 0) + 1);
        byKind.set(r.kind, (byKind.get(r.kind) ?? 0) + 1);
      }
      fpRows[hi]!.push(pct(fp, rows.length));
      if (pl === 1) kinds.forEach((k, ki) => kindRows[ki]!.push(String(byKind.get(k) ?? 0)));
      const fams = [...FAMILIES, ...[...byFamily.keys()].filter((f) => !(FAMILIES as readonly string[]).includes(f))];
      summary.push(`PL${pl} benign-debian-${name} false positives ${fp} inputs (${placedFp} placed); by family: ${fams.map((f) => `${f} ${byFamily.get(f) ?? 0}`).join(', ')}`);
      if (dump && name === 'dev') writeFileSync(resolve(dump, `benign-debian-dev-pl${pl}-fp.jsonl`), fps.join('\n') + (fps.length ? '\n' : ''));
    });
  }
  console.log('benign #3 false positives % (refused in any placement)');
  printTable(['benign set', 'inputs', ...LEVELS.map((l) => `PL${l} %`)], fpRows);
  console.log('\nbenign #3 PL1 false positives by kind (inputs)');
  printTable(['kind', 'dev inputs', 'test inputs', 'dev FP', 'test FP'], kindRows.map((r) => [r[0]!, r[1]!, r[2]!, r[3]!, r[4]!]));
  console.log('');
  for (const s of summary) console.log(s);
  if (dump) console.log(`benign-debian dev false positives written to ${dump} (benign-debian-dev-pl*-fp.jsonl; the test half is never dumped)`);
}
