import type { HeaderMatch, PathMatch } from '../config/types.js';
import { ConfigError } from '../config/errors.js';
import re2 from 're2-wasm';

const { RE2 } = re2;

export type PathMatcher = (path: string) => boolean;
export type HeaderMatcher = (headers: Readonly<Record<string, string>>) => boolean;

/** A compiled config regex: RE2, as Envoy's safe_regex (google_re2), so matching is linear in the input. */
export interface ConfigRegex { test(s: string): boolean }

/**
 * Patterns compiled, by source (a failure as its message). re2-wasm keeps every compiled pattern in a fixed
 * 16 MiB WebAssembly heap and never frees it, and every config load compiles the regexes again: compiled once
 * per process, a reload costs nothing there, and the heap holds the distinct patterns ever configured.
 */
const compiled = new Map<string, ConfigRegex | string>();

/**
 * Compile a regex from config, anchored like Envoy's safe_regex (full match) and with its engine: RE2 (here
 * compiled to WebAssembly). It runs on the client's path and headers, so a pattern like `(a+)+` must not
 * backtrack; RE2 has no backtracking, and refuses what needs it (look-around, back-references) as Envoy does.
 */
export function compileRegex(source: string, pointer: string): ConfigRegex {
  let re = compiled.get(source);
  if (re === undefined) {
    const anchored = `^(?:${source})$`;
    try {
      re = new RE2(anchored, 'u') as ConfigRegex;
    } catch (err) {
      const m = (err as Error).message;
      const at = m.indexOf('/u: ');   // "Invalid regular expression: /^(?:…)$/u: invalid perl operator: (?="
      // RE2 may quote the whole pattern it compiled ("missing ): ^(?:…)$"): show the one the operator wrote
      // (which it may print with '/' escaped as '\/')
      const detail = (at >= 0 ? m.slice(at + 4) : m).replaceAll(anchored, source).replaceAll(anchored.replaceAll('/', '\\/'), source);
      re = `invalid regex (RE2 syntax, as Envoy's safe_regex): ${detail}`;
      if (m.includes('OOM')) throw new ConfigError(pointer, re);   // not the pattern's fault: not remembered
    }
    compiled.set(source, re);
  }
  if (typeof re === 'string') throw new ConfigError(pointer, re);
  return re;
}

export function compilePathMatch(m: PathMatch, pointer: string): PathMatcher {
  if (m.exact !== undefined) { const e = m.exact; return (p) => p === e; }
  if (m.prefix !== undefined) { const pre = m.prefix; return (p) => p.startsWith(pre); }
  const re = compileRegex(m.regex!, `${pointer}/regex`);
  return (p) => re.test(p);
}

export function compileHeaderMatch(m: HeaderMatch, pointer: string): HeaderMatcher {
  const name = m.name.toLowerCase();
  const want = m.present ?? true;
  let test: ((v: string) => boolean) | undefined;
  if (m.exact !== undefined) { const e = m.exact; test = (v) => v === e; }
  else if (m.prefix !== undefined) { const pre = m.prefix; test = (v) => v.startsWith(pre); }
  else if (m.regex !== undefined) { const re = compileRegex(m.regex, `${pointer}/regex`); test = (v) => re.test(v); }
  if (test === undefined) return (h) => (h[name] !== undefined) === want;
  const t = test;
  return (h) => { const v = h[name]; return (v !== undefined && t(v)) === want; };
}

export function compileHeaderMatches(ms: HeaderMatch[] | undefined, pointer: string): HeaderMatcher | undefined {
  if (!ms || ms.length === 0) return undefined;
  const all = ms.map((m, i) => compileHeaderMatch(m, `${pointer}/${i}`));
  return (h) => { for (const f of all) if (!f(h)) return false; return true; };
}
