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
 * Last, a held-out section measures test/fixtures/threat/heldout (libinjection's test data, never used for
 * tuning; see its README) the same way: detection per family in all three placements, false positives on
 * libinjection's false_positives.txt.
 *
 * Then a second held-out section measures test/fixtures/threat/heldout2 (OWASP CRS regression tests, never used
 * for tuning; see its README): detection per family at PL1–4, PL1 detection split by the paranoia level of the CRS
 * rule each payload tests, and false positives on the CRS tests titled as false-positive/negative cases.
 *
 * Corpus location: $PORTCULLIS_CORPUS, else ../shared/corpus beside the repository.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../src/pipeline/context-builder.js';
import type { RequestContext } from '../src/pipeline/context.js';
import { Deny } from '../src/pipeline/deny.js';
import type { Stage } from '../src/pipeline/stage.js';
import { MemoryStore } from '../src/store/memory.js';
import { threatModule } from '../src/threat/module.js';
import { topFinding, DEFAULT_WEIGHTS } from '../src/threat/scoring.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FAMILIES = ['sqli', 'xss', 'traversal', 'cmdi'] as const;
const PLACEMENTS = ['query', 'form', 'json'] as const;
const LEVELS = [1, 2, 3, 4] as const;
type Placement = (typeof PLACEMENTS)[number];

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

/**
 * Percent-encode what would break a query string or form body (space, &, #, non-ASCII, controls) and
 * leave the rest as the list gives it: `%2e` and `+` stay, so URL-encoded payloads arrive URL-encoded.
 */
function formValue(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c <= 0x20 || c >= 0x7f || ch === '&' || ch === '#' || ch === '"' || ch === '<' || ch === '>' || ch === '`' || ch === '{' || ch === '}' || ch === '|' || ch === '\\' || ch === '^') {
      out += encodeURIComponent(ch).replace(/[!'()*]/g, (x) => `%${x.charCodeAt(0).toString(16).toUpperCase()}`);
      if (ch === '\\' || ch === '^' || ch === '`' || ch === '{' || ch === '}' || ch === '|' || ch === '"' || ch === '<' || ch === '>') { /* already encoded */ }
    } else out += ch;
  }
  return out;
}

const BROWSER_HEADERS: Record<string, string> = {
  'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  accept: 'application/json, text/plain, */*',
  'accept-language': 'en-GB,en;q=0.9',
  'accept-encoding': 'gzip, deflate, br',
  'sec-fetch-mode': 'cors',
  'sec-fetch-site': 'same-origin',
  'x-request-id': 'bench',
};

function checkRequest(method: string, path: string, headers: Record<string, string>, body?: string): unknown {
  const all: Record<string, string> = { ':authority': 'shop.example.com', ...BROWSER_HEADERS, ...headers };
  if (body !== undefined) all['content-length'] = String(Buffer.byteLength(body));
  return {
    attributes: {
      source: { address: { socket_address: { address: '203.0.113.7', port_value: 50000 } } },
      request: { http: { method, path, host: 'shop.example.com', scheme: 'https', protocol: 'HTTP/1.1', headers: all, raw_body: body === undefined ? undefined : Buffer.from(body) } },
    },
  };
}

function placed(payload: string, where: Placement): unknown {
  switch (where) {
    case 'query': return checkRequest('GET', `/api/search?q=${formValue(payload)}&page=1`, {});
    case 'form': return checkRequest('POST', '/api/comments', { 'content-type': 'application/x-www-form-urlencoded' }, `name=alice&comment=${formValue(payload)}&notify=1`);
    case 'json': return checkRequest('POST', '/api/items', { 'content-type': 'application/json' }, JSON.stringify({ name: 'alice', comment: payload, tags: ['a', 'b'], qty: 2 }));
  }
}

const limits = { limits: { ...DEFAULT_REQUEST_LIMITS }, trustedHops: 0 };

function runStages(stages: Stage[], ctx: RequestContext): Deny | undefined {
  for (const st of stages) {
    const r = st.run(ctx);
    if (r instanceof Deny) return r;
    if (r && typeof (r as Promise<unknown>).then === 'function') throw new Error(`stage ${st.name} went async in the benchmark`);
  }
  return undefined;
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
  for (const pl of LEVELS) {
    const mod = await threatModule.create({
      paranoia: pl,
      ban: { ttl_ms: 0, cache_ms: 60_000 },
      anomaly: { enabled: false },
      bot: { cadence: { enabled: false } },
      events: { log: false },
    }, { store, logger, configPath: resolve(root, 'bench.yaml'), configDir: root });
    const stages = mod.stages(undefined, { name: 'bench', index: 0 });
    // warm the ban cache for the bench client so no lookup goes to the store during timing
    const warm = buildContext(placed('warm', 'query'), limits);
    for (const st of stages) { const r = st.run(warm); if (r && typeof (r as Promise<unknown>).then === 'function') await r; }
    levels.push({ pl, stages, close: mod.close?.bind(mod) });
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
  }
  printTable(['request', 'median µs', 'p99 µs', 'mean CPU µs', 'iterations'], timed);
  console.log('');
  heldOut(levels, dump);
  console.log('');
  heldOut2(levels, dump);
  await store.close();
  for (const l of levels) await l.close?.();
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
const placedHeldOut = (line: string, where: Placement): unknown =>
  where === 'json' ? placed(urlDecodeOnce(line), 'json') : placed(line.replace(/%(?![0-9a-fA-F]{2})/g, '%25'), where);

/** One input a line, libinjection's convention: blank lines and lines starting with '#' are skipped. */
const readLines = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));

