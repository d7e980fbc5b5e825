import { isAbsolute, resolve } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError } from '../config/errors.js';
import type { ModuleEnv } from '../modules/module.js';
import { AnomalyTracker, type AnomalyOptions } from './anomaly.js';
import { BanList, DEFAULT_BAN_PREFIXES } from './bans.js';
import { BotDnsVerifier, DEFAULT_BOT_DNS, type BotDnsOptions } from './bot-verify.js';
import { CadenceTracker, compileGoodBots, DEFAULT_GOOD_BOTS, type BotOptions } from './bot.js';
import type { ThreatGlobalConfig, SinkConfig } from './config.js';
import { DEFAULT_DETECTOR_OPTIONS, INJECTION_FAMILIES, type InjectionFamily, type ParanoiaLevel } from './detectors/index.js';
import { parseExclusions, type ParsedExclusion } from './exclude.js';
import { EventDispatcher } from './events/dispatcher.js';
import type { EventSink } from './events/sink.js';
import { FileSink } from './events/sinks/file.js';
import { hostProblem } from './events/sinks/resolved-host.js';
import { SyslogSink } from './events/sinks/syslog.js';
import { WebhookSink } from './events/sinks/webhook.js';
import { GeoDb } from './geo.js';
import type { InputOptions } from './inputs.js';
import { parseCidr } from './ip/address.js';
import { ThreatFeed } from './ip/feeds.js';
import { PrefixTrie } from './ip/trie.js';
import { checkUrl } from './url.js';
import { DEFAULT_WEIGHTS } from './scoring.js';
import { SchemaCompiler } from './validation.js';

/**
 * x-original-url and x-rewrite-url: the URL IIS (URL Rewrite, ARR) and frameworks that honour them (Symfony
 * before 2.7.49/3.4.14, Zend/Laminas; CVE-2018-14773) route by instead of the request's path.
 */
export const DEFAULT_INSPECT_HEADERS = ['user-agent', 'referer', 'cookie', 'x-forwarded-host', 'x-original-url', 'x-rewrite-url'];

/** Everything the threat stages share for one config load (bans, feeds, geo, baselines, sinks). */
export class ThreatState {
  readonly mode: 'enforce' | 'detect';
  readonly inputs: InputOptions;
  /** `threat.inspect.exclude`: exclusions every route adds to its own. */
  readonly exclusions: readonly ParsedExclusion[];
  readonly families: ReadonlySet<InjectionFamily>;
  readonly markup: 'flag' | 'allow';
  readonly minConfidence: number;
  readonly paranoia: ParanoiaLevel;
  readonly weights: Readonly<Record<string, number>>;
  readonly block: number;
  readonly throttle: number;
  readonly banTtlMs: number;
  readonly banOnStoreError: 'deny' | 'allow';
  readonly allow: PrefixTrie<true>;
  readonly blockList: PrefixTrie<true>;
  readonly feeds: ThreatFeed[];
  readonly geo?: GeoDb;
  readonly geoAllow?: ReadonlySet<string>;
  readonly geoDeny?: ReadonlySet<string>;
  readonly geoUnknown: 'allow' | 'deny';
  readonly bans: BanList;
  readonly bot?: BotOptions;
  readonly cadence?: CadenceTracker;
  readonly anomaly?: AnomalyTracker;
  readonly events: EventDispatcher;
  readonly logEvents: boolean;
  readonly minEventAction: 'log' | 'throttle' | 'block';
  readonly upstreamHeader: boolean;
  /** Route JSON Schemas of this config load. */
  readonly schemas = new SchemaCompiler();
  /**
   * The sinks this instance closes: those it built, plus (once swapped in) those it kept from the
   * instance it replaces. A kept sink stays its predecessor's until start(), so closing an instance that
   * never went live (a rejected reload) leaves the running config's sinks open.
   */
  private readonly ownSinks = new Set<EventSink>();
  private readonly keptSinks = new Set<EventSink>();

