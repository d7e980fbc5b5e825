import { readFile, stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import { fetchFollowing } from '../../common/fetch-redirects.js';
import { counter, gauge } from '../../telemetry/metrics.js';
import type { IpBytes } from './address.js';
import { parseFeed, type FeedFormat } from './feed-format.js';
import { redactUrls } from '../url.js';
import { PrefixTrie } from './trie.js';
import { timerMs } from '../../common/timers.js';

const feedEntries = gauge('portcullis_threat_feed_entries', 'CIDR entries in the active copy of each threat feed', ['feed'] as const);
const feedLoads = counter('portcullis_threat_feed_loads_total', 'Threat feed loads by result (ok, not_modified, error)', ['feed', 'result'] as const);
const feedLastSuccess = gauge('portcullis_threat_feed_last_success_timestamp_seconds', 'Time of the last successful feed load', ['feed'] as const);

export interface FeedConfig {
  name: string;
  /** http(s) URL or a file path (relative to the config folder). */
  source: string;
  format: FeedFormat;
  refreshMs: number;
  timeoutMs: number;
  /** Largest body accepted from a URL. */
  maxBytes: number;
  /** Extra request headers for a URL (authorization); never logged. */
  headers?: Record<string, string>;
}

/**
 * One threat feed: loaded from a file or URL, parsed into a prefix trie, refreshed in the background.
 * A failed refresh (unreachable, garbage, empty) keeps the last good trie. URL loads use ETag /
 * Last-Modified so an unchanged feed costs a 304.
 */
export class ThreatFeed {
  private trie: PrefixTrie<true> | undefined;
  private etag?: string;
  private lastModified?: string;
  private mtimeMs = 0;
  private timer?: NodeJS.Timeout;
  private inflight?: Promise<void>;
  /** Why the last load failed; URLs in it are redacted (it reaches logs and /admin/threat/status). */
  lastError?: string;

  constructor(readonly cfg: FeedConfig, private readonly logger: Logger) {}

  get key(): string { return `${this.cfg.name}|${this.cfg.source}|${this.cfg.format}`; }
  get loaded(): boolean { return this.trie !== undefined; }
  get size(): number { return this.trie?.size ?? 0; }

  /** Take over the last good copy of a feed from the instance this one replaces. */
  adopt(prev: ThreatFeed): void {
    if (prev.key !== this.key || !prev.trie) return;
    this.trie = prev.trie; this.etag = prev.etag; this.lastModified = prev.lastModified; this.mtimeMs = prev.mtimeMs;
  }

  has(ip: IpBytes): boolean | undefined {
    return this.trie === undefined ? undefined : this.trie.has(ip);
  }

  start(): void {
    if (this.timer) return;
    if (!this.trie) void this.refresh();
    this.timer = setInterval(() => void this.refresh(), timerMs(this.cfg.refreshMs));
    this.timer.unref();
  }

  stop(): void { if (this.timer) clearInterval(this.timer); this.timer = undefined; }

  /** Load now; resolves when done (never rejects). Concurrent calls share one load. */
  refresh(): Promise<void> {
    this.inflight ??= this.load().finally(() => { this.inflight = undefined; });
    return this.inflight;
  }

  private async load(): Promise<void> {
    const name = this.cfg.name;
    try {
      const text = /^https?:\/\//i.test(this.cfg.source) ? await this.fetchUrl() : await this.readFileIfChanged();
      if (text === undefined) { feedLoads.inc({ feed: name, result: 'not_modified' }); return; }
      const parsed = parseFeed(text, this.cfg.format);
      if (parsed.cidrs.length === 0) throw new Error(`no addresses in the feed (${parsed.invalidCount} unparseable lines)`);
      // more lines that are not addresses than addresses: an error page or the wrong file, not this feed
      if (parsed.invalidCount > parsed.cidrs.length) throw new Error(`the feed is mostly not addresses (${parsed.invalidCount} unparseable lines, ${parsed.cidrs.length} addresses)`);
      const trie = new PrefixTrie<true>();
      for (const c of parsed.cidrs) trie.insert(c.bytes, c.bits, true);
      this.trie = trie;
      this.lastError = undefined;
      feedEntries.set({ feed: name }, trie.size);
      feedLoads.inc({ feed: name, result: 'ok' });
      feedLastSuccess.set({ feed: name }, Date.now() / 1000);
      if (parsed.invalidCount > 0) this.logger.warn({ feed: name, invalid: parsed.invalidCount, too_broad: parsed.tooBroad, examples: parsed.invalid }, 'threat feed has unparseable or too broad lines (skipped)');
      this.logger.info({ feed: name, entries: trie.size }, 'threat feed loaded');
    } catch (err) {
      this.lastError = redactUrls((err as Error).message);
      feedLoads.inc({ feed: name, result: 'error' });
      this.logger.warn({ feed: name, err: this.lastError, keeping: this.trie ? this.trie.size : 0 }, 'threat feed load failed; keeping the last good copy');
    }
  }

  private async readFileIfChanged(): Promise<string | undefined> {
    const st = await stat(this.cfg.source);
    if (this.trie && st.mtimeMs === this.mtimeMs) return undefined;
    const text = await readFile(this.cfg.source, 'utf8');
    this.mtimeMs = st.mtimeMs;
    return text;
  }

  private async fetchUrl(): Promise<string | undefined> {
    const conditional: Record<string, string> = { accept: 'text/plain, application/json;q=0.9, */*;q=0.1' };
    if (this.trie && this.etag) conditional['if-none-match'] = this.etag;
    if (this.trie && this.lastModified) conditional['if-modified-since'] = this.lastModified;
    // the configured headers (credentials) go to the configured origin only
    const res = await fetchFollowing(this.cfg.source, { headers: this.cfg.headers ?? {}, conditional, signal: AbortSignal.timeout(this.cfg.timeoutMs) });
    if (res.status === 304) return undefined;
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const len = Number(res.headers.get('content-length') ?? 0);
    if (len > this.cfg.maxBytes) throw new Error(`feed too large (${len} > ${this.cfg.maxBytes} bytes)`);
    const reader = res.body?.getReader();
    if (!reader) throw new Error('empty response');
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > this.cfg.maxBytes) { await reader.cancel(); throw new Error(`feed too large (> ${this.cfg.maxBytes} bytes)`); }
      chunks.push(value);
    }
    this.etag = res.headers.get('etag') ?? undefined;
    this.lastModified = res.headers.get('last-modified') ?? undefined;
    return Buffer.concat(chunks).toString('utf8');
  }
}