function heldOut(levels: Array<{ pl: number; stages: Stage[] }>, dump: string | undefined): void {
  const dir = resolve(root, 'test/fixtures/threat/heldout');
  const fams = ['sqli', 'xss'] as const;
  const sets = Object.fromEntries(fams.map((f) => [f, readLines(resolve(dir, `${f}.txt`))])) as Record<(typeof fams)[number], string[]>;
  const benign = readLines(resolve(dir, 'benign.txt'));
  const pct = (x: number, d: number) => (100 * x / d).toFixed(2);
  console.log(`held-out (libinjection test data, never used for tuning) — ${dir}`);
  console.log('lines are URL-encoded user input (libinjection convention): the query value and form field carry the line, the JSON string the line URL-decoded once.');
  console.log('same definitions as above: detected = refused in all three placements; FP = benign input refused in any placement.\n');
  const detRows: string[][] = fams.map((f) => [f, String(sets[f].length)]);
  const placeRows: string[][] = [];
  const fpRow: string[] = ['benign.txt (libinjection false_positives)', String(benign.length)];
  const summary: string[] = [];
  for (const { pl, stages } of levels) {
    const refusedIn = (line: string) => PLACEMENTS.filter((p) => runStages(stages, buildContext(placedHeldOut(line, p), limits))?.code === 'ERR_THREAT');
    const missCounts: string[] = [];
    fams.forEach((fam, fi) => {
      const hits: Record<Placement, number> = { query: 0, form: 0, json: 0 };
      const misses: string[] = [];
      for (const line of sets[fam]) {
        const got = refusedIn(line);
        for (const p of got) hits[p]++;
        if (got.length !== PLACEMENTS.length) misses.push(JSON.stringify({ line, refused_in: got }));
      }
      detRows[fi]!.push(pct(sets[fam].length - misses.length, sets[fam].length));
      if (pl === 1) placeRows.push([fam, ...PLACEMENTS.map((p) => pct(hits[p], sets[fam].length))]);
      missCounts.push(`${fam} ${misses.length}`);
      if (dump) writeFileSync(resolve(dump, `heldout-pl${pl}-missed-${fam}.jsonl`), misses.join('\n') + '\n');
    });
    const fps: string[] = [];
    let fp = 0;
    for (const line of benign) {
      let flagged = false;
      for (const p of PLACEMENTS) {
        const ctx = buildContext(placedHeldOut(line, p), limits);
        if (runStages(stages, ctx)?.code === 'ERR_THREAT') {
          flagged = true;
          const top = topFinding(ctx.risk.findings, DEFAULT_WEIGHTS);
          fps.push(JSON.stringify({ set: 'heldout-benign', placement: p, family: top?.family, detail: top?.detail, payload: line }));
        }
      }
      if (flagged) fp++;
    }
    fpRow.push(pct(fp, benign.length));
    summary.push(`PL${pl} held-out misses: ${missCounts.join(', ')}; false positives ${fp} inputs (${fps.length} placed)`);
    if (dump) writeFileSync(resolve(dump, `heldout-pl${pl}-fp.jsonl`), fps.join('\n') + (fps.length ? '\n' : ''));
  }
  console.log('held-out detection % (all 3 placements)');
  printTable(['family', 'payloads', ...LEVELS.map((l) => `PL${l} %`)], detRows);
  console.log('');
  console.log('held-out PL1 detection by placement %');
  printTable(['family', ...PLACEMENTS.map((p) => `${p} %`)], placeRows);
  console.log('');
  console.log('held-out false positives % (refused in any placement)');
  printTable(['benign set', 'inputs', ...LEVELS.map((l) => `PL${l} %`)], [fpRow]);
  console.log('');
  for (const m of summary) console.log(m);
  if (dump) console.log(`held-out misses and false positives written to ${dump} (heldout-pl*-missed-*.jsonl, heldout-pl*-fp.jsonl)`);
}

/**
 * Held-out #2: OWASP CRS regression tests (test/fixtures/threat/heldout2, see its README). Each row is an
 * attacker-controlled value already URL-decoded once, so it is placed like the tuning corpus (placed()).
 */