  constructor(readonly cfg: ThreatGlobalConfig, readonly env: ModuleEnv, readonly configured: boolean) {
    const prev = (env.previous as { state?: ThreatState } | undefined)?.state;
    const logger = env.logger;
    this.mode = cfg.mode ?? 'enforce';
    const ins = cfg.inspect ?? {};
    this.inputs = {
      headers: (ins.headers ?? DEFAULT_INSPECT_HEADERS).map((h) => h.toLowerCase()),
      maxValueBytes: ins.max_value_bytes ?? 64 * 1024,
      maxTotalBytes: ins.max_total_bytes ?? 512 * 1024,
      maxJsonDepth: ins.max_json_depth ?? 32,
      maxJsonValues: ins.max_json_values ?? 5000,
      maxParts: ins.max_multipart_parts ?? 100,
      inspectPath: ins.path ?? true,
      inspectQuery: ins.query ?? true,
      inspectBody: ins.body ?? true,
    };
    this.exclusions = parseExclusions(ins.exclude, '/threat/inspect/exclude', this.inputs);
    this.families = new Set((ins.families ?? INJECTION_FAMILIES) as InjectionFamily[]);
    this.markup = ins.markup ?? 'flag';
    this.paranoia = (cfg.paranoia ?? 1) as ParanoiaLevel;
    const sc = cfg.scoring ?? {};
    this.minConfidence = sc.min_confidence ?? DEFAULT_DETECTOR_OPTIONS.minConfidence;
    this.weights = { ...DEFAULT_WEIGHTS, ...(sc.weights ?? {}) };
    this.block = sc.block ?? 0.8;
    this.throttle = sc.throttle ?? 0.5;
    if (this.throttle > this.block) throw new ConfigError('/threat/scoring/throttle', `throttle (${this.throttle}) must not be above block (${this.block})`);
    this.banTtlMs = cfg.ban?.ttl_ms ?? 600_000;
    this.banOnStoreError = cfg.ban?.on_store_error ?? 'deny';
    this.allow = compileCidrs(cfg.ip?.allow, '/threat/ip/allow');
    this.blockList = compileCidrs(cfg.ip?.block, '/threat/ip/block');

    this.feeds = (cfg.feeds ?? []).map((f, i) => {
      if (f.url !== undefined) checkUrl(f.url, `/threat/feeds/${i}/url`);
      const source = f.url ?? this.path(f.file!);
      const feed = new ThreatFeed({
        name: f.name, source, format: f.format, refreshMs: f.refresh_ms ?? 3_600_000, timeoutMs: f.timeout_ms ?? 10_000,
        maxBytes: f.max_bytes ?? 32 * 1024 * 1024, headers: f.headers ?? {},
      }, logger);
      if (prev) for (const p of prev.feeds) feed.adopt(p);
      return feed;
    });
    const names = new Set<string>();
    (cfg.feeds ?? []).forEach((f, i) => { if (names.has(f.name)) throw new ConfigError(`/threat/feeds/${i}/name`, `duplicate feed name "${f.name}"`); names.add(f.name); });

    if (cfg.geo) {
      this.geo = new GeoDb(this.path(cfg.geo.database), logger, cfg.geo.check_ms ?? 60_000);
      if (prev?.geo) this.geo.adopt(prev.geo);
      this.geoAllow = cfg.geo.allow_countries ? new Set(cfg.geo.allow_countries.map((c) => c.toUpperCase())) : undefined;
      this.geoDeny = cfg.geo.deny_countries ? new Set(cfg.geo.deny_countries.map((c) => c.toUpperCase())) : undefined;
    }
    this.geoUnknown = cfg.geo?.unknown ?? 'allow';

    this.bans = new BanList(env.store, cfg.ban?.cache_ms ?? 2000, logger, Date.now, undefined, {
      ipv4: cfg.ban?.ipv4_prefix_length ?? DEFAULT_BAN_PREFIXES.ipv4, ipv6: cfg.ban?.ipv6_prefix_length ?? DEFAULT_BAN_PREFIXES.ipv6,
    });

    const b = cfg.bot ?? {};
    if (b.enabled ?? true) {
      this.bot = {
        goodBots: compileGoodBots(b.good_bots ?? DEFAULT_GOOD_BOTS),
        dns: b.dns?.enabled === false ? undefined : this.botDns(b.dns ?? {}, prev),
        automation: b.automation ?? 0.3,
        missingUserAgent: b.missing_user_agent ?? 0.4,
        browserConsistency: b.browser_consistency ?? true,
        cadence: {
          enabled: b.cadence?.enabled ?? true, minRequests: b.cadence?.min_requests ?? 12,
          maxCv: b.cadence?.max_cv ?? 0.05, maxMeanMs: b.cadence?.max_mean_ms ?? 10_000,
        },
      };
      this.cadence = prev?.cadence ?? new CadenceTracker();
    }
    const a = cfg.anomaly ?? {};
    if (a.enabled ?? true) {
      const opts: AnomalyOptions = {
        windowMs: a.window_ms ?? 60_000, maxClients: a.max_clients ?? 50_000, spikeFactor: a.spike_factor ?? 10,
        spikeMinRequests: a.spike_min_requests ?? 300, distinctPaths: a.distinct_paths ?? 100, probePaths: a.probe_paths ?? 5,
        authFailures: a.auth_failures ?? 10, authWindowMs: a.auth_window_ms ?? 300_000,
      };
      const same = prev?.anomaly && JSON.stringify(prev.anomaly.opts) === JSON.stringify(opts);
      this.anomaly = same ? prev!.anomaly : new AnomalyTracker(opts);
    }

    const ev = cfg.events ?? {};
    // keep identical sinks (their queues and connections) across a reload; building one opens nothing
    const sinkNames = new Set<string>();
    const sinks = (ev.sinks ?? []).map((s, i) => {
      const built = this.sink(s, i, logger);
      // the name is the metrics label: two sinks sharing it would add up their counters and overwrite each other's queue gauge
      if (sinkNames.has(built.name)) throw new ConfigError(`/threat/events/sinks/${i}${s.name === undefined ? '' : '/name'}`, `duplicate sink name "${built.name}"`);
      sinkNames.add(built.name);
      const same = prev?.events.sinks.find((p) => p.key === built.key && p.name === built.name);
      if (same) this.keptSinks.add(same);
      else this.ownSinks.add(built);
      return same ?? built;
    });
    this.events = new EventDispatcher(sinks, logger);
    this.logEvents = ev.log ?? true;
    this.minEventAction = ev.min_action ?? 'throttle';
    this.upstreamHeader = cfg.upstream_header ?? false;
  }

