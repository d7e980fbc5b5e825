import { LRUCache } from 'lru-cache';
import type { Finding, RequestContext } from '../pipeline/context.js';
import { ConfigError } from '../config/errors.js';
import { parseCidr } from './ip/address.js';
import { PrefixTrie } from './ip/trie.js';
import type { BotDnsVerifier } from './bot-verify.js';

/** Vulnerability scanners and attack tools: nobody sends these by accident. */
const ATTACK_TOOLS = ['sqlmap', 'nikto', 'nmap', 'masscan', 'zgrab', 'nuclei', 'wpscan', 'acunetix', 'nessus', 'openvas',
  'dirbuster', 'gobuster', 'ffuf', 'feroxbuster', 'wfuzz', 'hydra', 'w3af', 'zaproxy', 'owasp zap', 'jorgee', 'havij',
  'netsparker', 'appscan', 'arachni', 'skipfish', 'whatweb', 'commix', 'xsser', 'burpcollaborator', 'qualys', 'detectify',
  'morfeus', 'zmeu', 'fimap', 'paros', 'webinspect', 'dirb/', 'nmap scripting engine', 'masscan-ng', 'httpx - open-source'];
/** Headless and scripted browsers. */
const HEADLESS = ['headlesschrome', 'phantomjs', 'selenium', 'webdriver', 'puppeteer', 'playwright', 'slimerjs', 'htmlunit',
  'chrome-lighthouse', 'splash', 'nightmare', 'casperjs', 'electron/'];
/** HTTP libraries and command-line clients: automation, normal for APIs, odd for browser-only routes. */
const AUTOMATION = ['curl/', 'wget/', 'python-requests', 'python-urllib', 'python-httpx', 'aiohttp', 'httpx/', 'go-http-client',
  'java/', 'okhttp', 'apache-httpclient', 'libwww-perl', 'lwp::', 'scrapy', 'node-fetch', 'axios/', 'undici', 'got (',
  'postmanruntime', 'insomnia', 'powershell', 'winhttp', 'ruby', 'faraday', 'guzzlehttp', 'restsharp', 'dart:io',
  'reqwest', 'libcurl', 'httpie', 'mechanize', 'colly', 'php/', 'perl/', 'python/', 'okhttp/', 'cfnetwork', 'bot', 'crawler', 'spider'];
/**
 * Search engines and link unfurlers commonly allowed, by user-agent token. Where the operator documents
 * forward-confirmed reverse DNS for its crawler, its domains are given: a claim is then verified, and a
 * claim that DNS does not confirm is itself a finding. The others cannot be verified by DNS (give them
 * `cidrs` from the operator's published ranges); their claim only waives the weak bot signals.
 */
const GOOGLE = ['googlebot.com', 'google.com', 'googleusercontent.com'];
export const DEFAULT_GOOD_BOTS: ReadonlyArray<{ token: string; domains?: string[] }> = [
  { token: 'googlebot', domains: GOOGLE }, { token: 'google-inspectiontool', domains: GOOGLE },
  { token: 'adsbot-google', domains: GOOGLE }, { token: 'mediapartners-google', domains: GOOGLE },
  { token: 'bingbot', domains: ['search.msn.com'] }, { token: 'applebot', domains: ['applebot.apple.com'] },
  { token: 'yandexbot', domains: ['yandex.ru', 'yandex.net', 'yandex.com'] }, { token: 'baiduspider', domains: ['baidu.com', 'baidu.jp'] },
  { token: 'slurp', domains: ['crawl.yahoo.net'] },
  ...['duckduckbot', 'facebookexternalhit', 'twitterbot', 'linkedinbot', 'slackbot', 'discordbot', 'whatsapp', 'telegrambot',
    'pinterestbot', 'uptimerobot', 'pingdom'].map((token) => ({ token })),
];

export interface GoodBot { token: string; cidrs?: PrefixTrie<true>; domains?: string[] }

export interface BotOptions {
  goodBots: GoodBot[];
  /** Verifies `domains` claims by forward-confirmed reverse DNS; without it `domains` are not checked. */
  dns?: BotDnsVerifier;
  /** Confidence given to plain HTTP libraries (curl, python-requests …); 0 ignores them. */
  automation: number;
  /** Confidence for a request with no user agent at all. */
  missingUserAgent: number;
  /** Browser UA without the headers every such browser sends. */
  browserConsistency: boolean;
  cadence: { enabled: boolean; minRequests: number; maxCv: number; maxMeanMs: number };
}

