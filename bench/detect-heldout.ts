/**
 * The held-out sections of the detection benchmark: attack and benign strings from sources other than the
 * tuning corpus, measured the same way (detected = refused in all three placements; a false positive =
 * a benign input refused in any placement).
 *  - test/fixtures/threat/heldout: libinjection's test data (see its README);
 *  - test/fixtures/threat/heldout2: OWASP CRS regression tests, with the CRS paranoia level of each rule.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildContext } from '../src/pipeline/context-builder.js';
import type { Stage } from '../src/pipeline/stage.js';
import { DEFAULT_WEIGHTS, topFinding } from '../src/threat/scoring.js';
import { FAMILIES, LEVELS, limits, placed, PLACEMENTS, printTable, root, runStages, type Placement } from './detect-common.js';

export type Levels = Array<{ pl: number; stages: Stage[] }>;

interface Item { payload: string; bucket?: string; note?: Record<string, unknown> }

interface HeldOutSet {
  /** file prefix of the dump files and label in the summary lines */
  tag: string;
  title: string;
  intro: string;
  families: Record<string, Item[]>;
  benign: Item[];
  benignName: string;
  place: (payload: string, where: Placement) => unknown;
  /** PL1 detection split by these buckets (column headers) when given */
  buckets?: Array<[string, string]>;
  bucketsTitle?: string;
}

const pct = (x: number, d: number) => (d === 0 ? '-' : (100 * x / d).toFixed(2));

function section(set: HeldOutSet, levels: Levels, dump: string | undefined): void {
  const fams = Object.keys(set.families);
  console.log(set.title);
  console.log(set.intro);
  console.log('same definitions as above: detected = refused in all three placements; FP = benign input refused in any placement.\n');
  const detRows: string[][] = fams.map((f) => [f, String(set.families[f]!.length)]);
  const placeRows: string[][] = [];
  const bucketRows: string[][] = [];
  const fpRow: string[] = [set.benignName, String(set.benign.length)];
  const summary: string[] = [];
  for (const { pl, stages } of levels) {
    const refusedIn = (payload: string) => PLACEMENTS.filter((p) => runStages(stages, buildContext(set.place(payload, p), limits))?.code === 'ERR_THREAT');
    const missCounts: string[] = [];
    fams.forEach((fam, fi) => {
      const items = set.families[fam]!;
      const hits: Record<Placement, number> = { query: 0, form: 0, json: 0 };
      const byBucket = new Map<string, [number, number]>((set.buckets ?? []).map(([b]) => [b, [0, 0]]));
      const misses: string[] = [];
      for (const it of items) {
        const got = refusedIn(it.payload);
        for (const p of got) hits[p]++;
        const b = it.bucket === undefined ? undefined : byBucket.get(it.bucket);
        if (b) b[1]++;
        if (got.length === PLACEMENTS.length) { if (b) b[0]++; } else misses.push(JSON.stringify({ ...it.note, payload: it.payload, refused_in: got }));
      }
      detRows[fi]!.push(pct(items.length - misses.length, items.length));
      if (pl === 1) {
        placeRows.push([fam, ...PLACEMENTS.map((p) => pct(hits[p], items.length))]);
        if (set.buckets) bucketRows.push([fam, ...set.buckets.map(([b]) => `${pct(byBucket.get(b)![0], byBucket.get(b)![1])} (${byBucket.get(b)![1]})`)]);
      }
      missCounts.push(`${fam} ${misses.length}`);
      if (dump) writeFileSync(resolve(dump, `${set.tag}-pl${pl}-missed-${fam}.jsonl`), misses.join('\n') + (misses.length ? '\n' : ''));
    });
    const fps: string[] = [];
    let fp = 0;
    for (const it of set.benign) {
      let flagged = false;
      for (const p of PLACEMENTS) {
        const ctx = buildContext(set.place(it.payload, p), limits);
        if (runStages(stages, ctx)?.code !== 'ERR_THREAT') continue;
        flagged = true;
        const top = topFinding(ctx.risk.findings, DEFAULT_WEIGHTS);
        fps.push(JSON.stringify({ set: `${set.tag}-benign`, placement: p, family: top?.family, detail: top?.detail, ...it.note, payload: it.payload }));
      }
      if (flagged) fp++;
    }
    fpRow.push(pct(fp, set.benign.length));
    summary.push(`PL${pl} ${set.tag} misses: ${missCounts.join(', ')}; false positives ${fp} inputs (${fps.length} placed)`);
    if (dump) writeFileSync(resolve(dump, `${set.tag}-pl${pl}-fp.jsonl`), fps.join('\n') + (fps.length ? '\n' : ''));
  }
  console.log(`${set.tag} detection % (all 3 placements)`);
  printTable(['family', 'payloads', ...LEVELS.map((l) => `PL${l} %`)], detRows);
  console.log(`\n${set.tag} PL1 detection by placement %`);
  printTable(['family', ...PLACEMENTS.map((p) => `${p} %`)], placeRows);
  if (set.buckets) {
    console.log(`\n${set.tag} ${set.bucketsTitle ?? 'PL1 detection % by bucket'}`);
    printTable(['family', ...set.buckets.map(([, h]) => h)], bucketRows);
  }
  console.log(`\n${set.tag} false positives % (refused in any placement)`);
  printTable(['benign set', 'inputs', ...LEVELS.map((l) => `PL${l} %`)], [fpRow]);
  console.log('');
  for (const m of summary) console.log(m);
  if (dump) console.log(`${set.tag} misses and false positives written to ${dump} (${set.tag}-pl*-missed-*.jsonl, ${set.tag}-pl*-fp.jsonl)`);
  console.log('');
}

