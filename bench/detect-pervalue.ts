/**
 * Per-value cost of threat inspection (`node --import tsx bench/detect-pervalue.ts`): bodies made of many
 * small values — a wide JSON object or array, a form with many fields, multipart with many parts — at
 * 64 KiB, timed through the screen + inspect stages (context already built) at PL1–4, in µs per KiB and
 * ns per value. A typical JSON order is timed beside them. Run it under `node --cpu-prof` to see where the
 * per-value time goes; PERVALUE_ONLY=<name substring> times one body, PERVALUE_PL=<n> one level.
 */
import { resolve } from 'node:path';
import { pino } from 'pino';
import { buildContext } from '../src/pipeline/context-builder.js';
import type { Stage } from '../src/pipeline/stage.js';
import { MemoryStore } from '../src/store/memory.js';
import { threatModule } from '../src/threat/module.js';
import { checkRequest, LEVELS, limits, placed, printTable, root, runStages } from './detect-common.js';

const KIB = 1024;
const SIZE = 64 * KIB;

function wideObject(member: (i: number) => string): { body: string; values: number } {
  const parts: string[] = [];
  let len = 2;
  for (let i = 0; len < SIZE; i++) { const m = member(i); parts.push(m); len += m.length + 1; }
  return { body: `{${parts.join(',')}}`, values: parts.length };
}
function wideArray(item: (i: number) => string): { body: string; values: number } {
  const parts: string[] = [];
  let len = 2;
  for (let i = 0; len < SIZE; i++) { const m = JSON.stringify(item(i)); parts.push(m); len += m.length + 1; }
  return { body: `[${parts.join(',')}]`, values: parts.length };
}
function form(field: (i: number) => string): { body: string; values: number } {
  const parts: string[] = [];
  let len = 0;
  for (let i = 0; len < SIZE; i++) { const m = field(i); parts.push(m); len += m.length + 1; }
  return { body: parts.join('&'), values: parts.length };
}
function multipart(value: (i: number) => string): { body: string; values: number } {
  let out = '';
  let n = 0;
  while (out.length < SIZE) { out += `--XX\r\ncontent-disposition: form-data; name="f${n}"\r\n\r\n${value(n)}\r\n`; n++; }
  return { body: `${out}--XX--`, values: n };
}

const JSON_CT = { 'content-type': 'application/json' };
const FORM_CT = { 'content-type': 'application/x-www-form-urlencoded' };
const MP_CT = { 'content-type': 'multipart/form-data; boundary=XX' };

interface Shape { name: string; headers: Record<string, string>; make: () => { body: string; values: number } }
const SHAPES: Shape[] = [
  { name: 'json {"k0":"v\'",…} (bench:detect wide object)', headers: JSON_CT, make: () => wideObject((i) => `"k${i}":"v'"`) },
  { name: 'json ["a\'b",…] (bench:detect wide array)', headers: JSON_CT, make: () => wideArray(() => "a'b") },
  { name: 'json ["a\'b0","a\'b1",…] (distinct)', headers: JSON_CT, make: () => wideArray((i) => `a'b${i}`) },
  { name: 'json {"k0":"ab",…}', headers: JSON_CT, make: () => wideObject((i) => `"k${i}":"ab"`) },
  { name: 'json ["1 or true",…]', headers: JSON_CT, make: () => wideArray(() => '1 or x') },
  { name: 'json ["Seán O\'Brien",…]', headers: JSON_CT, make: () => wideArray(() => "Seán O'Brien") },
  { name: 'json ["a-b",…]', headers: JSON_CT, make: () => wideArray(() => 'a-b') },
  { name: 'json ["x<y",…]', headers: JSON_CT, make: () => wideArray(() => 'x<y') },
  { name: 'form a=1&a=1&… (bench:detect)', headers: FORM_CT, make: () => form(() => 'a=1') },
  { name: "form a=x'&a=x'&…", headers: FORM_CT, make: () => form(() => "a=x'") },
  { name: 'form a0=ab&a1=ab&…', headers: FORM_CT, make: () => form((i) => `a${i}=ab`) },
  { name: 'multipart, tiny parts "v" (bench:detect)', headers: MP_CT, make: () => multipart(() => 'v') },
  { name: "multipart, parts \"v'\"", headers: MP_CT, make: () => multipart(() => "v'") },
];

async function main(): Promise<void> {
  const only = process.env.PERVALUE_ONLY;
  const plOnly = process.env.PERVALUE_PL ? Number(process.env.PERVALUE_PL) : undefined;
  const store = new MemoryStore();
  const logger = pino({ level: 'silent' });
  const rows: string[][] = [];
  const typical = checkRequest('POST', '/api/v1/orders', { 'content-type': 'application/json', cookie: 'session=8f3a9c2e1b7d4f60' }, JSON.stringify({
    customer: { name: "Seán O'Brien", email: 'sean.obrien@example.com', phone: '+353 1 555 0100' },
    shipping: { line1: "12 O'Connell St.", city: 'Dublin', postcode: 'D01 F5P2', country: 'IE' },
    items: [{ sku: 'SKU-1234-XL', qty: 2, note: 'Gift wrap, please; no receipt (it is a present).' }, { sku: 'SKU-5678-S', qty: 1 }],
    comment: 'Please leave the parcel with the neighbour if nobody\'s home -- thanks!', coupon: 'SPRING24',
  }));
  for (const pl of LEVELS) {
    if (plOnly !== undefined && pl !== plOnly) continue;
    const mod = await threatModule.create({
      paranoia: pl, ban: { ttl_ms: 0, cache_ms: 3_600_000 }, anomaly: { enabled: false }, bot: { cadence: { enabled: false } }, events: { log: false },
    }, { store, logger, configPath: resolve(root, 'bench.yaml'), configDir: root });
    const stages: Stage[] = mod.stages(undefined, { name: 'bench', index: 0 });
    const warm = buildContext(placed('warm', 'query'), limits);
    for (const st of stages) { const r = st.run(warm); if (r && typeof (r as Promise<unknown>).then === 'function') await r; }
    for (const s of SHAPES) {
      if (only !== undefined && !s.name.includes(only)) continue;
      const { body, values } = s.make();
      const req = checkRequest('POST', '/api/items', s.headers, body);
      const { us, outcome } = time(stages, req);
      rows.push([`PL${pl}`, s.name, String(values), (us / (body.length / KIB)).toFixed(1), (1000 * us / values).toFixed(0), outcome]);
    }
    if (only === undefined) {
      const { us, outcome } = time(stages, typical);
      rows.push([`PL${pl}`, 'typical JSON order (~600 B)', '13', us.toFixed(1) + ' µs', '', outcome]);
    }
    await mod.close?.();
  }
  printTable(['level', 'body (64 KiB)', 'values', 'µs/KiB', 'ns/value', 'outcome'], rows);
  await store.close();
}

/** Median of the stages' time on fresh contexts (ms budget per shape), and what they decided. */
function time(stages: Stage[], req: unknown): { us: number; outcome: string } {
  let outcome = 'allowed';
  const t: number[] = [];
  const until = performance.now() + Number(process.env.PERVALUE_MS ?? 1500);
  while (t.length < 5 || (performance.now() < until && t.length < 5000)) {
    const ctx = buildContext(req, limits);
    const a = process.hrtime.bigint();
    const d = runStages(stages, ctx);
    t.push(Number(process.hrtime.bigint() - a) / 1000);
    if (d) outcome = d.code;
  }
  t.sort((x, y) => x - y);
  return { us: t[Math.floor(t.length / 2)]!, outcome };
}

await main();