/** Compiles the good-bot list; a CIDR that does not parse is a ConfigError at `base/i/cidrs/j`. */
export function compileGoodBots(list: ReadonlyArray<{ token: string; cidrs?: string[]; domains?: string[] }>, base = '/threat/bot/good_bots'): GoodBot[] {
  return list.map((b, i) => {
    let cidrs: PrefixTrie<true> | undefined;
    if (b.cidrs && b.cidrs.length > 0) {
      cidrs = new PrefixTrie<true>();
      b.cidrs.forEach((c, j) => {
        const p = parseCidr(c);
        if (!p) throw new ConfigError(`${base}/${i}/cidrs/${j}`, `"${c}" is not an IP address or CIDR`);
        cidrs!.insert(p.bytes, p.bits, true);
      });
    }
    const domains = b.domains && b.domains.length > 0 ? b.domains.map((d) => d.toLowerCase().replace(/^\.|\.$/g, '')) : undefined;
    return { token: b.token.toLowerCase(), cidrs, domains };
  });
}

function firstOf(ua: string, list: readonly string[]): string | undefined {
  for (const t of list) if (ua.includes(t)) return t;
  return undefined;
}

type UaClass = { kind: 'tool' | 'headless' | 'automation' | 'other'; token?: string };
/** User agents repeat: their classification is memoised (bounded; cleared when full). */
const uaMemo = new Map<string, UaClass>();
const UA_MEMO_MAX = 4096;