  /** The reverse-DNS verifier, kept across reloads (with its cache) while its options are unchanged. */
  private botDns(d: NonNullable<NonNullable<ThreatGlobalConfig['bot']>['dns']>, prev: ThreatState | undefined): BotDnsVerifier {
    const opts: BotDnsOptions = {
      ...DEFAULT_BOT_DNS,
      servers: d.servers ?? DEFAULT_BOT_DNS.servers,
      timeoutMs: d.timeout_ms ?? DEFAULT_BOT_DNS.timeoutMs,
      cacheMs: d.cache_ms ?? DEFAULT_BOT_DNS.cacheMs,
      maxEntries: d.max_entries ?? DEFAULT_BOT_DNS.maxEntries,
    };
    const old = prev?.bot?.dns;
    if (old && JSON.stringify(old.opts) === JSON.stringify(opts)) return old;
    try {
      return new BotDnsVerifier(opts, this.env.logger);
    } catch (err) {
      throw new ConfigError('/threat/bot/dns/servers', (err as Error).message);
    }
  }

  path(p: string): string {
    return isAbsolute(p) ? p : resolve(this.env.configDir, p);
  }

  private sink(s: SinkConfig, i: number, logger: Logger): EventSink {
    const name = s.name ?? `${s.type}-${i}`;
    const flushMs = s.flush_ms ?? 200;
    const maxQueue = s.max_queue ?? 10_000;
    switch (s.type) {
      case 'file': return new FileSink(name, this.path(s.path!), logger, { maxQueue, flushMs });
      case 'webhook': checkUrl(s.url!, `/threat/events/sinks/${i}/url`); return new WebhookSink(name, {
        url: s.url!, headers: s.headers ?? {}, format: s.format ?? 'json', batchSize: s.batch_size ?? 100, flushMs, maxQueue,
        timeoutMs: s.timeout_ms ?? 2000, maxRetries: s.max_retries ?? 5, backoffMs: s.backoff_ms ?? 200,
      }, logger);
      case 'syslog':
        { const bad = hostProblem(s.host!); if (bad) throw new ConfigError(`/threat/events/sinks/${i}/host`, bad); }
        if (s.framing !== undefined && s.protocol !== 'tcp') throw new ConfigError(`/threat/events/sinks/${i}/framing`, 'framing applies to protocol: tcp only (UDP sends one message per datagram)');
        return new SyslogSink(name, {
        host: s.host!, port: s.port!, protocol: s.protocol ?? 'udp', framing: s.protocol === 'tcp' ? s.framing ?? 'octet-counting' : undefined, facility: s.facility ?? 13, appName: s.app_name ?? 'portcullis',
        maxQueue, flushMs, maxMessageBytes: s.max_message_bytes ?? 8192, timeoutMs: s.timeout_ms ?? 2000,
      }, logger);
    }
  }

  /** After the swap: start refreshes, subscribe to bans. Feeds from files load before the first Check. */
  async start(): Promise<void> {
    const prev = (this.env.previous as { state?: ThreatState } | undefined)?.state;
    for (const s of this.keptSinks) { prev?.ownSinks.delete(s); this.ownSinks.add(s); }
    this.keptSinks.clear();
    await this.bans.start(); // never throws: retries in the background while the store is down
    for (const f of this.feeds) f.start();
    this.geo?.start();
  }

  ready(): boolean {
    return this.feeds.every((f) => f.loaded) && (this.geo === undefined || this.geo.loaded);
  }

  /**
   * Stops what this instance owns. Feeds, the geo database and the ban list are its own objects (adopt()
   * copies data, not timers); the anomaly and cadence trackers and the DNS verifier may be shared with
   * another instance but hold no timer or socket, so there is nothing of theirs to close.
   */
  async close(deadline?: number): Promise<void> {
    for (const f of this.feeds) f.stop();
    this.geo?.stop();
    await this.bans.close();
    const mine = [...this.ownSinks];
    this.ownSinks.clear();
    await Promise.all(mine.map((s) => s.close(deadline).catch(() => undefined)));
  }
}

export function compileCidrs(list: string[] | undefined, pointer: string): PrefixTrie<true> {
  const t = new PrefixTrie<true>();
  (list ?? []).forEach((s, i) => {
    const c = parseCidr(s);
    if (!c) throw new ConfigError(`${pointer}/${i}`, `"${s.slice(0, 64)}" is not an IP address or CIDR`);
    t.insert(c.bytes, c.bits, true);
  });
  return t;
}
