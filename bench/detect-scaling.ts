/**
 * Scaling section of `npm run bench:detect`: does inspection time grow linearly with the input? Pathological
 * generators per family (runs of each special character, repeated alternations, unclosed quotes/comments/
 * tags, deep and wide JSON, a body of one repeated token) are sent at 1, 8, 64 and 512 KiB and timed through
 * the screen + inspect stages (context already built) at PL1 and PL4. Printed: µs per KiB at each size
 * (best of several runs — the least disturbed by other processes on a shared machine) and the growth
 * 64K→512K; a generator whose µs/KiB grows more than 3× from a smaller size to a larger one is SUPERLINEAR.
 * Values go in a JSON body (`{"name":"alice","comment":VALUE}`), which the request limits let through at
 * every size; what other placements refuse by size is printed first.
 */
import { buildContext } from '../src/pipeline/context-builder.js';
import type { RequestContext } from '../src/pipeline/context.js';
import { Deny } from '../src/pipeline/deny.js';
import type { Stage } from '../src/pipeline/stage.js';
import { checkRequest, formValue, limits, placed, printTable } from './detect-common.js';

const KIB = 1024;
const SIZES = [1, 8, 64, 512] as const;
const GROWTH_LIMIT = 3;

interface Generator { family: string; name: string; make: (bytes: number) => unknown }

/** `unit` repeated (after `prefix`) to `bytes` characters. */
function fill(unit: string, bytes: number, prefix = ''): string {
  const n = Math.max(0, bytes - prefix.length);
  return prefix + unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
}

const jsonValue = (v: string) => checkRequest('POST', '/api/items', { 'content-type': 'application/json' }, JSON.stringify({ name: 'alice', comment: v }));
const body = (contentType: string, b: string) => checkRequest('POST', '/api/items', { 'content-type': contentType }, b);

function valueGen(family: string, name: string, unit: string, prefix = ''): Generator {
  return { family, name, make: (bytes) => jsonValue(fill(unit, bytes, prefix)) };
}

/** Deep JSON: nested arrays (or objects) to the depth that fills the size. */
function deepJson(bytes: number, open: string, close: string, inner: string): string {
  const depth = Math.max(1, Math.floor((bytes - inner.length) / (open.length + close.length)));
  return open.repeat(depth) + inner + close.repeat(depth);
}

/** Wide JSON: one object with as many short string members as fit. */
function wideJson(bytes: number, member: (i: number) => string): string {
  const parts: string[] = [];
  let len = 2;
  for (let i = 0; len < bytes; i++) { const m = member(i); parts.push(m); len += m.length + 1; }
  return `{${parts.join(',')}}`;
}

const MULTIPART_PART = '--XX\r\ncontent-disposition: form-data; name="f"\r\n\r\nv\r\n';

const SPECIAL = `'"<>()/\\%&;|$\`{}[]*-#.=!,:@^~+?` + ' \t\n';
const charName = (c: string) => (c === ' ' ? 'space' : c === '\t' ? 'tab' : c === '\n' ? 'newline' : c);

