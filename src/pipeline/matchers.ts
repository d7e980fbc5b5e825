import type { HeaderMatch, PathMatch } from '../config/types.js';
import { ConfigError } from '../config/errors.js';

export type PathMatcher = (path: string) => boolean;
export type HeaderMatcher = (headers: Readonly<Record<string, string>>) => boolean;

/** Compile a regex from config, anchored like Envoy's safe_regex (full match). */
export function compileRegex(source: string, pointer: string): RegExp {
  try {
    return new RegExp(`^(?:${source})$`);
  } catch (err) {
    throw new ConfigError(pointer, `invalid regex: ${(err as Error).message}`);
  }
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