/**
 * libinjection's test lines are URL-encoded user input ("as might be found in a query string"; its reader
 * URL-decodes each line once: '+' is a space, %XX a byte, anything else literal). So the line itself is what
 * a query value or form field carries, and the decoded line is what a JSON string carries. A '%' not followed
 * by two hex digits is a literal '%' to libinjection; it is sent as %25 so the gateway decodes the same value.
 */
function urlDecodeOnce(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '+') bytes.push(0x20);
    else if (ch === '%' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) { bytes.push(parseInt(s.slice(i + 1, i + 3), 16)); i += 2; }
    else { const cp = s.codePointAt(i)!; const c = String.fromCodePoint(cp); bytes.push(...Buffer.from(c, 'utf8')); i += c.length - 1; }
  }
  return Buffer.from(bytes).toString('utf8');
}
const placeLibinjection = (line: string, where: Placement): unknown =>
  where === 'json' ? placed(urlDecodeOnce(line), 'json') : placed(line.replace(/%(?![0-9a-fA-F]{2})/g, '%25'), where);

/** One input a line, libinjection's convention: blank lines and lines starting with '#' are skipped. */
const readLines = (file: string): Item[] => readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#')).map((payload) => ({ payload }));

export function libinjectionSection(levels: Levels, dump: string | undefined): void {
  const dir = resolve(root, 'test/fixtures/threat/heldout');
  section({
    tag: 'heldout',
    title: `held-out #1 (libinjection test data; its false positives and some misses were read while fixing the detectors in session 3) — ${dir}`,
    intro: 'lines are URL-encoded user input (libinjection convention): the query value and form field carry the line, the JSON string the line URL-decoded once.',
    families: { sqli: readLines(resolve(dir, 'sqli.txt')), xss: readLines(resolve(dir, 'xss.txt')) },
    benign: readLines(resolve(dir, 'benign.txt')),
    benignName: 'benign.txt (libinjection false_positives)',
    place: placeLibinjection,
  }, levels, dump);
}

/** OWASP CRS regression tests: each row is an attacker-controlled value already URL-decoded once. */
interface CrsRow { pl?: number | null; rule: number; payload: string }

/**
 * The CRS set is split in two by line parity: "dev" (odd lines, 1st, 3rd …) may be read to find what the
 * detectors miss; "test" (even lines) is never dumped or read, so it stays a held-out measurement.
 */
export function crsSection(levels: Levels, dump: string | undefined): void {
  const dir = resolve(root, 'test/fixtures/threat/heldout2');
  const read = (f: string): Item[] => (existsSync(resolve(dir, f)) ? readFileSync(resolve(dir, f), 'utf8').split('\n').filter((l) => l.trim() !== '') : [])
    .map((l) => JSON.parse(l) as CrsRow)
    .map((r) => ({ payload: r.payload, bucket: r.pl === 1 || r.pl === 2 || r.pl === 3 || r.pl === 4 ? String(r.pl) : '?', note: { crs_pl: r.pl ?? null, rule: r.rule } }));
  const half = (items: Item[], odd: boolean) => items.filter((_, i) => (i % 2 === 0) === odd);
  const all = Object.fromEntries(FAMILIES.filter((f) => existsSync(resolve(dir, `${f}.jsonl`))).map((f) => [f, read(`${f}.jsonl`)]));
  const benign = read('benign.jsonl');
  for (const [name, odd] of [['dev', true], ['test', false]] as const) {
    section({
      tag: `heldout2-${name}`,
      title: `held-out #2 ${name} half (OWASP CRS regression tests; ${odd ? 'odd lines: may be read when fixing the detectors' : 'even lines: never dumped, never read — the held-out measurement'}) — ${dir}`,
      intro: 'each line is the attacker-controlled value of one CRS test (URL-decoded once), placed like the tuning corpus.',
      families: Object.fromEntries(Object.entries(all).map(([f, items]) => [f, half(items, odd)])),
      benign: half(benign, odd),
      benignName: 'benign.jsonl (CRS false-positive/negative tests)',
      place: placed,
      buckets: [['1', 'CRS PL1'], ['2', 'CRS PL2'], ['3', 'CRS PL3'], ['4', 'CRS PL4'], ['?', 'CRS PL ?']],
      bucketsTitle: 'PL1 detection % by paranoia level of the CRS rule tested (payloads in brackets)',
    }, levels, odd ? dump : undefined);
  }
}
