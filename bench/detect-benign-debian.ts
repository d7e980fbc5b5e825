/**
 * Benign #3 of the detection benchmark: values sampled from Debian's package metadata (package descriptions,
 * long descriptions as pasted into a textarea, AppStream texts, maintainer names, homepages, tags, dependency
 * relations; see test/fixtures/threat/benign-debian/README.md). Nobody tuned the detectors on this text.
 *
 * Split like held-out #2 by line parity: "dev" (odd lines) may be dumped and read when fixing false positives;
 * "test" (even lines) is never dumped and never read — only counted (per kind and per detector family).
 * A false positive = the value refused in any of the three placements (query value, form field, JSON string);
 * the query value and form field are percent-encoded as a client encodes typed text (see placeText in detect-benign-text.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { countHalf, pct, summaryLine } from './detect-benign-text.js';
import { LEVELS, printTable, root } from './detect-common.js';
import type { Levels } from './detect-heldout.js';

interface Row { kind: string; package: string; payload: string }

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
      const c = countHalf(stages, rows, dump && name === 'dev' ? { set: 'benign-debian-dev', fields: (r) => ({ package: r.package }) } : undefined);
      fpRows[hi]!.push(pct(c.fp, rows.length));
      if (pl === 1) kinds.forEach((k, ki) => kindRows[ki]!.push(String(c.byKind.get(k) ?? 0)));
      summary.push(summaryLine(pl, `benign-debian-${name}`, c));
      if (dump && name === 'dev') writeFileSync(resolve(dump, `benign-debian-dev-pl${pl}-fp.jsonl`), c.fps.join('\n') + (c.fps.length ? '\n' : ''));
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
