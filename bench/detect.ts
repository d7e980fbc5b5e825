/**
 * Detection quality and cost of the threat module (`npm run bench:detect`).
 *
 * Every attack in shared/corpus/attacks.jsonl is placed the way traffic carries it — a query value, a
 * form field, a JSON string — and sent through the threat stages exactly as a Check would run them
 * (CheckRequest → RequestContext → screen/inspect stages). A request counts as detected when the stages
 * refuse it (risk score ≥ the block threshold). Benign inputs (shared/corpus/benign.jsonl and this repo's
 * realistic API-traffic fixture) are placed the same way; a refusal there is a false positive.
 * Runs once per paranoia level (threat.paranoia 1–4) and prints the levels side by side, then the
 * inspection time of typical requests (median, p99) at PL1 and PL4. BENCH_DUMP=dir writes every miss and
 * false positive per level to dir.
 *
 * Then the held-out sections (bench/detect-heldout.ts) measure attack and benign strings from other sources
 * the same way: libinjection's test data and OWASP CRS regression tests; then benign #3
 * (bench/detect-benign-debian.ts): false positives on text sampled from Debian's package metadata. Last, the
 * evasion section (bench/detect-evasion.ts) re-encodes the detected corpus attacks as attackers encode and
 * measures again.
 *
 * Corpus location: $PORTCULLIS_CORPUS, else ../shared/corpus beside the repository.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pino } from 'pino';
import { buildContext } from '../src/pipeline/context-builder.js';
import type { Stage } from '../src/pipeline/stage.js';
import { MemoryStore } from '../src/store/memory.js';
import { threatModule } from '../src/threat/module.js';
import { topFinding, DEFAULT_WEIGHTS } from '../src/threat/scoring.js';
import { FAMILIES, LEVELS, limits, placed, PLACEMENTS, printTable, root, runStages, checkRequest, type Placement } from './detect-common.js';
import { debianBenignSection } from './detect-benign-debian.js';
import { markdownBenignSection } from './detect-benign-markdown.js';
import { evasionSection } from './detect-evasion.js';
import { scalingSection } from './detect-scaling.js';
import { crsSection, libinjectionSection } from './detect-heldout.js';

function corpusDir(): string {
  const candidates = [process.env.PORTCULLIS_CORPUS, resolve(root, '..', 'shared', 'corpus'), resolve(root, '..', '..', 'shared', 'corpus')].filter(Boolean) as string[];
  for (const c of candidates) if (existsSync(resolve(c, 'attacks.jsonl'))) return c;
  throw new Error(`corpus not found (tried ${candidates.join(', ')}); set PORTCULLIS_CORPUS`);
}

interface Row { family: string; label: string; payload: string; category?: string }
const readJsonl = (file: string): Row[] => readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Row);

/**
 * The corpus keeps the fuzzers' template placeholders: fuzzdb's command-injection-template.txt has `{cmd}`
 * ("the command to run"), the traversal lists have `{FILE}` ("the file to reach"), the blind-SQL lists
 * have `__TIME__` ("seconds to sleep"). A fuzzer fills them before sending, so this is what traffic
 * carries. The fill values are the lists' own examples. The as-listed (unfilled) PL1 rate is printed too.
 */
const TEMPLATE_FILL: Array<[string, string]> = [['{cmd}', 'id'], ['{FILE}', 'etc/passwd'], ['__TIME__', '5']];
function fillTemplate(payload: string): string {
  let s = payload;
  for (const [k, v] of TEMPLATE_FILL) s = s.split(k).join(v);
  return s;
}

