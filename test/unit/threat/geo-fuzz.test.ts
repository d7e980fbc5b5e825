// Seeded fuzz of the GeoIP database file (src/threat/geo.ts, read with the `maxmind` package): garbage,
// empty and truncated files, flipped bytes, metadata of the wrong shape, a gzip of the database, a valid
// .mmdb of the wrong type (ASN) or with wrong-typed country records, and a file rewritten while it is read.
// Oracles: refresh() never throws and lookups never throw; a bad file never replaces the last good
// database (its answers stay); every refused file is counted (portcullis_threat_geo_loads_total{result=
// "error"}) and logged with the path; a good new database is picked up (the oracle is not vacuous); a
// lookup answers a two-letter country code or "unknown", nothing else; a bad file at config load is a
// config error naming /threat/geo/database (the documented fail mode: there is no "before a good
// database" at run time).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { Reader } from 'maxmind';
import { pino } from 'pino';
import { ConfigLoadError } from '../../../src/config/errors.js';
import { GeoDb } from '../../../src/threat/geo.js';
import { registry } from '../../../src/telemetry/metrics.js';
import { country, encode, writeMmdb } from '../../fixtures/threat/mmdb-writer.js';
import { runtimeFrom } from '../helpers.js';
import { Rng } from '../pipeline/fuzz/prng.js';

const ROUNDS = Number(process.env.PORTCULLIS_FUZZ_N ?? 80);
const PROBES = ['198.51.100.7', '203.0.113.9', '2001:db8::5', '192.0.2.1', '::1', '10.1.2.3'];
const GOOD: Array<[string, ReturnType<typeof country>]> = [['198.51.100.0/24', country('DE', 'Germany')], ['203.0.113.0/24', country('KP', 'North Korea')], ['2001:db8::/32', country('JP', 'Japan')]];
const MARKER = Buffer.concat([Buffer.from([0xab, 0xcd, 0xef]), Buffer.from('MaxMind.com')]);

async function loads(result: string): Promise<number> {
  const v = await registry.getSingleMetric('portcullis_threat_geo_loads_total')!.get();
  return v.values.filter((x) => x.labels.result === result).reduce((a, x) => a + x.value, 0);
}