interface CrsRow { pl?: number | null; rule: number; payload: string }
function heldOut2(levels: Array<{ pl: number; stages: Stage[] }>, dump: string | undefined): void {
  const dir = resolve(root, 'test/fixtures/threat/heldout2');
  const fams = FAMILIES.filter((f) => existsSync(resolve(dir, `${f}.jsonl`)));
  const read = (f: string): CrsRow[] => readFileSync(resolve(dir, f), 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as CrsRow);
  const sets = Object.fromEntries(fams.map((f) => [f, read(`${f}.jsonl`)])) as Record<string, CrsRow[]>;
  const benign = existsSync(resolve(dir, 'benign.jsonl')) ? read('benign.jsonl') : [];
  const pct = (x: number, d: number) => (d === 0 ? '-' : (100 * x / d).toFixed(2));
  const BUCKETS = ['1', '2', '3', '4', 'unknown'] as const;
  const bucket = (r: CrsRow) => (r.pl === 1 || r.pl === 2 || r.pl === 3 || r.pl === 4 ? String(r.pl) : 'unknown');
  console.log(`held-out #2 (OWASP CRS regression tests, never used for tuning) — ${dir}`);
  console.log('each line is the attacker-controlled value of one CRS test (URL-decoded once), placed like the tuning corpus.');
  console.log('same definitions as above: detected = refused in all three placements; FP = benign input refused in any placement.\n');
  const detRows: string[][] = fams.map((f) => [f, String(sets[f]!.length)]);
  const placeRows: string[][] = [];
  const plRows: string[][] = [];
  const fpRow: string[] = ['benign.jsonl (CRS false-positive/negative tests)', String(benign.length)];
  const summary: string[] = [];
  for (const { pl, stages } of levels) {
    const refusedIn = (payload: string) => PLACEMENTS.filter((p) => runStages(stages, buildContext(placed(payload, p), limits))?.code === 'ERR_THREAT');
    const missCounts: string[] = [];
    fams.forEach((fam, fi) => {
      const rows = sets[fam]!;
      const hits: Record<Placement, number> = { query: 0, form: 0, json: 0 };
      const byPl: Record<string, [number, number]> = Object.fromEntries(BUCKETS.map((b) => [b, [0, 0]]));
      const misses: string[] = [];
      for (const r of rows) {
        const got = refusedIn(r.payload);
        for (const p of got) hits[p]++;
        const b = byPl[bucket(r)]!; b[1]++;
        if (got.length === PLACEMENTS.length) b[0]++;
        else misses.push(JSON.stringify({ crs_pl: r.pl ?? null, rule: r.rule, payload: r.payload, refused_in: got }));
      }
      detRows[fi]!.push(pct(rows.length - misses.length, rows.length));
      if (pl === 1) {
        placeRows.push([fam, ...PLACEMENTS.map((p) => pct(hits[p], rows.length))]);
        plRows.push([fam, ...BUCKETS.map((b) => `${pct(byPl[b]![0], byPl[b]![1])} (${byPl[b]![1]})`)]);
      }
      missCounts.push(`${fam} ${misses.length}`);
      if (dump) writeFileSync(resolve(dump, `heldout2-pl${pl}-missed-${fam}.jsonl`), misses.join('\n') + (misses.length ? '\n' : ''));
    });
    const fps: string[] = [];
    let fp = 0;
    for (const b of benign) {
      let flagged = false;
      for (const p of PLACEMENTS) {
        const ctx = buildContext(placed(b.payload, p), limits);
        if (runStages(stages, ctx)?.code === 'ERR_THREAT') {
          flagged = true;
          const top = topFinding(ctx.risk.findings, DEFAULT_WEIGHTS);
          fps.push(JSON.stringify({ set: 'heldout2-benign', placement: p, family: top?.family, detail: top?.detail, rule: b.rule, payload: b.payload }));
        }
      }
      if (flagged) fp++;
    }
    fpRow.push(pct(fp, benign.length));
    summary.push(`PL${pl} held-out #2 misses: ${missCounts.join(', ')}; false positives ${fp} inputs (${fps.length} placed)`);
    if (dump) writeFileSync(resolve(dump, `heldout2-pl${pl}-fp.jsonl`), fps.join('\n') + (fps.length ? '\n' : ''));
  }
  console.log('held-out #2 detection % (all 3 placements)');
  printTable(['family', 'payloads', ...LEVELS.map((l) => `PL${l} %`)], detRows);
  console.log('');
  console.log('held-out #2 PL1 detection by placement %');
  printTable(['family', ...PLACEMENTS.map((p) => `${p} %`)], placeRows);
  console.log('');
  console.log('held-out #2 PL1 detection % by paranoia level of the CRS rule tested (payloads in brackets)');
  printTable(['family', ...BUCKETS.map((b) => (b === 'unknown' ? 'CRS PL ?' : `CRS PL${b}`))], plRows);
  console.log('');
  console.log('held-out #2 false positives % (refused in any placement)');
  printTable(['benign set', 'inputs', ...LEVELS.map((l) => `PL${l} %`)], [fpRow]);
  console.log('');
  for (const m of summary) console.log(m);
  if (dump) console.log(`held-out #2 misses and false positives written to ${dump} (heldout2-pl*-missed-*.jsonl, heldout2-pl*-fp.jsonl)`);
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

function printTable(header: string[], rows: string[][]): void {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  console.log(line(header));
  console.log(w.map((x) => '-'.repeat(x)).join('  '));
  for (const r of rows) console.log(line(r));
}

main().catch((err) => { console.error(err); process.exit(1); });