function classifyUa(ua: string): UaClass {
  const hit = uaMemo.get(ua);
  if (hit) return hit;
  let c: UaClass;
  const tool = firstOf(ua, ATTACK_TOOLS);
  if (tool) c = { kind: 'tool', token: tool };
  else {
    const headless = firstOf(ua, HEADLESS);
    if (headless) c = { kind: 'headless', token: headless.replace(/\/$/, '') };
    else {
      const lib = firstOf(ua, AUTOMATION);
      c = lib ? { kind: 'automation', token: lib.replace(/[/(]$/, '').trim() } : { kind: 'other' };
    }
  }
  if (ua.length <= 1024) {
    if (uaMemo.size >= UA_MEMO_MAX) uaMemo.clear();
    uaMemo.set(ua, c);
  }
  return c;
}

interface Cadence { times: Float64Array; n: number; last: number }

/** Per-client request timing (bounded): machine-regular intervals are a bot signal no UA can hide. */
export class CadenceTracker {
  private readonly clients: LRUCache<string, Cadence>;
  constructor(max = 10_000, private readonly window = 16) { this.clients = new LRUCache({ max }); }

  /** Clients tracked now. */
  get size(): number { return this.clients.size; }

  /** Record a request; returns [count, mean interval ms, coefficient of variation] over the kept window. */
  observe(client: string, t: number): [number, number, number] {
    let c = this.clients.get(client);
    if (!c) { c = { times: new Float64Array(this.window), n: 0, last: 0 }; this.clients.set(client, c); }
    c.times[c.n % this.window] = t;
    c.n++;
    const k = Math.min(c.n, this.window);
    if (k < 3) return [k, 0, 1];
    // intervals between consecutive kept timestamps
    let sum = 0, sq = 0;
    const start = c.n - k;
    for (let i = start + 1; i < c.n; i++) {
      const d = c.times[i % this.window]! - c.times[(i - 1) % this.window]!;
      sum += d; sq += d * d;
    }
    const m = sum / (k - 1);
    const variance = Math.max(0, sq / (k - 1) - m * m);
    return [k, m, m > 0 ? Math.sqrt(variance) / m : 0];
  }
}

/**
 * Bot signals for one request: attack tools and headless browsers by user agent, HTTP libraries (a weak
 * signal on an API), a browser user agent without the headers that browser always sends, and request
 * cadence too regular for a person.
 *
 * A user agent claiming a good bot (search engines …) is judged by what can be checked. Attack-tool and
 * headless markers always count: a claim does not hide them. A claim verified by the bot's `cidrs` or by
 * forward-confirmed reverse DNS under its `domains` waives every other signal. A claim that every
 * configured check refutes is itself a finding (0.85) and waives nothing. A claim not yet decided (DNS
 * lookup in flight or failing) waives nothing either. A claim with no check configured waives the weak
 * signals (HTTP library, browser consistency, cadence): it cannot be verified, only trusted.
 */
export function botFindings(ctx: RequestContext, ip: string, ipBytes: Uint8Array | undefined, opts: BotOptions, cadence: CadenceTracker | undefined, out: Finding[]): void {
  const ua = (ctx.headers['user-agent'] ?? '').toLowerCase();
  const where = 'header.user-agent';
  if (ua === '') {
    if (opts.missingUserAgent > 0) out.push({ family: 'bot', where, confidence: opts.missingUserAgent, detail: 'no user agent' });
  } else {
    const c = classifyUa(ua);
    if (c.kind === 'tool') { out.push({ family: 'bot', where, confidence: 0.95, detail: `attack tool ${c.token}` }); return; }
    if (c.kind === 'headless') out.push({ family: 'bot', where, confidence: 0.7, detail: `headless browser ${c.token}` });
    else {
      const claim = goodBotClaim(ua, ip, ipBytes, opts);
      if (claim === 'verified' || claim === 'trusted') return;
      if (claim !== undefined && claim !== 'unknown') out.push({ family: 'bot', where, confidence: 0.85, detail: claim });
      if (c.kind === 'automation') { if (opts.automation > 0) out.push({ family: 'bot', where, confidence: opts.automation, detail: `automation client ${c.token}` }); }
      else if (opts.browserConsistency && ua.startsWith('mozilla/5.0')) browserConsistency(ctx, ua, out);
    }
  }
  if (cadence && opts.cadence.enabled && ip !== '') {
    const [n, mean, cv] = cadence.observe(ip, ctx.time);
    if (n >= opts.cadence.minRequests && mean > 0 && mean <= opts.cadence.maxMeanMs && cv <= opts.cadence.maxCv) {
      out.push({ family: 'bot', where: 'client', confidence: 0.6, detail: `regular cadence (${Math.round(mean)} ms ± ${Math.round(cv * 100)}%)` });
    }
  }
}

/**
 * The first good bot the user agent names, judged: 'verified', 'trusted' (nothing to check it against),
 * 'unknown' (not decided yet), or the reason it is refuted; undefined when no good bot is named.
 */
function goodBotClaim(ua: string, ip: string, ipBytes: Uint8Array | undefined, opts: BotOptions): 'verified' | 'trusted' | 'unknown' | string | undefined {
  const named = namedGoodBot(ua, opts.goodBots);
  if (named >= 0) {
    const g = opts.goodBots[named]!;
    const dns = g.domains && opts.dns;
    if (!g.cidrs && !dns) return 'trusted';
    if (g.cidrs && ipBytes && g.cidrs.has(ipBytes)) return 'verified';
    if (dns) {
      const v = dns.verdict(ip, g.domains!);
      if (v === 'confirmed') return 'verified';
      if (v === 'unknown') return 'unknown';
      return `claims to be ${g.token} but reverse DNS does not confirm it`;
    }
    return ipBytes ? `claims to be ${g.token} from outside its networks` : 'unknown';
  }
  return undefined;
}

/**
 * Index of the first good bot whose token the user agent holds (-1: none). User agents repeat: the answer
 * is memoised per compiled list (bounded like the classification memo; cleared when full).
 */
const namedMemo = new WeakMap<readonly GoodBot[], Map<string, number>>();
function namedGoodBot(ua: string, list: readonly GoodBot[]): number {
  let memo = namedMemo.get(list);
  const hit = memo?.get(ua);
  if (hit !== undefined) return hit;
  let named = -1;
  for (let i = 0; i < list.length; i++) if (ua.includes(list[i]!.token)) { named = i; break; }
  if (ua.length <= 1024) {
    if (memo === undefined) namedMemo.set(list, memo = new Map());
    if (memo.size >= UA_MEMO_MAX) memo.clear();
    memo.set(ua, named);
  }
  return named;
}

/** A browser user agent without the headers that browser always sends. */
function browserConsistency(ctx: RequestContext, ua: string, out: Finding[]): void {
  const h = ctx.headers;
  const chromium = ua.includes('chrome/') || ua.includes('edg/');
  const firefox = ua.includes('firefox/');
  const safari = ua.includes('safari/') && !chromium;
  if (!chromium && !firefox && !safari) return;
  const missing: string[] = [];
  if (h['accept-language'] === undefined) missing.push('accept-language');
  if (h['accept-encoding'] === undefined) missing.push('accept-encoding');
  if (h['accept'] === undefined) missing.push('accept');
  // Fetch metadata is sent by Chromium 76+, Firefox 90+, Safari 16.4+ to secure origins
  const secure = ctx.scheme === 'https' || ctx.host.startsWith('localhost') || ctx.host.startsWith('127.');
  const major = versionOf(ua, chromium ? (ua.includes('edg/') ? 'edg/' : 'chrome/') : firefox ? 'firefox/' : 'version/');
  const sendsFetchMetadata = (chromium && major >= 80) || (firefox && major >= 90) || (safari && major >= 17);
  if (secure && sendsFetchMetadata && h['sec-fetch-mode'] === undefined) missing.push('sec-fetch-mode');
  if (missing.length === 0) return;
  out.push({ family: 'bot', where: 'headers', confidence: Math.min(0.85, 0.35 + 0.15 * missing.length), detail: `browser user agent without ${missing.join(', ')}` });
}

function versionOf(ua: string, token: string): number {
  const at = ua.indexOf(token);
  if (at < 0) return 0;
  return parseInt(ua.slice(at + token.length, at + token.length + 4), 10) || 0;
}
