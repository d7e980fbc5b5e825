/**
 * Benign #4 of the detection benchmark: markdown written by developers (README/CHANGELOG/docs paragraphs, lists
 * and tables, whole sections, fenced code blocks, paragraphs with code spans), as an issue tracker, forum, CMS or
 * docs API receives it; sampled from the *.md files of Go modules, npm packages, Debian docs and the Go
 * distribution (see test/fixtures/threat/benign-markdown/README.md). Nobody tuned the detectors on this text.
 *
 * Split like benign #3 by line parity: "dev" (odd lines) may be dumped and read when fixing false positives;
 * "test" (even lines) is never dumped and never read — only counted (per kind, level and detector family).
 * A false positive = the value refused in any of the three placements (query value, form field, JSON string).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pino } from 'pino';
import { buildContext } from '../src/pipeline/context-builder.js';
import type { Stage } from '../src/pipeline/stage.js';
import { MemoryStore } from '../src/store/memory.js';
import { threatModule } from '../src/threat/module.js';
import { countHalf, pct, placeText, summaryLine } from './detect-benign-text.js';
import { LEVELS, limits, PLACEMENTS, printTable, root, runStages } from './detect-common.js';
import type { Levels } from './detect-heldout.js';

interface Row { kind: string; source: string; payload: string }

/** Values refused in any placement, per kind. */
function refusedByKind(stages: Stage[], rows: readonly Row[]): Map<string, number> {
  const byKind = new Map<string, number>();
  for (const r of rows) {
    if (PLACEMENTS.some((p) => runStages(stages, buildContext(placeText(r.payload, p), limits))?.code === 'ERR_THREAT')) byKind.set(r.kind, (byKind.get(r.kind) ?? 0) + 1);
  }
  return byKind;
}

/**
 * The same stages as the bench's levels but with `inspect.markup: allow` — what the README tells a rich-text
 * route (a CMS, forum or docs API) to set: HTML without script is no finding.
 */
async function richTextLevels(): Promise<Array<{ pl: number; stages: Stage[]; close?: () => Promise<void> | void }>> {
  const store = new MemoryStore();
  const out = [];
  for (const pl of LEVELS) {
    const mod = await threatModule.create({
      paranoia: pl, inspect: { markup: 'allow' }, ban: { ttl_ms: 0, cache_ms: 3_600_000 }, anomaly: { enabled: false }, bot: { cadence: { enabled: false } }, events: { log: false },
    }, { store, logger: pino({ level: 'silent' }), configPath: resolve(root, 'bench.yaml'), configDir: root });
    const stages = mod.stages(undefined, { name: 'bench-rich-text', index: 0 });
    // the first Check asks the store whether the bench client is banned (async); later ones hit the cache
    const warm = buildContext(placeText('warm', 'query'), limits);
    for (const st of stages) { const r = st.run(warm); if (r && typeof (r as Promise<unknown>).then === 'function') await r; }
    out.push({ pl, stages, close: mod.close?.bind(mod) });
  }
  return out;
}

export async function markdownBenignSection(levels: Levels, dump: string | undefined): Promise<void> {
  const file = resolve(root, 'test/fixtures/threat/benign-markdown/benign.jsonl');
  const all = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Row);
  const kinds = [...new Set(all.map((r) => r.kind))].sort();
  const halves = [['dev', all.filter((_, i) => i % 2 === 0)], ['test', all.filter((_, i) => i % 2 === 1)]] as const;
  console.log(`benign #4 (developer markdown: READMEs, changelogs, docs; never tuned on; dev = odd lines, may be dumped and read; test = even lines, never dumped, never read — only counted) — ${file}`);
  console.log('text placed as a client sends typed text (query value and form field fully percent-encoded, JSON string); FP = value refused in any placement;');
  console.log('"family" = the detector family of the top finding where it was first refused.\n');
  const fpRows: string[][] = halves.map(([name, rows]) => [`benign-markdown ${name}`, String(rows.length)]);
  // kind × half → FP count per level
  const kindRows: string[][] = kinds.flatMap((k) => halves.map(([name, rows]) => [`${k} ${name}`, String(rows.filter((r) => r.kind === k).length)]));
  const summary: string[] = [];
  for (const { pl, stages } of levels) {
    halves.forEach(([name, rows], hi) => {
      const c = countHalf(stages, rows, dump && name === 'dev' ? { set: 'benign-markdown-dev', fields: (r) => ({ source: r.source }) } : undefined);
      fpRows[hi]!.push(pct(c.fp, rows.length));
      kinds.forEach((k, ki) => { const row = kindRows[ki * 2 + hi]!; row.push(`${c.byKind.get(k) ?? 0} (${pct(c.byKind.get(k) ?? 0, Number(row[1]))})`); });
      summary.push(summaryLine(pl, `benign-markdown-${name}`, c));
      if (dump && name === 'dev') writeFileSync(resolve(dump, `benign-markdown-dev-pl${pl}-fp.jsonl`), c.fps.join('\n') + (c.fps.length ? '\n' : ''));
    });
  }
  console.log('benign #4 false positives % (refused in any placement)');
  printTable(['benign set', 'inputs', ...LEVELS.map((l) => `PL${l} %`)], fpRows);
  console.log('\nbenign #4 false positives by kind and half: inputs refused (%)');
  printTable(['kind, half', 'inputs', ...LEVELS.map((l) => `PL${l}`)], kindRows);
  console.log('');
  for (const s of summary) console.log(s);
  if (dump) console.log(`benign-markdown dev false positives written to ${dump} (benign-markdown-dev-pl*-fp.jsonl; the test half is never dumped)`);

  console.log('\nbenign #4 on a rich-text route (inspect.markup: allow, as the README advises for CMS/forum/docs routes): inputs refused (%)');
  const rich = await richTextLevels();
  const richRows: string[][] = [...kinds.flatMap((k) => halves.map(([name, rows]) => [`${k} ${name}`, String(rows.filter((r) => r.kind === k).length)])), ...halves.map(([name, rows]) => [`all ${name}`, String(rows.length)])];
  for (const { stages } of rich) {
    halves.forEach(([, rows], hi) => {
      const byKind = refusedByKind(stages, rows);
      kinds.forEach((k, ki) => { const row = richRows[ki * 2 + hi]!; row.push(`${byKind.get(k) ?? 0} (${pct(byKind.get(k) ?? 0, Number(row[1]))})`); });
      const total = [...byKind.values()].reduce((a, b) => a + b, 0);
      richRows[kinds.length * 2 + hi]!.push(`${total} (${pct(total, rows.length)})`);
    });
  }
  printTable(['kind, half', 'inputs', ...LEVELS.map((l) => `PL${l}`)], richRows);
  for (const l of rich) await l.close?.();
}
