import { resolve } from 'node:path';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { ConfigError } from '../config/errors.js';
import { readReferencedFile } from '../config/referenced-files.js';
import type { RequestContext } from '../pipeline/context.js';
import { CircuitBreaker } from '../common/circuit-breaker.js';
import type { IdentityCode } from './codes.js';
import type { IntrospectionConfig } from './config.js';
import { AuthFailure, fail } from './failure.js';
import { claimAt, rolesFrom, sha256hex } from './hash.js';
import { fetchJson } from './http-client.js';
import { namesNonAccessToken } from './introspection-token-type.js';
import { identityMetrics } from './metrics.js';
import { BEARER, TokenSources, type FoundToken } from './token-source.js';
import type { Clock, CredentialVerifier, Verified, VerifyOutcome } from './verifier.js';

type Cached = { ok: true; verified: Verified; until: number } | { ok: false; code: IdentityCode; until: number };

/**
 * An OAuth 2.0 token introspection endpoint (RFC 7662): client authentication (basic or post), positive
 * answers cached until the token's exp (capped), negative answers cached briefly, concurrent lookups of one
 * token share one call, a deadline and a circuit breaker, and a configured fail mode.
 */
export class IntrospectionEndpoint {
  readonly name: string;
  readonly sources: TokenSources;
  private readonly cache: LRUCache<string, Cached>;
  private readonly inflight = new Map<string, Promise<Cached | 'unavailable'>>();
  private readonly breaker: CircuitBreaker;
  private readonly headers: Record<string, string>;
  private readonly bodyPrefix: string;
  private readonly maxTtlMs: number;
  private readonly negativeTtlMs: number;
  readonly failOpen: boolean;