describe('GeoIP database files that are broken, of the wrong kind or rewritten while read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-geo-fuzz-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'country.mmdb');
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, new Writable({ write(c, _e, cb) { lines.push(String(c)); cb(); } }));
  let clock = Date.now() / 1000;
  /** Write a file with a later mtime than any before (GeoDb re-reads on an mtime change). */
  const put = (bytes: Buffer): void => { writeFileSync(file, bytes); clock += 10; utimesSync(file, clock, clock); };
  const mmdb = (networks: Array<[string, any]>, type?: string): Buffer => { const f = join(dir, 'tmp.mmdb'); writeMmdb(f, networks, type); return readFileSync(f); };
  const answers = (g: GeoDb): string => PROBES.map((ip) => g.country(ip) ?? '-').join(' ');

  /** A database with its metadata map replaced (the fixture writer's layout: tree, 16 zero bytes, data, marker, metadata). */
  function withMetadata(good: Buffer, patch: Record<string, unknown>): Buffer {
    const at = good.lastIndexOf(MARKER) + MARKER.length;
    const meta: Record<string, unknown> = {
      binary_format_major_version: 2, binary_format_minor_version: 0, build_epoch: 1, database_type: 'GeoLite2-Country',
      description: { en: 'x' }, ip_version: 6, languages: ['en'], node_count: new Reader(good).metadata.nodeCount, record_size: 32,
    };
    for (const [k, v] of Object.entries(patch)) { if (v === undefined) delete meta[k]; else meta[k] = v; }
    return Buffer.concat([good.subarray(0, at), encode(meta as any)]);
  }

  function variant(r: Rng, good: Buffer): { what: string; verdict: 'bad' | 'either' | 'new'; bytes: Buffer } {
    switch (r.int(11)) {
      case 0: return { what: 'random bytes', verdict: 'bad', bytes: r.bytes(r.int(3000)) };
      case 1: return { what: 'empty file', verdict: 'bad', bytes: Buffer.alloc(0) };
      case 2: return { what: 'truncated', verdict: 'bad', bytes: good.subarray(0, r.int(good.length - 1)) };
      case 3: {
        const b = Buffer.from(good);
        const end = b.lastIndexOf(MARKER);
        for (let n = 1 + r.int(6); n > 0; n--) { const at = r.int(end); b[at] = b[at]! ^ (1 + r.int(255)); }
        return { what: 'flipped bytes in the tree or data', verdict: 'either', bytes: b };
      }
      case 4: return { what: 'metadata of the wrong shape', verdict: 'bad', bytes: withMetadata(good, r.pick<Record<string, unknown>>([{ record_size: 99 }, { record_size: 0 }, { node_count: 2 ** 31 }, { ip_version: 5 }, { binary_format_major_version: 3 }, { database_type: undefined }, { database_type: 7 }, { languages: 'en' }])) };
      case 5: return { what: 'an ASN database', verdict: 'bad', bytes: mmdb([['198.51.100.0/24', { autonomous_system_number: 64500, autonomous_system_organization: 'Example' }]], r.pick(['GeoLite2-ASN', 'GeoIP2-ISP', 'GeoIP2-Connection-Type'])) };
      case 6: return { what: 'country records of the wrong type', verdict: 'either', bytes: mmdb([['198.51.100.0/24', r.pick<any>([{ country: 'DE' }, { country: { iso_code: 7 } }, { country: { iso_code: 'Germany' } }, { country: { iso_code: '' } }, { country: [1] }, { registered_country: { iso_code: { en: 'x' } } }])]]) };
      case 7: return { what: 'the database gzipped', verdict: 'bad', bytes: gzipSync(good) };
      case 8: return { what: 'a bigger database cut off', verdict: 'bad', bytes: ((b) => b.subarray(0, b.lastIndexOf(MARKER) + r.int(MARKER.length + 40)))(mmdb([...GOOD, ['192.0.2.0/24', country('FR', 'France')]])) };
      case 9: return { what: 'HTML error page saved as the database', verdict: 'bad', bytes: Buffer.from('<html><body>403 Forbidden</body></html>') };
      default: return { what: 'a good new database', verdict: 'new', bytes: mmdb([['198.51.100.0/24', country('FR', 'France')], ['203.0.113.0/24', country('KP', 'North Korea')], ['2001:db8::/32', country('JP', 'Japan')]]) };
    }
  }

  it(`${ROUNDS} broken or foreign files: the last good database stays, refusals are counted, lookups stay sane`, async () => {
    const r = new Rng(0x6e01);
    const good = mmdb(GOOD);
    put(good);
    const g = new GeoDb(file, logger);
    await g.load();
    const goodAnswers = answers(g);
    assert.equal(goodAnswers, 'DE KP JP - - -');
    const problems: string[] = [];
    let current = goodAnswers;
    for (let i = 0; i < ROUNDS && problems.length < 10; i++) {
      const v = variant(r, good);
      put(v.bytes);
      const [ok0, err0] = [await loads('ok'), await loads('error')];
      await g.refresh();
      const [ok1, err1] = [await loads('ok'), await loads('error')];
      const accepted = ok1 > ok0;
      let now: string;
      try { now = answers(g); } catch (err) { problems.push(`#${i} ${v.what}: a lookup threw ${(err as Error).message}`); continue; }
      for (const c of now.split(' ')) if (c !== '-' && !/^[A-Z]{2}$/.test(c)) problems.push(`#${i} ${v.what}: a lookup answered ${JSON.stringify(c)}`);
      if (v.verdict === 'bad' && accepted) problems.push(`#${i} ${v.what}: accepted (answers ${now})`);
      if (!accepted && now !== current) problems.push(`#${i} ${v.what}: refused but the answers changed to ${now}`);
      if (!accepted && err1 !== err0 + 1) problems.push(`#${i} ${v.what}: a refusal not counted`);
      if (v.verdict === 'new' && !(accepted && now === 'FR KP JP - - -')) problems.push(`#${i} ${v.what}: not picked up (${now})`);
      if (accepted) { put(good); await g.refresh(); current = answers(g); if (current !== goodAnswers) problems.push(`#${i} back to the good database failed`); }
    }
    assert.deepEqual(problems, []);
    assert.ok(lines.some((l) => l.includes(file) && l.includes('keeping the last good copy')), 'refusals are logged with the path');
  });

  it('a file rewritten while it is being read: the result is the old or the new database, never a mix or a crash', async () => {
    const r = new Rng(0x6e02);
    const good = mmdb(GOOD);
    const next = mmdb([['198.51.100.0/24', country('FR', 'France')], ['203.0.113.0/24', country('KP', 'North Korea')], ['2001:db8::/32', country('JP', 'Japan')]]);
    put(good);
    const g = new GeoDb(file, logger);
    await g.load();
    for (let i = 0; i < 30; i++) {
      const target = r.chance(0.5) ? next : good;
      const pending = g.refresh();
      // rewrite in place in two halves while the read is under way
      const half = r.int(target.length);
      writeFileSync(file, target.subarray(0, half));
      clock += 10; utimesSync(file, clock, clock);
      await new Promise((res) => setImmediate(res));
      writeFileSync(file, target);
      clock += 10; utimesSync(file, clock, clock);
      await pending;
      await g.refresh();
      assert.ok(['DE KP JP - - -', 'FR KP JP - - -'].includes(answers(g)), `round ${i}: ${answers(g)}`);
      assert.equal(answers(g), target === next ? 'FR KP JP - - -' : 'DE KP JP - - -', `round ${i}: the complete file is picked up`);
    }
  });

  it('a broken database at config load is a config error naming /threat/geo/database', async () => {
    for (const [what, bytes] of [['garbage', Buffer.from('not an mmdb')], ['ASN', mmdb([['198.51.100.0/24', { autonomous_system_number: 1 }]], 'GeoLite2-ASN')]] as const) {
      const f = join(dir, `${what}.mmdb`);
      writeFileSync(f, bytes);
      await assert.rejects(runtimeFrom(`threat:\n  geo: { database: ${f} }\nroutes:\n  - name: api\n    match: { path: { prefix: / } }\n`),
        (e: unknown) => e instanceof ConfigLoadError && /\/threat\/geo\/database/.test(e.message), what);
    }
  });
});
