import type { RequestContext } from '../pipeline/context.js';
import { query } from '../pipeline/query.js';

/** Where a token may be: a header (with an optional scheme prefix), a cookie or a query parameter. */
export interface TokenSourceConfig {
  header?: string;
  /** e.g. "Bearer " — compared case-insensitively (auth schemes are case-insensitive). */
  prefix?: string;
  cookie?: string;
  query?: string;
}

export const BEARER: TokenSourceConfig = { header: 'authorization', prefix: 'Bearer ' };

export interface FoundToken {
  token: string;
  /** Where it was found: "header:authorization", "cookie:session", "query:access_token". */
  where: string;
  /** The source it was read from (TokenSources.has): which issuers may be read from there. */
  source?: string;
  /** Sources of the same header whose (shorter) prefix reads the same token ("Bearer" and "Bearer "). */
  alsoSources?: string[];
  /** For strip_credential: a header name or query parameter to remove upstream. */
  header?: string;
  queryParam?: string;
}

export type Extracted = FoundToken | 'ambiguous' | undefined;

interface Compiled { kind: 'header' | 'cookie' | 'query'; name: string; prefix: string; key: string }

/**
 * Reads a token from a set of sources. A token present in two places (two sources, a repeated query
 * parameter or cookie) is ambiguous: RFC 6750 §2 forbids it and it is rejected, never resolved. One header
 * that several sources read with different prefixes is one place: the longest matching prefix reads it.
 */
export class TokenSources {
  private readonly list: Compiled[];
  private readonly usesCookies: boolean;
  private readonly keys: ReadonlySet<string>;

  constructor(private readonly configs: readonly TokenSourceConfig[]) {
    const sources = configs;
    const seen = new Map<string, Compiled>();
    for (const s of sources) {
      const c: Compiled = s.header !== undefined
        ? { kind: 'header', name: s.header.toLowerCase(), prefix: (s.prefix ?? '').toLowerCase(), key: '' }
        : s.cookie !== undefined ? { kind: 'cookie', name: s.cookie, prefix: '', key: '' }
          : { kind: 'query', name: s.query!, prefix: '', key: '' };
      c.key = `${c.kind}:${c.name}:${c.prefix}`;
      seen.set(c.key, c);
    }
    this.list = [...seen.values()];
    this.usesCookies = this.list.some((c) => c.kind === 'cookie');
    this.keys = new Set(this.list.map((c) => c.key));
  }

  /** Whether a token found by this set or a union containing it was read from one of these sources. */
  has(found: FoundToken): boolean {
    if (found.source !== undefined && this.keys.has(found.source)) return true;
    return found.alsoSources?.some((k) => this.keys.has(k)) ?? false;
  }

  /** Union of several source sets (a route accepting several issuers). */
  static union(sets: readonly TokenSources[]): TokenSources {
    return new TokenSources(sets.flatMap((s) => s.configs));
  }

  extract(ctx: RequestContext): Extracted {
    let found: FoundToken | undefined;
    let foundPrefix = 0;
    let cookies: Map<string, string[]> | undefined;
    for (const c of this.list) {
      let token: string | undefined;
      let many = false;
      if (c.kind === 'header') {
        const v = ctx.headers[c.name];
        if (v === undefined) continue;
        if (c.prefix !== '') {
          if (v.length < c.prefix.length || v.slice(0, c.prefix.length).toLowerCase() !== c.prefix) continue;
          token = v.slice(c.prefix.length).trim();
        } else token = v.trim();
      } else if (c.kind === 'query') {
        const vs = query(ctx).get(c.name);
        if (vs === undefined) continue;
        many = vs.length > 1;
        token = vs[0];
      } else {
        if (!this.usesCookies) continue;
        cookies ??= parseCookies(ctx.headers.cookie);
        const vs = cookies.get(c.name);
        if (vs === undefined) continue;
        many = vs.length > 1;
        token = vs[0];
      }
      let also: string[] | undefined;
      if (found !== undefined && c.kind === 'header' && found.header === c.name) {
        // the same header read with another prefix is the same place: the longest matching prefix reads it;
        // a prefix that reads the same token ("Bearer" and "Bearer ") is a source of it too
        const same = token === found.token;
        if (c.prefix.length <= foundPrefix) {
          if (same) (found.alsoSources ??= []).push(c.key);
          continue;
        }
        if (same) also = [found.source!, ...(found.alsoSources ?? [])];
      } else if (many || found !== undefined) return 'ambiguous';
      foundPrefix = c.prefix.length;
      found = {
        token: token!, where: `${c.kind}:${c.name}`, source: c.key,
        header: c.kind === 'header' ? c.name : undefined,
        queryParam: c.kind === 'query' ? c.name : undefined,
        ...(also ? { alsoSources: also } : {}),
      };
    }
    return found;
  }
}

/** Cookie header → name → values (RFC 6265 §5.4 shape; at most 256 pairs looked at). */
export function parseCookies(header: string | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!header) return out;
  let n = 0;
  for (const part of header.split(/;\s*/)) {
    if (++n > 256) break;
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    const list = out.get(name);
    if (list) list.push(value); else out.set(name, [value]);
  }
  return out;
}