export const GENERATORS: Generator[] = [
  ...[...SPECIAL].map((c) => valueGen('chars', `run of ${JSON.stringify(charName(c)).slice(1, -1)}`, c)),
  valueGen('chars', 'run of a (letters)', 'a'),
  valueGen('chars', 'run of 0 (digits)', '0'),
  valueGen('chars', 'run of é (non-ASCII)', 'é'),
  valueGen('sqli', "'or'or'or…", "'or"),
  valueGen('sqli', "' or 1=1 -- …", "' or 1=1 -- "),
  valueGen('sqli', '/*/*/*…', '/*'),
  valueGen('sqli', '*/*/*/…', '*/'),
  valueGen('sqli', 'union select …', 'union select '),
  valueGen('sqli', 'unclosed quote', 'abc def ', "x' "),
  valueGen('sqli', 'unclosed comment', 'abc def ', '1 /* '),
  valueGen('sqli', 'char(char(…', 'char('),
  valueGen('xss', '<a<a<a…', '<a'),
  valueGen('xss', '<a href="<a href="…', '<a href="'),
  valueGen('xss', 'unclosed tag attribute', 'abc def ', '<a title="'),
  valueGen('xss', '<script> then text', 'abc def ', '<script>'),
  valueGen('xss', '<!--<!--…', '<!--'),
  valueGen('xss', 'unclosed <!--', 'abc def ', '<!--'),
  valueGen('xss', '&#&#&#…', '&#'),
  valueGen('xss', '&#x&#x…', '&#x'),
  valueGen('xss', 'javascript:…', 'javascript:'),
  valueGen('xss', '\\u00\\u00…', '\\u00'),
  valueGen('traversal', '../../…', '../'),
  valueGen('traversal', '..\\..\\…', '..\\'),
  valueGen('traversal', '%2e%2e%2f…', '%2e%2e%2f'),
  valueGen('traversal', '....//....//…', '....//'),
  valueGen('traversal', '..2f..2f… (spelled-out hex)', '..2f'),
  valueGen('cmdi', '$($($(…', '$('),
  valueGen('cmdi', '${${${…', '${'),
  valueGen('cmdi', '{{{{…', '{{'),
  valueGen('cmdi', '`a`a`a…', '`a'),
  valueGen('cmdi', ';id;id…', ';id'),
  valueGen('cmdi', 'CR-separated ls -la lines', '\rls -la '),
  valueGen('cmdi', 'for %a in (…', 'for %a in ('),
  valueGen('cmdi', 'for /r x …', 'for /r x '),
  valueGen('decode', '%25%25%25…', '%25'),
  // one chain nested as deep as the size allows: past the fourth round it is decoded to the end in one pass
  valueGen('decode', '%2525…2e (one deep chain)', '25', '%'),
  valueGen('decode', '%u00%u00…', '%u00'),
  valueGen('decode', '\\x\\x\\x…', '\\x'),
  valueGen('decode', '&amp;&amp;…', '&amp;'),
  valueGen('decode', '\\\\\\\\… (escaped backslashes)', '\\\\'),
  { family: 'json', name: 'deep arrays [[[…]]]', make: (b) => body('application/json', deepJson(b, '[', ']', '"x"')) },
  { family: 'json', name: 'deep objects {"a":{"a":…}}', make: (b) => body('application/json', deepJson(b, '{"a":', '}', '"x"')) },
  { family: 'json', name: 'unclosed deep [[[[…', make: (b) => body('application/json', '['.repeat(b)) },
  { family: 'json', name: 'wide object {"k0":"v",…}', make: (b) => body('application/json', wideJson(b, (i) => `"k${i}":"v'"`)) },
  // a name that repeats: JSON.parse keeps the last value, the walk then reads the text again for the others
  { family: 'json', name: 'repeated name {"k":"v\'","k":…}', make: (b) => body('application/json', wideJson(b, () => `"k":"v'"`)) },
  { family: 'json', name: 'deep repeated {"a":"x","a":{…}}', make: (b) => body('application/json', deepJson(b, '{"a":"x\'","a":', '}', '"x"')) },
  { family: 'json', name: 'wide array ["a\'b",…]', make: (b) => body('application/json', `[${'"a\'b",'.repeat(Math.floor((b - 5) / 7))}"x"]`) },
  { family: 'body', name: 'form a=1&a=1&…', make: (b) => body('application/x-www-form-urlencoded', fill('a=1&', b)) },
  { family: 'body', name: 'text body "select " repeated', make: (b) => body('text/plain', fill('select ', b)) },
  { family: 'body', name: 'NDJSON lines {"k":"v\'"}', make: (b) => body('application/x-ndjson', fill('{"k":"v\'"}\n', b)) },
  { family: 'body', name: 'multipart, many tiny parts', make: (b) => body('multipart/form-data; boundary=XX', `${MULTIPART_PART.repeat(Math.floor((b - 6) / MULTIPART_PART.length))}--XX--`) },
];

/**
 * The stages on one context; 'async' when one went to the store — the ban cache's "not banned" answer for
 * the bench client lasts cache_ms (at most 60 s) and a long run outlives it: the caller renews it and retries.
 */
function runSync(stages: Stage[], ctx: RequestContext): Deny | undefined | 'async' {
  for (const st of stages) {
    const r = st.run(ctx);
    if (r instanceof Deny) return r;
    if (r && typeof (r as Promise<unknown>).then === 'function') { (r as Promise<unknown>).catch(() => undefined); return 'async'; }
  }
  return undefined;
}

/** Renew the bench client's ban-cache entry: run a request through the stages, awaiting the store lookup. */
async function rewarm(stages: Stage[]): Promise<void> {
  const ctx = buildContext(placed('warm', 'query'), limits);
  for (const st of stages) { const r = st.run(ctx); if (r && typeof (r as Promise<unknown>).then === 'function') await r; }
}