  constructor(private readonly c: IntrospectionConfig, pointer: string, dir: string, private readonly logger: Logger, private readonly clock: Clock) {
    this.name = c.name;
    this.sources = new TokenSources(c.from ?? [BEARER]);
    if (c.client_secret !== undefined && c.client_secret_file !== undefined) throw new ConfigError(pointer, 'set client_secret or client_secret_file, not both');
    let secret = c.client_secret;
    if (c.client_secret_file !== undefined) {
      try { secret = readReferencedFile(resolve(dir, c.client_secret_file)).trim(); } catch (err) {
        throw new ConfigError(`${pointer}/client_secret_file`, `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    }
    if (secret === undefined) throw new ConfigError(pointer, 'client_secret or client_secret_file is required');
    const form = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
    this.headers = { 'content-type': 'application/x-www-form-urlencoded' };
    let prefix = `token_type_hint=${form(c.token_type_hint ?? 'access_token')}`;
    if ((c.auth ?? 'basic') === 'basic') {
      // RFC 6749 §2.3.1: id and secret are form-encoded before Basic encoding
      this.headers.authorization = `Basic ${Buffer.from(`${form(c.client_id)}:${form(secret)}`).toString('base64')}`;
    } else {
      prefix += `&client_id=${form(c.client_id)}&client_secret=${form(secret)}`;
    }
    this.bodyPrefix = prefix;
    const cc = c.cache ?? {};
    this.cache = new LRUCache({ max: cc.max_entries ?? 10_000 });
    this.maxTtlMs = (cc.max_ttl_s ?? 300) * 1000;
    this.negativeTtlMs = (cc.negative_ttl_s ?? 5) * 1000;
    const cb = c.circuit_breaker ?? {};
    this.breaker = new CircuitBreaker({ failures: cb.failure_threshold ?? 5, openMs: (cb.reset_s ?? 10) * 1000 }, clock,
      (state) => identityMetrics.breakerOpen.set({ endpoint: c.name }, state === 'closed' ? 0 : 1));
    this.failOpen = c.fail_mode === 'open';
  }

  /** The verdict for a token: cached, or one call (shared by concurrent callers). */
  lookup(token: string): Cached | 'unavailable' | Promise<Cached | 'unavailable'> {
    const key = sha256hex(token);
    const hit = this.cache.get(key);
    if (hit !== undefined && hit.until > this.clock()) {
      identityMetrics.cache.inc({ cache: 'introspection', result: 'hit' });
      return hit;
    }
    identityMetrics.cache.inc({ cache: 'introspection', result: 'miss' });
    let p = this.inflight.get(key);
    if (p === undefined) {
      p = this.call(token, key).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  private async call(token: string, key: string): Promise<Cached | 'unavailable'> {
    if (!this.breaker.allow()) {
      identityMetrics.introspections.inc({ endpoint: this.name, result: 'circuit_open' });
      return 'unavailable';
    }
    let json: unknown;
    try {
      const r = await fetchJson(this.c.url, {
        method: 'POST', headers: this.headers, body: `token=${encodeURIComponent(token)}&${this.bodyPrefix}`,
        timeoutMs: this.c.timeout_ms ?? 1000, maxBytes: 64 * 1024,
      });
      if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
      json = r.json;
      if (json === null || typeof json !== 'object' || Array.isArray(json) || typeof (json as { active?: unknown }).active !== 'boolean') {
        throw new Error('response has no boolean "active"');
      }
    } catch (err) {
      this.breaker.failure();
      identityMetrics.introspections.inc({ endpoint: this.name, result: 'error' });
      this.logger.warn({ endpoint: this.name, err: (err as Error).message }, 'introspection call failed');
      return 'unavailable';
    }
    this.breaker.success();
    const verdict = this.judge(json as Record<string, unknown>);
    identityMetrics.introspections.inc({ endpoint: this.name, result: verdict.ok ? 'active' : 'inactive' });
    this.cache.set(key, verdict, { ttl: Math.max(1, verdict.until - this.clock()) });
    return verdict;
  }

  private judge(r: Record<string, unknown>): Cached {
    const now = this.clock();
    const negative = (code: IdentityCode): Cached => ({ ok: false, code, until: now + this.negativeTtlMs });
    if (r.active !== true) return negative('ERR_INTROSPECTION_INACTIVE');
    const exp = typeof r.exp === 'number' ? r.exp * 1000 : undefined;
    if (exp !== undefined && exp <= now) return negative('ERR_INTROSPECTION_INACTIVE');
    if (typeof r.nbf === 'number' && r.nbf * 1000 > now + 60_000) return negative('ERR_INTROSPECTION_INACTIVE');
    if (namesNonAccessToken(r)) return negative('ERR_INTROSPECTION_REJECTED');
    if (this.c.issuer !== undefined && r.iss !== this.c.issuer) return negative('ERR_INTROSPECTION_REJECTED');
    if (this.c.audiences !== undefined) {
      const aud = typeof r.aud === 'string' ? [r.aud] : Array.isArray(r.aud) ? r.aud : [];
      if (!aud.some((a) => this.c.audiences!.includes(a as string))) return negative('ERR_INTROSPECTION_REJECTED');
    }
    const subject = claimAt(r, this.c.subject_claim ?? 'sub') ?? r.client_id;
    if (typeof subject !== 'string' || subject === '') return negative('ERR_INTROSPECTION_REJECTED');
    const verified: Verified = {
      identity: {
        kind: 'introspection', subject, issuer: typeof r.iss === 'string' ? r.iss : undefined,
        roles: rolesFrom(claimAt(r, this.c.roles_claim ?? 'scope')), claims: r,
      },
      jti: typeof r.jti === 'string' ? r.jti : undefined,
      issuedAtMs: typeof r.iat === 'number' ? r.iat * 1000 : undefined,
    };
    return { ok: true, verified, until: Math.min(exp ?? Infinity, now + this.maxTtlMs) };
  }
}

/** Verifier for a route: one endpoint, bearer tokens from its sources. */
export class IntrospectionVerifier implements CredentialVerifier<FoundToken> {
  readonly kind = 'introspection' as const;

  constructor(private readonly ep: IntrospectionEndpoint, private readonly maxTokenBytes: number) {}

  extract(ctx: RequestContext): FoundToken | AuthFailure | undefined {
    const found = this.ep.sources.extract(ctx);
    return found === 'ambiguous' ? fail('introspection', 'ERR_TOKEN_AMBIGUOUS') : found;
  }

  verify(_ctx: RequestContext, found: FoundToken): VerifyOutcome | Promise<VerifyOutcome> {
    if (found.token === '' || found.token.length > this.maxTokenBytes || !/^[\x21-\x7e]+$/.test(found.token)) return fail('introspection', 'ERR_INTROSPECTION_INACTIVE');
    const r = this.ep.lookup(found.token);
    return r instanceof Promise ? r.then((v) => this.outcome(v)) : this.outcome(r);
  }

  private outcome(v: Cached | 'unavailable'): VerifyOutcome {
    if (v === 'unavailable') return this.ep.failOpen ? new AuthFailure('introspection', 'ERR_INTROSPECTION_UNAVAILABLE', true) : fail('introspection', 'ERR_INTROSPECTION_UNAVAILABLE');
    return v.ok ? v.verified : fail('introspection', v.code);
  }
}
