import ipaddr from 'ipaddr.js';
import { LRUCache } from 'lru-cache';
import { ConfigError } from '../config/errors.js';
import type { RequestContext } from '../pipeline/context.js';
import { CertificateParser, normalizeDn, normalizeFingerprint, type CertFacts } from './certificate.js';
import type { MtlsConfig, MtlsRuleConfig } from './config.js';
import { AuthFailure, fail } from './failure.js';
import type { Clock, CredentialVerifier, Verified, VerifyOutcome } from './verifier.js';
import { parseSpiffeId, SPIFFE_MAX_ID, SPIFFE_SCHEME, spiffePatternProblem, type SpiffeId } from './spiffe.js';
import { parseXfcc } from './xfcc.js';

interface Rule { name?: string; test: (f: CertFacts) => boolean; roles: string[]; plan?: string }

/** `isSpiffeId`: whether a URI is a valid SPIFFE ID (a prefix rule vouches for nothing else). */
function compileRule(r: MtlsRuleConfig, pointer: string, isSpiffeId: (uri: string) => boolean): Rule {
  const tests: Array<(f: CertFacts) => boolean> = [];
  if (r.spiffe_id !== undefined) {
    const id = r.spiffe_id;
    const problem = spiffePatternProblem(id);
    if (problem !== undefined) throw new ConfigError(`${pointer}/spiffe_id`, problem);
    // a trailing * is a prefix, as in Istio's principals: ns/shop/* (every account), sa/web-* (web-1, web-canary…);
    // of SPIFFE IDs only: not of URIs that merely start the same (ns/shop/../admin, ns/shop/x?y, ns/shop/%2e%2e)
    if (id.endsWith('*')) { const pre = id.slice(0, -1); tests.push((f) => f.uris.some((u) => u.startsWith(pre) && u.length > pre.length && isSpiffeId(u))); }
    else tests.push((f) => f.uris.includes(id));
  }
  if (r.san_dns !== undefined) {
    const d = r.san_dns.toLowerCase();
    if (d.startsWith('*.')) { const suf = d.slice(1); tests.push((f) => f.dns.some((x) => x.endsWith(suf) && !x.slice(0, -suf.length).includes('.') && x.length > suf.length)); }
    else tests.push((f) => f.dns.includes(d));
  }
  if (r.san_uri !== undefined) { const u = r.san_uri; tests.push((f) => f.uris.includes(u)); }
  if (r.san_email !== undefined) { const e = r.san_email.toLowerCase(); tests.push((f) => f.emails.includes(e)); }
  if (r.subject !== undefined) { const s = normalizeDn(r.subject); tests.push((f) => f.subject !== '' && f.subject === s); }
  if (r.fingerprint_sha256 !== undefined) { const fp = normalizeFingerprint(r.fingerprint_sha256); tests.push((f) => f.fingerprint === fp); }
  if (tests.length === 0) throw new ConfigError(pointer, 'a rule needs at least one of spiffe_id, san_dns, san_uri, san_email, subject, fingerprint_sha256');
  // every matcher given in one rule must hold
  return { name: r.name, test: (f) => tests.every((t) => t(f)), roles: r.roles ?? [], plan: r.plan };
}

function spiffeUris(uris: readonly string[]): number {
  let n = 0;
  for (const u of uris) if (u.length >= SPIFFE_SCHEME.length && u.slice(0, SPIFFE_SCHEME.length).toLowerCase() === SPIFFE_SCHEME) n++;
  return n;
}

/** spiffe_id, trust_domain and, for /ns/<namespace>/sa/<account> IDs (Istio's), namespace and service_account. */
function spiffeClaims(id: string, p: SpiffeId): Readonly<Record<string, string>> {
  const c: Record<string, string> = { spiffe_id: id, trust_domain: p.trustDomain };
  if (p.namespace !== undefined) { c.namespace = p.namespace; c.service_account = p.serviceAccount!; }
  return Object.freeze(c);
}

const NOT_SPIFFE: Readonly<Record<string, string>> = Object.freeze({});

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * mTLS client identity. Envoy (TLS listener with client certificates required) reports the peer
 * certificate as URL-encoded PEM (source.certificate; include_peer_certificate) and the principal; the
 * certificate is parsed with X509Certificate (cached) and matched against the allow-list. The
 * x-forwarded-client-cert header is used only when the direct peer is a configured trusted proxy.
 */
export class MtlsVerifier implements CredentialVerifier<CertFacts | 'invalid'> {
  readonly kind = 'mtls' as const;
  private readonly rules: Rule[];
  private readonly trusted: Cidr[];
  private readonly parser = new CertificateParser();
  /** URI SAN → its SPIFFE claims (NOT_SPIFFE when it is no SPIFFE ID); a mesh has few identities, each seen often. */
  private readonly spiffe = new LRUCache<string, Readonly<Record<string, string>>>({ max: 4096 });

