// Client-address parsing and keying on the Check path, before (ipaddr.js, test/unit/threat/ip-reference.ts)
// and after (hand-written scanners, src/common/ipv6-text.ts) side by side in one run.
//   npm run bench:ip            (BENCH_SAMPLES=20000 samples of BATCH calls each)
// ns/op are per call, from samples of BATCH calls timed together (one hrtime pair costs about as much as
// one fast parse, so single calls cannot be timed); p50/p99 are over those samples.
import { formatIp, parseIp } from '../src/threat/ip/address.js';
import { banKey } from '../src/threat/bans.js';
import { clientIpKey } from '../src/ratelimit/check/key-parts.js';
import { refBanKey, refClientIpKey, refFormatIp, refParseIp } from '../test/unit/threat/ip-reference.js';
import { machine } from './lib.js';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 20_000);
const BATCH = 32;
const CLIENTS = 10_000;

let seed = 42;
const rnd = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };
const w = () => rnd(0x10000).toString(16);

/** Distinct clients: random /64s with random interface ids, as Envoy writes a peer address (RFC 5952). */
const v6Canonical = Array.from({ length: CLIENTS }, () => `2001:db8:${w()}:${w()}:${w()}:${w()}:${w()}:${w()}`.toLowerCase())
  .map((s) => formatIp(refParseIp(s)!));
/** The same clients as a proxy may write them into X-Forwarded-For: full form, upper case. */
const v6Full = v6Canonical.map((s) => Array.from({ length: 8 }, (_, k) => ((refParseIp(s)![2 * k]! << 8) | refParseIp(s)![2 * k + 1]!).toString(16).padStart(4, '0')).join(':').toUpperCase());
const v4 = Array.from({ length: CLIENTS }, () => `${1 + rnd(223)}.${rnd(256)}.${rnd(256)}.${rnd(256)}`);
const v6Compressed = Array.from({ length: CLIENTS }, () => `2001:db8:${w()}::${w()}`);
const v4Mapped = v4.map((s) => `::ffff:${s}`);

interface Impl { parse: (s: string) => Uint8Array | undefined; format: (b: Uint8Array) => string; ban: (ip: string) => string; rl: (ip: string, p: number) => string }
// the old parseIp tried the IPv4 fast path (fastV4, unchanged, still in parseIp) first on 7-15 characters
const oldParseIp = (s: string) => (s.length >= 7 && s.length <= 15 && !s.includes(':') ? parseIp(s) : refParseIp(s));
const before: Impl = { parse: oldParseIp, format: refFormatIp, ban: (ip) => refBanKey(ip), rl: refClientIpKey };
const after: Impl = { parse: parseIp, format: formatIp, ban: (ip) => banKey(ip), rl: clientIpKey };

/** What one Check from `raw` does with its address: screen (parse + canonical text), ban key (BanList.cached), `by: ip` key. */
function perCheck(m: Impl, raw: string): number {
  const bytes = m.parse(raw);
  const ip = bytes ? m.format(bytes) : raw;
  return m.ban(ip).length + m.rl(raw, 64).length;
}

let sink = 0;
function measure(op: (i: number) => number): { p50: number; p99: number } {
  let i = 0;
  for (let k = 0; k < 20_000; k++) sink += op(i++);
  const ns = new Float64Array(SAMPLES);
  for (let s = 0; s < SAMPLES; s++) {
    const t = process.hrtime.bigint();
    for (let k = 0; k < BATCH; k++) sink += op(i++);
    ns[s] = Number(process.hrtime.bigint() - t) / BATCH;
  }
  ns.sort();
  return { p50: ns[Math.floor(SAMPLES * 0.5)]!, p99: ns[Math.floor(SAMPLES * 0.99)]! };
}

const rows: [string, (m: Impl) => (i: number) => number][] = [
  ['parseIp IPv4', (m) => (i) => m.parse(v4[i % CLIENTS]!)!.length],
  ['parseIp IPv6 full (upper case, leading zeros)', (m) => (i) => m.parse(v6Full[i % CLIENTS]!)!.length],
  ['parseIp IPv6 canonical (RFC 5952)', (m) => (i) => m.parse(v6Canonical[i % CLIENTS]!)!.length],
  ['parseIp IPv6 compressed (2001:db8:x::y)', (m) => (i) => m.parse(v6Compressed[i % CLIENTS]!)!.length],
  ['parseIp IPv4-mapped (::ffff:a.b.c.d)', (m) => (i) => m.parse(v4Mapped[i % CLIENTS]!)!.length],
  ['formatIp IPv6', (m) => { const bs = v6Canonical.map((s) => m.parse(s)!); return (i) => m.format(bs[i % CLIENTS]!).length; }],
  ['per Check, IPv6 client, Envoy peer text', (m) => (i) => perCheck(m, v6Canonical[i % CLIENTS]!)],
  ['per Check, IPv6 client, XFF full upper-case text', (m) => (i) => perCheck(m, v6Full[i % CLIENTS]!)],
  ['per Check, IPv4 client', (m) => (i) => perCheck(m, v4[i % CLIENTS]!)],
];

console.log(`bench:ip — ${machine()}; ${CLIENTS} distinct clients, ${SAMPLES} samples × ${BATCH} calls; ns per call`);
console.log('| operation | before p50 | before p99 | after p50 | after p99 | p50 speed-up |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const [name, mk] of rows) {
  const b = measure(mk(before));
  const a = measure(mk(after));
  console.log(`| ${name} | ${b.p50.toFixed(0)} | ${b.p99.toFixed(0)} | ${a.p50.toFixed(0)} | ${a.p99.toFixed(0)} | ${(b.p50 / a.p50).toFixed(1)}× |`);
}
if (sink === 0) console.log('');