async function main(): Promise<void> {
  const dir = corpusDir();
  const attacksListed = readJsonl(resolve(dir, 'attacks.jsonl'));
  const attacks = attacksListed.map((a) => ({ ...a, payload: fillTemplate(a.payload) }));
  const templated = attacksListed.filter((a, i) => a.payload !== attacks[i]!.payload).length;
  const benignCorpus = readJsonl(resolve(dir, 'benign.jsonl'));
  const benignApi = readJsonl(resolve(root, 'test/fixtures/threat/benign-api.jsonl'));
  const logger = pino({ level: 'silent' });
  const store = new MemoryStore();
  const dump = process.env.BENCH_DUMP; // a folder: every miss and false positive per level, one JSON line each
  if (dump) mkdirSync(dump, { recursive: true });
  const levels: Array<{ pl: number; stages: Stage[]; close?: () => Promise<void> | void }> = [];
  /** PL1 route with inspection exclusions (timed beside the route without). */
  let excludedStages: Stage[] = [];
  for (const pl of LEVELS) {
    const mod = await threatModule.create({
      paranoia: pl,
      // cache_ms above the schema's 60 s maximum (the module is built here without the loader): the run takes longer
      // than a minute, and an expired "not banned" answer would make the screen stage ask the store (async)
      ban: { ttl_ms: 0, cache_ms: 3_600_000 },
      anomaly: { enabled: false },
      bot: { cadence: { enabled: false } },
      events: { log: false },
    }, { store, logger, configPath: resolve(root, 'bench.yaml'), configDir: root });
    const stages = mod.stages(undefined, { name: 'bench', index: 0 });
    // warm the ban cache for the bench client so no lookup goes to the store during timing
    const warm = buildContext(placed('warm', 'query'), limits);
    for (const st of stages) { const r = st.run(warm); if (r && typeof (r as Promise<unknown>).then === 'function') await r; }
    levels.push({ pl, stages, close: mod.close?.bind(mod) });
    if (pl === 1) {
      excludedStages = mod.stages({ exclude: [{ input: 'body.$.comment' }, { input: 'body.$.items[*].note', families: ['xss', 'cmdi'] }] }, { name: 'bench-exclude', index: 0 });
      for (const st of excludedStages) { const r = st.run(buildContext(placed('warm', 'query'), limits)); if (r && typeof (r as Promise<unknown>).then === 'function') await r; }
    }
  }

  console.log(`threat detection benchmark — corpus ${dir}`);
  console.log('detected = refused by the threat stages (score >= block threshold 0.8) in all three placements (query value, form field, JSON string);');
  console.log('PLn = threat.paranoia n (1 = default). FP = benign inputs refused in any placement.');
  console.log(`${templated} attack payloads carry a fuzzer placeholder, filled as a fuzzer would: ${TEMPLATE_FILL.map(([k, v]) => `${k} → ${v}`).join(', ')}.\n`);

  const pct = (x: number, d: number) => (100 * x / d).toFixed(2);
  const detRows: string[][] = FAMILIES.map((f) => [f, String(attacks.filter((a) => a.family === f).length)]);
  const placeRows: string[][] = [];
  const fpRows: string[][] = [['benign.jsonl (corpus)', String(benignCorpus.length)], ['benign-api.jsonl (fixture)', String(benignApi.length)], ['overall (placed inputs)', String(3 * (benignCorpus.length + benignApi.length))]];
  const missed: string[] = [];
  const pl1Misses = new Map<string, string[]>();
  let pl1Fp = 0;
  for (const { pl, stages } of levels) {
    const misses = new Map<string, string[]>();
    let totalHit = 0, totalN = 0;
    FAMILIES.forEach((fam, fi) => {
      const list = attacks.filter((a) => a.family === fam);
      const hits: Record<Placement, number> = { query: 0, form: 0, json: 0 };
      let all3 = 0;
      for (const a of list) {
        let n = 0;
        for (const p of PLACEMENTS) {
          const ctx = buildContext(placed(a.payload, p), limits);
          if (runStages(stages, ctx)?.code === 'ERR_THREAT') { hits[p]++; n++; }
        }
        if (n === 3) all3++;
        else { const m = misses.get(fam) ?? []; m.push(a.payload); misses.set(fam, m); }
        totalHit += n; totalN += 3;
      }
      detRows[fi]!.push(pct(all3, list.length));
      if (pl === 1) placeRows.push([fam, ...PLACEMENTS.map((p) => pct(hits[p], list.length))]);
    });
    const fps: string[] = [];
    let fpAll = 0, nAll = 0;
    [benignCorpus, benignApi].forEach((set, si) => {
      let fp = 0;
      for (const b of set) {
        let flagged = false;
        for (const p of PLACEMENTS) {
          const ctx = buildContext(placed(b.payload, p), limits);
          if (runStages(stages, ctx)?.code === 'ERR_THREAT') {
            fpAll++; flagged = true;
            const top = topFinding(ctx.risk.findings, DEFAULT_WEIGHTS);
            fps.push(JSON.stringify({ set: si === 0 ? 'benign' : 'benign-api', placement: p, family: top?.family, detail: top?.detail, payload: b.payload }));
          }
        }
        if (flagged) fp++;
        nAll += 3;
      }
      fpRows[si]!.push(pct(fp, set.length));
    });
    fpRows[2]!.push(pct(fpAll, nAll));
    if (pl === 1) { for (const [f, m] of misses) pl1Misses.set(f, m); pl1Fp = 100 * fpAll / nAll; }
    missed.push(`PL${pl} misses: ${FAMILIES.map((f) => `${f} ${misses.get(f)?.length ?? 0}`).join(', ')}; overall detection ${pct(totalHit, totalN)}% of ${totalN} placed payloads; false positives ${fps.length}`);
    if (dump) {
      for (const f of FAMILIES) writeFileSync(resolve(dump, `pl${pl}-missed-${f}.jsonl`), (misses.get(f) ?? []).map((x) => JSON.stringify(x)).join('\n') + '\n');
      writeFileSync(resolve(dump, `pl${pl}-fp.jsonl`), fps.join('\n') + '\n');
    }
  }
  console.log('detection % (all 3 placements)');
  printTable(['family', 'payloads', ...LEVELS.map((l) => `PL${l} %`)], detRows);
  console.log('');
  console.log('false positives %');
  printTable(['benign set', 'inputs', ...LEVELS.map((l) => `PL${l} %`)], fpRows);
  console.log('');
  console.log('PL1 detection by placement %');
  printTable(['family', ...PLACEMENTS.map((p) => `${p} %`)], placeRows);
  console.log('');
  for (const m of missed) console.log(m);
  {
    const pl1 = levels[0]!.stages;
    const cells = FAMILIES.map((fam) => {
      const list = attacksListed.filter((a) => a.family === fam);
      let all3 = 0;
      for (const a of list) if (PLACEMENTS.every((p) => runStages(pl1, buildContext(placed(a.payload, p), limits))?.code === 'ERR_THREAT')) all3++;
      return `${fam} ${pct(all3, list.length)}%`;
    });
    console.log(`PL1 as listed (placeholders left unfilled): ${cells.join(', ')}`);
  }
  {
    // What the PL1 misses are made of: a value of words only (letters, digits, blanks, ':', '.', ',') has no
    // quote, operator, comment or separator to break out of a data context with.
    const wordsOnly = (s: string) => /^[\p{L}\p{N}_\s:.,]*$/u.test(s);
    const cells = FAMILIES.map((f) => { const m = pl1Misses.get(f) ?? []; return `${f} ${m.filter(wordsOnly).length} of ${m.length}`; });
    console.log(`PL1 misses that are words only (no quote, operator, comment or separator): ${cells.join(', ')}`);
    const benignSet = new Set([...benignCorpus, ...benignApi].map((b) => b.payload.trim().toLowerCase()));
    const same = attacks.filter((a) => benignSet.has(a.payload.trim().toLowerCase()));
    console.log(`attack payloads identical (case-insensitively) to a benign input: ${same.length} (${same.map((a) => `${a.family} ${JSON.stringify(a.payload.trim())}`).join(', ')})`);
    const t = (fam: string) => Number(pct(attacks.filter((a) => a.family === fam).length - (pl1Misses.get(fam)?.length ?? 0), attacks.filter((a) => a.family === fam).length));
    const verdict = FAMILIES.map((f) => `${f} ${t(f) >= 99 ? 'met' : 'NOT met'}`).join(', ');
    console.log(`PL1 against the targets (>= 99 % per family, <= 0.5 % FP): ${verdict}; FP ${pl1Fp <= 0.5 ? 'met' : 'NOT met'} (${pl1Fp.toFixed(2)} %)`);
  }
  if (dump) console.log(`misses and false positives written to ${dump}`);
  console.log('');

  // ---- cost ----
  const typicalGet = checkRequest('GET', '/api/v1/products?q=running+shoes&category=men%27s&sort=-price&page=2&limit=20', {
    referer: 'https://shop.example.com/catalog?page=1', cookie: 'session=8f3a9c2e1b7d4f60; theme=dark; consent=yes',
  });
  const typicalPost = checkRequest('POST', '/api/v1/orders', { 'content-type': 'application/json', cookie: 'session=8f3a9c2e1b7d4f60' }, JSON.stringify({
    customer: { name: "Seán O'Brien", email: 'sean.obrien@example.com', phone: '+353 1 555 0100' },
    shipping: { line1: "12 O'Connell St.", city: 'Dublin', postcode: 'D01 F5P2', country: 'IE' },
    items: [{ sku: 'SKU-1234-XL', qty: 2, note: 'Gift wrap, please; no receipt (it is a present).' }, { sku: 'SKU-5678-S', qty: 1 }],
    comment: 'Please leave the parcel with the neighbour if nobody\'s home -- thanks!', coupon: 'SPRING24',
  }));
  const attackGet = placed("1' UNION SELECT username, password FROM users--", 'query');
  console.log(`inspection time per request (screen + inspect stages, context already built; machine load ${loadavg().map((x) => x.toFixed(1)).join(' ')}):`);
  const timed: string[][] = [];
  for (const { pl, stages } of levels) {
    if (pl !== 1 && pl !== LEVELS[LEVELS.length - 1]) continue;
    timed.push([`PL${pl} typical GET (5 query params, cookie, referer)`, ...timing(stages, typicalGet)]);
    timed.push([`PL${pl} typical POST (JSON order, ~600 B)`, ...timing(stages, typicalPost)]);
    timed.push([`PL${pl} SQLi in a query value (blocked)`, ...timing(stages, attackGet)]);
    if (pl === 1) timed.push(['PL1 typical POST, route with 2 exclusions ([*] one)', ...timing(excludedStages, typicalPost)]);
  }
  printTable(['request', 'median µs', 'p99 µs', 'mean CPU µs', 'iterations'], timed);
  console.log('');
  libinjectionSection(levels, dump);
  console.log('');
  crsSection(levels, dump);
  console.log('');
  debianBenignSection(levels, dump);
  console.log('');
  await markdownBenignSection(levels, dump);
  console.log('');
  evasionSection(levels[0]!.stages, attacks, dump);
  await scalingSection(levels);
  await store.close();
  for (const l of levels) await l.close?.();
}

function timing(stages: Stage[], req: unknown): [string, string, string, string] {
  const n = 20000;
  const t = new Float64Array(n);
  for (let i = 0; i < 2000; i++) runStages(stages, buildContext(req, limits));
  let cpu = 0;
  for (let i = 0; i < n; i++) {
    const ctx = buildContext(req, limits);
    const c0 = process.cpuUsage();
    const a = process.hrtime.bigint();
    runStages(stages, ctx);
    t[i] = Number(process.hrtime.bigint() - a) / 1000;
    const c1 = process.cpuUsage(c0);
    cpu += c1.user + c1.system;
  }
  t.sort();
  return [t[Math.floor(n / 2)]!.toFixed(1), t[Math.floor(n * 0.99)]!.toFixed(1), (cpu / n).toFixed(1), String(n)];
}

main().catch((err) => { console.error(err); process.exit(1); });