/** Best-of-runs time (µs) of the stages on one request, and what they decided. */
async function timeStages(stages: Stage[], req: unknown): Promise<{ us: number; outcome: string }> {
  let outcome = 'allowed';
  try { buildContext(req, limits); } catch (err) { return { us: NaN, outcome: (err as { code?: string }).code ?? (err as Error).message }; }
  let best = Infinity, total = 0, n = 0;
  while (n < 3 || (total < 100_000 && n < 200)) {
    const ctx = buildContext(req, limits);
    const a = process.hrtime.bigint();
    const d = runSync(stages, ctx);
    const us = Number(process.hrtime.bigint() - a) / 1000;
    if (d === 'async') { await rewarm(stages); continue; }
    if (d) outcome = d.code;
    if (us < best) best = us;
    total += us; n++;
  }
  return { us: best, outcome };
}

/** Which placements the request limits refuse at each size (before any inspection). */
function sizeLimits(): void {
  const v = (b: number) => fill("'or", b);
  const placements: Array<[string, (b: number) => unknown]> = [
    ['query value', (b) => checkRequest('GET', `/api/search?q=${formValue(v(b))}`, {})],
    ['header value', (b) => checkRequest('GET', '/api/search', { 'x-note': v(b) })],
    ['form field', (b) => checkRequest('POST', '/api/c', { 'content-type': 'application/x-www-form-urlencoded' }, `c=${formValue(v(b))}`)],
    ['JSON string', (b) => jsonValue(v(b))],
  ];
  const rows = placements.map(([name, make]) => [name, ...SIZES.map((s) => {
    try { buildContext(make(s * KIB), limits); return 'read'; } catch (err) { return `refused (${(err as { code?: string }).code ?? 'error'})`; }
  })]);
  console.log(`request limits (path ${limits.limits.maxPathBytes / KIB} KiB, headers ${limits.limits.maxHeaderBytes / KIB} KiB, body ${limits.limits.maxBodyBytes / KIB} KiB) by placement and size:`);
  printTable(['placement', ...SIZES.map((s) => `${s} KiB`)], rows);
}

export async function scalingSection(levels: Array<{ pl: number; stages: Stage[] }>): Promise<void> {
  console.log(`\nscaling: inspection time per KiB of one pathological request at ${SIZES.map((s) => `${s} KiB`).join(', ')} (best of ≥3 runs; threat.inspect limits: max_value_bytes 64 KiB, max_total_bytes 512 KiB)`);
  sizeLimits();
  const chosen = levels.filter((l) => l.pl === 1 || l.pl === levels[levels.length - 1]!.pl);
  const rows: string[][] = [];
  const superlinear: string[] = [];
  const outcomes = new Map<string, number>();
  let worstGrowth = 0, worstName = '';
  for (const g of GENERATORS) {
    const reqs = SIZES.map((s) => g.make(s * KIB));
    for (const { pl, stages } of chosen) {
      const r: Array<{ us: number; outcome: string }> = [];
      for (const req of reqs) r.push(await timeStages(stages, req));
      const perKib = r.map((x, i) => x.us / SIZES[i]!);
      let growth = 0;
      for (let i = 0; i < perKib.length; i++) for (let j = i + 1; j < perKib.length; j++) if (perKib[j]! / perKib[i]! > growth) growth = perKib[j]! / perKib[i]!;
      if (growth > worstGrowth) { worstGrowth = growth; worstName = `PL${pl} ${g.family} ${g.name}`; }
      const flag = growth > GROWTH_LIMIT ? 'SUPERLINEAR' : '';
      if (flag) superlinear.push(`PL${pl} ${g.family} ${g.name} (×${growth.toFixed(1)})`);
      for (const x of r) outcomes.set(x.outcome, (outcomes.get(x.outcome) ?? 0) + 1);
      rows.push([`PL${pl} ${g.family}`, g.name, ...perKib.map((x) => (Number.isNaN(x) ? 'refused' : x.toFixed(2))), (perKib[3]! / perKib[2]!).toFixed(2),
        r.map((x) => x.outcome.replace('ERR_', '').toLowerCase()).join('/'), flag]);
    }
  }
  printTable(['level family', 'generator', ...SIZES.map((s) => `${s}K µs/KiB`), '512K/64K', 'outcome 1K/8K/64K/512K', ''], rows);
  console.log(`\noutcomes: ${[...outcomes].map(([k, v]) => `${k} ${v}`).join(', ')} (allowed = no refusal; ERR_THREAT = refused by the threat stages)`);
  console.log(`largest growth of µs/KiB from a smaller to a larger size: ×${worstGrowth.toFixed(2)} (${worstName})`);
  console.log(`scaling: ${GENERATORS.length} generators × ${chosen.length} levels; superlinear (µs/KiB grows > ${GROWTH_LIMIT}× across sizes): ${superlinear.length === 0 ? 'none' : superlinear.join(', ')}`);
}
