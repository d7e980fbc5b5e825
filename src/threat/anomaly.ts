import { LRUCache } from 'lru-cache';
import type { Finding } from '../pipeline/context.js';

export interface AnomalyOptions {
  /** Length of one counting window. */
  windowMs: number;
  /** Clients tracked at once (least recently seen are forgotten). */
  maxClients: number;
  /** A window this many times the client's baseline is a spike … */
  spikeFactor: number;
  /** … when it also has at least this many requests. */
  spikeMinRequests: number;
  /** Distinct paths in one window that read as enumeration. */
  distinctPaths: number;
  /** Requests for scanner-favourite paths (/.env, /wp-admin …) in one window. */
  probePaths: number;
  /** Failed authentications (401 decisions) per client in `authWindowMs`. */
  authFailures: number;
  authWindowMs: number;
}

interface ClientState {
  windowStart: number;
  count: number;
  /** EWMA of past windows' counts: the client's own baseline. */
  baseline: number;
  windows: number;
  /** Distinct paths this window, as a linear-counting bitmap (fixed size, whatever the paths). */
  paths: Uint32Array;
  /** Bits set in `paths`. */
  pathBits: number;
  probes: number;
  authFails: number[];
}

/** Paths scanners ask for that an API never serves (the 404-prone set). */
const PROBE_PATHS = ['/.env', '/.git/', '/.svn/', '/.hg/', '/.aws/', '/.ssh/', '/.ds_store', '/wp-admin', '/wp-login', '/wp-content',
  '/wp-includes', '/xmlrpc.php', '/phpmyadmin', '/pma/', '/myadmin', '/admin.php', '/administrator/', '/cgi-bin/', '/server-status',
  '/.htaccess', '/.htpasswd', '/config.php', '/web.config', '/etc/passwd', '/actuator', '/console/', '/solr/', '/jmx-console',
  '/manager/html', '/boaform', '/hnap1', '/vendor/phpunit', '/.well-known/security.txt~', '/shell', '/backup', '/.bak', '/.old',
  '/dump.sql', '/db.sql', '/.idea/', '/.vscode/', '/composer.json', '/package.json', '/docker-compose', '/owa/', '/autodiscover'];

/** Bits in each client's distinct-path bitmap: 256 bytes, estimates within a few percent up to ~2000. */
const PATH_BITS = 2048;
/** The largest `distinct_paths` the bitmap can count reliably. */
export const MAX_DISTINCT_PATHS = 2000;
const ALPHA = 0.3;

/** FNV-1a, 32 bits: the path's bit in the bitmap. */
function pathHash(path: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < path.length; i++) { h ^= path.charCodeAt(i); h = Math.imul(h, 0x01000193); }
  return h >>> 0;
}

/** Linear-counting estimate of the distinct paths behind `bits` set bits. */
export function distinctEstimate(bits: number): number {
  if (bits >= PATH_BITS) return Infinity;
  if (bits === 0) return 0;
  return Math.round(-PATH_BITS * Math.log(1 - bits / PATH_BITS));
}

/**
 * Per-client rolling baselines in bounded memory (a few hundred bytes per client, whatever its paths): request-rate spikes against the client's own history,
 * path enumeration (many distinct paths, scanner-favourite paths) and repeated authentication failures
 * (fed from decisions, so the identify phase's 401s count). State is per replica.
 */
export class AnomalyTracker {
  private readonly clients: LRUCache<string, ClientState>;

  constructor(readonly opts: AnomalyOptions) {
    this.clients = new LRUCache({ max: opts.maxClients });
  }

  /** Clients tracked now. */
  get size(): number { return this.clients.size; }

  private state(client: string, now: number): ClientState {
    let s = this.clients.get(client);
    if (!s) {
      s = { windowStart: now, count: 0, baseline: 0, windows: 0, paths: new Uint32Array(PATH_BITS / 32), pathBits: 0, probes: 0, authFails: [] };
      this.clients.set(client, s);
    }
    const elapsed = now - s.windowStart;
    if (elapsed >= this.opts.windowMs) {
      // close the window(s): fold the count into the baseline, idle windows count as zero
      const idle = Math.min(16, Math.floor(elapsed / this.opts.windowMs) - 1);
      s.baseline = s.windows === 0 ? s.count : s.baseline * (1 - ALPHA) + s.count * ALPHA;
      for (let i = 0; i < idle; i++) s.baseline *= 1 - ALPHA;
      s.windows++;
      s.windowStart = now - (elapsed % this.opts.windowMs);
      s.count = 0;
      s.paths.fill(0);
      s.pathBits = 0;
      s.probes = 0;
    }
    return s;
  }

  /** Count the request and report what is anomalous about the client now. */
  observe(client: string, path: string, now: number, out: Finding[]): void {
    if (client === '') return;
    const s = this.state(client, now);
    s.count++;
    const bit = pathHash(path) % PATH_BITS;
    const word = bit >>> 5, mask = 1 << (bit & 31);
    if ((s.paths[word]! & mask) === 0) { s.paths[word]! |= mask; s.pathBits++; }
    const lower = path.toLowerCase();
    for (const p of PROBE_PATHS) {
      if (lower.includes(p)) { s.probes++; out.push({ family: 'anomaly', where: 'path', confidence: 0.5, detail: `scanner path ${p}` }); break; }
    }
    const o = this.opts;
    if (s.windows > 0 && s.count >= o.spikeMinRequests && s.count > o.spikeFactor * Math.max(1, s.baseline)) {
      out.push({ family: 'anomaly', where: 'client', confidence: 0.6, detail: `rate spike: ${s.count} requests vs baseline ${s.baseline.toFixed(1)} per window` });
    }
    const distinct = distinctEstimate(s.pathBits);
    if (distinct >= o.distinctPaths) {
      out.push({ family: 'anomaly', where: 'client', confidence: 0.65, detail: `path enumeration: ~${Number.isFinite(distinct) ? distinct : `${MAX_DISTINCT_PATHS}+`} distinct paths in one window` });
    }
    if (s.probes >= o.probePaths) {
      out.push({ family: 'anomaly', where: 'client', confidence: 0.8, detail: `${s.probes} scanner paths in one window` });
    }
    const fails = this.recentAuthFailures(s, now);
    if (fails >= o.authFailures) {
      out.push({ family: 'anomaly', where: 'client', confidence: fails >= 2 * o.authFailures ? 0.9 : 0.7, detail: `${fails} failed authentications` });
    }
  }

  private recentAuthFailures(s: ClientState, now: number): number {
    const cutoff = now - this.opts.authWindowMs;
    while (s.authFails.length > 0 && s.authFails[0]! < cutoff) s.authFails.shift();
    return s.authFails.length;
  }

  /** A decision denied this client with 401. */
  authFailure(client: string, now: number): void {
    if (client === '') return;
    const s = this.state(client, now);
    s.authFails.push(now);
    if (s.authFails.length > 4 * this.opts.authFailures + 16) s.authFails.splice(0, s.authFails.length - (4 * this.opts.authFailures + 16));
  }
}
