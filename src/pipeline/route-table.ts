import type { RouteConfig } from '../config/types.js';
import { compileHeaderMatches, compilePathMatch, type HeaderMatcher, type PathMatcher } from './matchers.js';
import type { Stage } from './stage.js';

export interface CompiledRoute {
  name: string;
  index: number;
  failOpen: boolean;
  /** Stages in phase order. */
  stages: Stage[];
}

interface Matcher {
  route: CompiledRoute;
  host?: (h: string) => boolean;
  exactPath?: string;
  path?: PathMatcher;
  methods?: Set<string>;
  ext?: Array<[string, string]>;
  headers?: HeaderMatcher;
}

export interface RouteQuery {
  host: string;
  path: string;
  method: string;
  headers: Readonly<Record<string, string>>;
  contextExtensions: Readonly<Record<string, string>>;
}

function hostMatcher(patterns: string | string[]): (h: string) => boolean {
  if (typeof patterns !== 'string') {
    const exact = new Set<string>();
    const suffixes: string[] = [];
    for (const p of patterns.map((x) => x.toLowerCase())) if (p.startsWith('*.')) suffixes.push(p.slice(1)); else exact.add(p);
    return (h) => { const x = stripPort(h); return exact.has(x) || suffixes.some((s) => x.endsWith(s)); };
  }
  const p = patterns.toLowerCase();
  if (p.startsWith('*.')) { const suffix = p.slice(1); return (h) => stripPort(h).endsWith(suffix); }
  return (h) => stripPort(h) === p;
}

function stripPort(h: string): string {
  if (h.startsWith('[')) { const e = h.indexOf(']'); return e > 0 ? h.slice(0, e + 1) : h; }
  const c = h.lastIndexOf(':');
  return c > 0 ? h.slice(0, c) : h;
}

/**
 * Routes are matched in config order, first match wins (like Envoy). Routes whose only path condition
 * is an exact path are indexed in a Map, so a table of many exact routes costs one lookup plus a scan
 * of the non-exact routes declared before the hit.
 */
export class RouteTable {
  private readonly exact = new Map<string, Matcher[]>();
  private readonly ordered: Matcher[] = [];

  /** `onError` takes a route's compile error and the table goes on with the next route; without it the error is thrown. */
  constructor(routes: Array<{ cfg: RouteConfig; compiled: CompiledRoute }>, onError?: (err: unknown) => void) {
    for (const r of routes) {
      if (onError === undefined) { this.add(r.cfg, r.compiled); continue; }
      try { this.add(r.cfg, r.compiled); } catch (err) { onError(err); }
    }
  }

  private add(cfg: RouteConfig, compiled: CompiledRoute): void {
    {
      const m = cfg.match ?? {};
      const p = `/routes/${compiled.index}/match`;
      const matcher: Matcher = {
        route: compiled,
        host: m.host ? hostMatcher(m.host) : undefined,
        methods: m.methods ? new Set(m.methods) : undefined,
        ext: m.context_extensions ? Object.entries(m.context_extensions) : undefined,
        headers: compileHeaderMatches(m.headers, `${p}/headers`),
      };
      if (m.path?.exact !== undefined) {
        matcher.exactPath = m.path.exact;
        const list = this.exact.get(m.path.exact);
        if (list) list.push(matcher); else this.exact.set(m.path.exact, [matcher]);
      } else {
        if (m.path) matcher.path = compilePathMatch(m.path, `${p}/path`);
        this.ordered.push(matcher);
      }
    }
  }

  match(q: RouteQuery): CompiledRoute | undefined {
    let best: CompiledRoute | undefined;
    const exact = this.exact.get(q.path);
    if (exact) for (const m of exact) if (rest(m, q)) { best = m.route; break; }
    for (const m of this.ordered) {
      if (best && m.route.index > best.index) break;
      if ((m.path === undefined || m.path(q.path)) && rest(m, q)) return m.route;
    }
    return best;
  }
}

function rest(m: Matcher, q: RouteQuery): boolean {
  if (m.methods && !m.methods.has(q.method)) return false;
  if (m.host && !m.host(q.host)) return false;
  if (m.ext) for (const [k, v] of m.ext) if (q.contextExtensions[k] !== v) return false;
  if (m.headers && !m.headers(q.headers)) return false;
  return true;
}