  constructor(c: MtlsConfig, pointer: string, private readonly clock: Clock, private readonly skewMs = 60_000) {
    this.rules = c.allow.map((r, i) => compileRule(r, `${pointer}/allow/${i}`, (u) => this.spiffeOf(u) !== NOT_SPIFFE));
    this.trusted = (c.xfcc?.trusted_proxies ?? []).map((s, i) => {
      try { return ipaddr.parseCIDR(s.includes('/') ? s : `${s}/${s.includes(':') ? 128 : 32}`); } catch {
        throw new ConfigError(`${pointer}/xfcc/trusted_proxies/${i}`, `not a CIDR: ${s}`);
      }
    });
  }

  private fromTrustedProxy(ctx: RequestContext): boolean {
    if (this.trusted.length === 0 || ctx.source.address === '') return false;
    let addr: ipaddr.IPv4 | ipaddr.IPv6;
    try { addr = ipaddr.process(ctx.source.address); } catch { return false; }
    return this.trusted.some(([net, bits]) => addr.kind() === net.kind() && addr.match(net as any, bits));
  }

  extract(ctx: RequestContext): CertFacts | 'invalid' | AuthFailure | undefined {
    const xfcc = ctx.headers['x-forwarded-client-cert'];
    if (xfcc !== undefined && this.fromTrustedProxy(ctx)) {
      // too long to parse: never cut it (the element that counts is at the end), refuse it
      if (xfcc.length > 64 * 1024) return 'invalid';
      const el = parseXfcc(xfcc).at(-1);
      if (el === undefined) return 'invalid';
      const cert = el.get('cert')?.[0];
      if (cert !== undefined) return this.parser.parse(cert) ?? 'invalid';
      const facts: CertFacts = {
        uris: el.get('uri') ?? [], dns: (el.get('dns') ?? []).map((d) => d.toLowerCase()), emails: [],
        subject: normalizeDn(el.get('subject')?.[0] ?? ''), subjectText: el.get('subject')?.[0] ?? '',
        fingerprint: normalizeFingerprint(el.get('hash')?.[0] ?? ''),
      };
      return facts;
    }
    if (ctx.source.certificate !== '') return this.parser.parse(ctx.source.certificate) ?? 'invalid';
    const p = ctx.source.principal;
    if (p === '') return undefined;
    // principal only (include_peer_certificate off): a URI SAN or the subject
    return p.includes('://')
      ? { uris: [p], dns: [], emails: [], subject: '', subjectText: '', fingerprint: '' }
      : { uris: [], dns: [], emails: [], subject: normalizeDn(p), subjectText: p, fingerprint: '' };
  }

  private spiffeOf(uri: string): Readonly<Record<string, string>> {
    if (uri.length > SPIFFE_MAX_ID || !uri.startsWith(SPIFFE_SCHEME)) return NOT_SPIFFE;   // never cached: bounded memory
    let c = this.spiffe.get(uri);
    if (c === undefined) {
      const p = parseSpiffeId(uri);
      c = p === undefined ? NOT_SPIFFE : spiffeClaims(uri, p);
      this.spiffe.set(uri, c);
    }
    return c;
  }

  verify(_ctx: RequestContext, f: CertFacts | 'invalid'): VerifyOutcome {
    if (f === 'invalid') return fail('mtls', 'ERR_MTLS_CERT_INVALID');
    const now = this.clock();
    if ((f.validFrom !== undefined && now + this.skewMs < f.validFrom) || (f.validTo !== undefined && now - this.skewMs > f.validTo)) return fail('mtls', 'ERR_MTLS_EXPIRED');
    // an X509-SVID names exactly one SPIFFE ID: with two, a rule could match one while the identity is the other
    if (f.uris.length > 1 && spiffeUris(f.uris) > 1) return fail('mtls', 'ERR_MTLS_NOT_ALLOWED');
    const rule = this.rules.find((r) => r.test(f));
    if (rule === undefined) return fail('mtls', 'ERR_MTLS_NOT_ALLOWED');
    let spiffeClaimsOf = NOT_SPIFFE;
    const spiffe = f.uris.find((u) => (spiffeClaimsOf = this.spiffeOf(u)) !== NOT_SPIFFE);
    const subject = spiffe ?? f.uris[0] ?? f.dns[0] ?? f.subjectText;
    const v: Verified = {
      identity: {
        kind: 'mtls', subject, roles: rule.roles, plan: rule.plan,
        claims: {
          sub: subject, ...spiffeClaimsOf, uri_sans: f.uris, dns_sans: f.dns, email_sans: f.emails,
          subject_dn: f.subjectText, fingerprint_sha256: f.fingerprint, ...(rule.name ? { rule: rule.name } : {}),
        },
      },
      issuedAtMs: f.validFrom,
    };
    return v;
  }
}
