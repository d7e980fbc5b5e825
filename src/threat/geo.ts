import { readFile, stat } from 'node:fs/promises';
import { Reader, type CountryResponse } from 'maxmind';
import type { Logger } from 'pino';
import { counter } from '../telemetry/metrics.js';
import { timerMs } from '../common/timers.js';

const geoLoads = counter('portcullis_threat_geo_loads_total', 'GeoIP database loads by result', ['result'] as const);

type CountryRecord = CountryResponse;

/** A record's ISO 3166-1 alpha-2 code; anything else a database holds there (a number, an object, a name) is unknown. */
function isoCode(c: unknown): string | undefined {
  const v = (c as { iso_code?: unknown } | undefined)?.iso_code;
  return typeof v === 'string' && /^[A-Z]{2}$/.test(v) ? v : undefined;
}

/**
 * Refuse what the reader opens but cannot answer countries from: metadata of the wrong shape (a search tree
 * larger than the file makes every lookup throw), or a database of another kind (ASN, ISP, connection
 * type…) where every client would be "unknown" and deny_countries would silently stop refusing anyone.
 */
function checkDatabase(reader: Reader<CountryRecord>, size: number): void {
  const m = reader.metadata;
  if (m.binaryFormatMajorVersion !== 2) throw new Error(`unsupported MaxMind DB format version ${String(m.binaryFormatMajorVersion)}`);
  if (m.ipVersion !== 4 && m.ipVersion !== 6) throw new Error(`invalid ip_version ${String(m.ipVersion)} in the database metadata`);
  if (!Number.isSafeInteger(m.nodeCount) || m.searchTreeSize + 16 > size) throw new Error('the database metadata describes a search tree larger than the file (truncated or corrupt)');
  if (!Array.isArray(m.languages)) throw new Error('invalid languages in the database metadata');
  if (typeof m.databaseType !== 'string' || !/country|city|enterprise/i.test(m.databaseType)) {
    throw new Error(`database type ${JSON.stringify(m.databaseType)?.slice(0, 60)} has no countries (use a GeoLite2/GeoIP2 Country or City database)`);
  }
}

/**
 * A MaxMind .mmdb country database (GeoLite2/GeoIP2 Country or City, or any database with
 * `country.iso_code` whose type names a country, city or enterprise database). Read into memory once;
 * lookups are synchronous. The file is re-read in the background when its mtime changes; a file that
 * fails to load leaves the last good database in place.
 */
export class GeoDb {
  private reader?: Reader<CountryRecord>;
  private mtimeMs = 0;
  private timer?: NodeJS.Timeout;
  private readonly cache = new Map<string, string | null>();
  lastError?: string;

  constructor(readonly path: string, private readonly logger: Logger, private readonly checkMs = 60_000) {}

  get loaded(): boolean { return this.reader !== undefined; }

  /** Load now; throws when the file is missing or not a MaxMind database (used at config load). */
  async load(): Promise<boolean> {
    const st = await stat(this.path);
    if (this.reader && st.mtimeMs === this.mtimeMs) return false;
    const buf = await readFile(this.path);
    const reader = new Reader<CountryRecord>(buf);
    checkDatabase(reader, buf.length);
    this.reader = reader;
    this.mtimeMs = st.mtimeMs;
    this.cache.clear();
    geoLoads.inc({ result: 'ok' });
    this.logger.info({ path: this.path, type: reader.metadata.databaseType, build: reader.metadata.buildEpoch }, 'geo database loaded');
    return true;
  }

  adopt(prev: GeoDb): void {
    if (prev.path !== this.path || !prev.reader) return;
    this.reader = prev.reader; this.mtimeMs = prev.mtimeMs;
  }

  /** One background re-read (what the timer runs): never throws; a failure is counted and logged, the last good copy stays. */
  async refresh(): Promise<void> {
    try {
      await this.load();
    } catch (err) {
      this.lastError = (err as Error).message;
      geoLoads.inc({ result: 'error' });
      this.logger.warn({ path: this.path, err: this.lastError }, 'geo database reload failed; keeping the last good copy');
    }
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => { void this.refresh(); }, timerMs(this.checkMs));
    this.timer.unref();
  }

  stop(): void { if (this.timer) clearInterval(this.timer); this.timer = undefined; }

  /** ISO 3166-1 alpha-2 country of an address, undefined when unknown (private ranges, not in the database). */
  country(ip: string): string | undefined {
    if (!this.reader || ip === '') return undefined;
    const hit = this.cache.get(ip);
    if (hit !== undefined) return hit ?? undefined;
    let code: string | null = null;
    try {
      const rec = this.reader.get(ip);
      code = isoCode(rec?.country) ?? isoCode(rec?.registered_country) ?? isoCode(rec?.represented_country) ?? null;
    } catch {
      code = null; // not an IP address
    }
    if (this.cache.size >= 10_000) this.cache.clear();
    this.cache.set(ip, code);
    return code ?? undefined;
  }
}
