import { errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import type { RequestContext } from '../pipeline/context.js';
import type { IdentityCode } from './codes.js';
import { AuthFailure, fail } from './failure.js';
import { claimAt, rolesFrom, sha256hex } from './hash.js';
import type { CompiledIssuer } from './issuer.js';
import { KeysUnavailableError } from './jwks.js';
import type { TokenCache } from './token-cache.js';
import { TokenSources, type FoundToken } from './token-source.js';
import type { Clock, CredentialVerifier, Verified, VerifyOutcome } from './verifier.js';

const B64URL = /^[A-Za-z0-9_-]+$/;
/** Header parameters that carry or point at keys: keys never come from the token. */
const EMBEDDED_KEY_HEADERS = ['jku', 'x5u', 'jwk', 'x5c'];

export interface JwtOptions {
  maxTokenBytes: number;
  cache: TokenCache;
  clock: Clock;
  /** Treat tokens that are not compact JWS (two dots) as absent: an introspection verifier takes them. */
  skipOpaque: boolean;
}

export function looksLikeJws(token: string): boolean {
  const a = token.indexOf('.');
  if (a <= 0) return false;
  const b = token.indexOf('.', a + 1);
  return b > a + 1 && token.indexOf('.', b + 1) < 0;
}

function decodeJson(part: string): Record<string, unknown> | undefined {
  if (!B64URL.test(part) || part.length % 4 === 1) return undefined;
  try {
    const v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** jose's typed errors → our reason codes. */
export function joseCode(err: unknown): IdentityCode {
  if (err instanceof KeysUnavailableError) return 'ERR_JWT_KEYS_UNAVAILABLE';
  if (err instanceof errors.JWTExpired) return err.claim === 'iat' ? 'ERR_JWT_TOO_OLD' : 'ERR_JWT_EXPIRED';
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'nbf': return 'ERR_JWT_NOT_YET_VALID';
      case 'iat': return err.reason === 'missing' ? 'ERR_JWT_CLAIM_MISSING' : 'ERR_JWT_IAT_FUTURE';
      case 'iss': return err.reason === 'missing' ? 'ERR_JWT_CLAIM_MISSING' : 'ERR_JWT_ISSUER';
      case 'aud': return err.reason === 'missing' ? 'ERR_JWT_CLAIM_MISSING' : 'ERR_JWT_AUDIENCE';
      case 'typ': return 'ERR_JWT_TYP';
      default: return err.reason === 'missing' ? 'ERR_JWT_CLAIM_MISSING' : 'ERR_JWT_CLAIM_INVALID';
    }
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'ERR_JWT_SIGNATURE';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'ERR_JWT_ALG';
  if (err instanceof errors.JWKSNoMatchingKey) return 'ERR_JWT_KID_UNKNOWN';
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return 'ERR_JWT_MALFORMED';
  if (err instanceof errors.JOSENotSupported) return 'ERR_JWT_ALG';
  // key type / algorithm mismatches surface as TypeError from key import: not verifiable
  return 'ERR_JWT_SIGNATURE';
}

/** jwtVerify with each candidate key of a JWKSMultipleMatchingKeys until one's signature verifies. */
async function verifyWithEach(token: string, candidates: errors.JWKSMultipleMatchingKeys, options: JWTVerifyOptions): Promise<JWTPayload | AuthFailure> {
  for await (const key of candidates) {
    try {
      return (await jwtVerify(token, key, options)).payload;
    } catch (err) {
      // another key's signature may verify; any other failure (claims, typ…) holds for every key
      if (!(err instanceof errors.JWSSignatureVerificationFailed)) return fail('jwt', joseCode(err));
    }
  }
  return fail('jwt', 'ERR_JWT_SIGNATURE');
}

/** Signature (with the issuer's keys) and registered claims by jose. */
async function verifyWith(token: string, issuer: CompiledIssuer, options: JWTVerifyOptions): Promise<JWTPayload | AuthFailure> {
  try {
    return (await jwtVerify(token, issuer.getKey, options)).payload;
  } catch (err) {
    if (!(err instanceof errors.JWKSMultipleMatchingKeys)) return fail('jwt', joseCode(err));
    // no kid, several keys of the type (key-set.ts): the one whose signature verifies
    return verifyWithEach(token, err, options);
  }
}

/**
 * JWT bearer tokens for a route's set of issuers. Pre-checks (size, shape, alg allow-list, crit,
 * embedded keys, issuer) run before any signature work; jose does the signature and registered claims;
 * verified tokens are cached by hash until exp.
 */
export class JwtVerifier implements CredentialVerifier<FoundToken> {
  readonly kind = 'jwt' as const;
  private readonly byIss = new Map<string, CompiledIssuer>();
  private readonly byName = new Map<string, CompiledIssuer>();
  private readonly sources: TokenSources;

  constructor(issuers: readonly CompiledIssuer[], private readonly o: JwtOptions) {
    for (const i of issuers) { this.byIss.set(i.iss, i); this.byName.set(i.name, i); }
    this.sources = TokenSources.union(issuers.map((i) => i.sources));
  }

  extract(ctx: RequestContext): FoundToken | AuthFailure | undefined {
    const found = this.sources.extract(ctx);
    if (found === 'ambiguous') return fail('jwt', 'ERR_TOKEN_AMBIGUOUS');
    if (found !== undefined && this.o.skipOpaque && !looksLikeJws(found.token)) return undefined;
    return found;
  }

  verify(_ctx: RequestContext, found: FoundToken): VerifyOutcome | Promise<VerifyOutcome> {
    const token = found.token;
    if (token.length > this.o.maxTokenBytes) return fail('jwt', 'ERR_JWT_TOO_LARGE');
    const key = sha256hex(token);
    const hit = this.o.cache.get(key);
    if (hit !== undefined) {
      const iss = this.byName.get(hit.issuer);
      // the route's sources are the union of its issuers': each issuer's tokens only from its own
      if (iss !== undefined) return iss.sources.has(found) ? hit.verified : fail('jwt', 'ERR_JWT_ISSUER');
    }
    return this.verifyFull(token, key, found);
  }

  private async verifyFull(token: string, cacheKey: string, found: FoundToken): Promise<VerifyOutcome> {
    const parts = token.split('.');
    if (parts.length !== 3) return fail('jwt', 'ERR_JWT_MALFORMED');
    const header = decodeJson(parts[0]!);
    if (header === undefined) return fail('jwt', 'ERR_JWT_MALFORMED');
    const alg = header.alg;
    // "none" in any letter case is refused before anything else looks at the token
    if (typeof alg !== 'string' || alg.toLowerCase() === 'none') return fail('jwt', 'ERR_JWT_ALG');
    const payload = decodeJson(parts[1]!);
    if (payload === undefined || parts[2] === '' || !B64URL.test(parts[2]!)) return fail('jwt', 'ERR_JWT_MALFORMED');
    if (header.crit !== undefined) return fail('jwt', 'ERR_JWT_CRIT');
    const issuer = typeof payload.iss === 'string' ? this.byIss.get(payload.iss) : undefined;
    if (issuer === undefined) return fail('jwt', typeof payload.iss === 'string' ? 'ERR_JWT_ISSUER' : 'ERR_JWT_CLAIM_MISSING');
    if (!issuer.sources.has(found)) return fail('jwt', 'ERR_JWT_ISSUER');
    if (!issuer.algorithms.includes(alg)) return fail('jwt', 'ERR_JWT_ALG');
    if (issuer.rejectEmbeddedKeys && EMBEDDED_KEY_HEADERS.some((h) => header[h] !== undefined)) return fail('jwt', 'ERR_JWT_HEADER');

    const now = this.o.clock();
    const options: JWTVerifyOptions = {
      algorithms: issuer.algorithms,
      issuer: issuer.iss,
      audience: issuer.audiences,
      clockTolerance: issuer.skewS,
      // the subject claim may be a path ("user.id"), which jose reads as one top-level name: checked below
      requiredClaims: ['exp', ...issuer.requiredClaims],
      typ: issuer.typ,
      maxTokenAge: issuer.maxTokenAgeS,
      currentDate: new Date(now),
    };
    let checked = await verifyWith(token, issuer, options);
    // a kid the remote set does not name was tried only on its keys without kid: the issuer may have rotated
    if (checked instanceof AuthFailure && checked.code === 'ERR_JWT_SIGNATURE' && await issuer.remote?.refreshForUnknownKid(header.kid)) {
      checked = await verifyWith(token, issuer, options);
    }
    if (checked instanceof AuthFailure) return checked;
    const claims = checked;
    if (typeof claims.iat === 'number' && claims.iat > now / 1000 + issuer.skewS) return fail('jwt', 'ERR_JWT_IAT_FUTURE');
    const subject = claimAt(claims, issuer.subjectClaim);
    if (subject === undefined) return fail('jwt', 'ERR_JWT_CLAIM_MISSING');
    if (typeof subject !== 'string' || subject === '') return fail('jwt', 'ERR_JWT_CLAIM_INVALID');
    if (claims.jti !== undefined && typeof claims.jti !== 'string') return fail('jwt', 'ERR_JWT_CLAIM_INVALID');

    const verified: Verified = {
      identity: {
        kind: 'jwt', subject, issuer: issuer.iss, roles: rolesFrom(claimAt(claims, issuer.rolesClaim)),
        claims: claims as Record<string, unknown>,
      },
      jti: claims.jti,
      issuedAtMs: typeof claims.iat === 'number' ? claims.iat * 1000 : undefined,
    };
    // a cache hit skips jose's checks: the entry must end when any time-bound claim check would start failing
    let until = (claims.exp as number) * 1000;
    if (issuer.maxTokenAgeS !== undefined && typeof claims.iat === 'number') until = Math.min(until, (claims.iat + issuer.maxTokenAgeS) * 1000);
    this.o.cache.set(cacheKey, verified, issuer.name, until);
    return verified;
  }
}
