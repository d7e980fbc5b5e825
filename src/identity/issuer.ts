import { errors, type JWK, type JWTVerifyGetKey } from 'jose';
import type { Logger } from 'pino';
import { ConfigError } from '../config/errors.js';
import type { IssuerConfig } from './config.js';
import { RemoteJwks, type JwksOptions } from './jwks.js';
import { keySetResolver } from './key-set.js';
import { loadLocalKeys, type Secret } from './local-keys.js';
import { discoveryUrl, oidcJwksResolver } from './oidc.js';
import type { SharedRegistry } from './shared.js';
import { BEARER, TokenSources } from './token-source.js';
import type { Clock } from './verifier.js';

export const ASYMMETRIC_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/** One trusted token issuer, compiled once per config load. */
export interface CompiledIssuer {
  name: string;
  iss: string;
  algorithms: string[];
  audiences?: string[];
  requiredClaims: string[];
  typ?: string;
  skewS: number;
  maxTokenAgeS?: number;
  subjectClaim: string;
  rolesClaim: string;
  sources: TokenSources;
  rejectEmbeddedKeys: boolean;
  getKey: JWTVerifyGetKey;
  remote?: RemoteJwks;
  /** Registry key of the remote key set (released on close). */
  sharedKey?: string;
}

export interface IssuerEnv {
  dir: string;
  registry: SharedRegistry;
  logger: Logger;
  clock: Clock;
  defaultSkewS: number;
}

function jwksOptions(c: IssuerConfig): JwksOptions {
  const j = c.jwks ?? {};
  const refresh = (j.refresh_s ?? 300) * 1000;
  const min = (j.min_refresh_s ?? 30) * 1000;
  const max = (j.max_refresh_s ?? 86_400) * 1000;
  return {
    timeoutMs: j.timeout_ms ?? 2000,
    defaultTtlMs: refresh,
    minTtlMs: Math.min(min, max),
    maxTtlMs: max,
    cooldownMs: (j.unknown_kid_cooldown_s ?? 30) * 1000,
    maxStaleMs: (j.max_stale_s ?? 86_400) * 1000,
    maxBytes: 512 * 1024,
    maxKeys: 100,
  };
}

export function compileIssuer(c: IssuerConfig, pointer: string, env: IssuerEnv): CompiledIssuer {
  const remoteGiven = [c.discovery !== undefined && c.discovery !== false, c.jwks_url !== undefined].filter(Boolean).length;
  const localGiven = c.keys !== undefined || c.jwks_file !== undefined;
  if (remoteGiven + (localGiven ? 1 : 0) !== 1) {
    throw new ConfigError(pointer, 'set exactly one key source: discovery, jwks_url, or keys/jwks_file');
  }
  let getAsym: JWTVerifyGetKey | undefined;
  let secrets = new Map<string, Secret>();
  let remote: RemoteJwks | undefined;
  let sharedKey: string | undefined;
  if (localGiven) {
    const local = loadLocalKeys(c.keys ?? [], c.jwks_file, env.dir, pointer);
    secrets = local.secrets;
    if (local.publicJwks.length > 0) getAsym = keySetResolver(local.publicJwks as JWK[]);
  } else {
    const opts = jwksOptions(c);
    const discovery = c.discovery === true ? discoveryUrl(c.issuer) : typeof c.discovery === 'string' ? c.discovery : undefined;
    sharedKey = `jwks ${JSON.stringify([c.issuer, discovery ?? null, c.jwks_url ?? null, opts])}`;
    remote = env.registry.acquire(sharedKey, () => new RemoteJwks(
      discovery !== undefined ? oidcJwksResolver(c.issuer, opts.timeoutMs, discovery) : c.jwks_url!,
      opts, c.name, env.logger, env.clock,
    ));
    getAsym = remote.getKey;
  }

  const hasAsym = getAsym !== undefined;
  const algorithms = c.algorithms ?? (hasAsym ? ASYMMETRIC_ALGS : ['HS256', 'HS384', 'HS512']);
  for (const [i, alg] of algorithms.entries()) {
    const symmetric = alg.startsWith('HS');
    const problem = symmetric && secrets.size === 0 ? `${alg} needs a shared secret key (keys: [{ secret: … }]); keys from a JWKS or a public key are never used as HMAC secrets`
      : !symmetric && !hasAsym ? `${alg} needs a public key (jwks_url, discovery or keys)` : undefined;
    if (problem === undefined) continue;
    // the caller never learns of a fetcher acquired for an issuer that is refused: let it go here
    if (sharedKey !== undefined) env.registry.release(sharedKey);
    throw new ConfigError(`${pointer}/algorithms/${i}`, problem);
  }
  if (secrets.size > 0 && !algorithms.some((a) => a.startsWith('HS'))) {
    // an oct JWK next to public keys in a jwks_file: the default list is asymmetric only (RFC 8725 §3.1)
    throw new ConfigError(c.algorithms ? `${pointer}/algorithms` : pointer, 'the issuer has shared secrets (a secret or an oct JWK) but no HS* algorithm is allowed, so they would never be used: list HS256/HS384/HS512 in algorithms, or remove the secrets');
  }
  // a secret whose oct JWK names another algorithm is not a candidate (jwt_verify_lib, jose)
  const forAlg = (s: Secret | undefined, alg: string): Secret | undefined => (s !== undefined && (s.alg === undefined || s.alg === alg) ? s : undefined);
  // the candidates for a token without kid, per algorithm, computed once
  const secretsByAlg = new Map(algorithms.filter((a) => a.startsWith('HS')).map((a) => [a, [...secrets.values()].filter((s) => forAlg(s, a) !== undefined)]));
  const getKey: JWTVerifyGetKey = (header, token) => {
    if (typeof header.alg === 'string' && header.alg.startsWith('HS')) {
      const alg = header.alg;
      if (typeof header.kid !== 'string') {
        // as for public keys (key-set.ts): a token without kid is checked against each secret of its algorithm
        const candidates = secretsByAlg.get(alg) ?? [];
        if (candidates.length === 0) throw new errors.JWKSNoMatchingKey();
        if (candidates.length === 1) return candidates[0]!.key;
        const many = new errors.JWKSMultipleMatchingKeys();
        // jose types its candidates as CryptoKey; jwtVerify (verifyWithEach in jwt.ts) takes a secret's bytes too
        (many as unknown as { [Symbol.asyncIterator]: () => AsyncGenerator<Uint8Array> })[Symbol.asyncIterator] = async function* () { for (const s of candidates) yield s.key; };
        throw many;
      }
      // a kid names a secret with that kid; a secret without kid serves any token
      const k = forAlg(secrets.get(header.kid), alg) ?? forAlg(secrets.get(''), alg);
      if (k === undefined) throw new errors.JWKSNoMatchingKey();
      return k.key;
    }
    if (getAsym === undefined) throw new errors.JWKSNoMatchingKey();
    return getAsym(header, token);
  };

  return {
    name: c.name,
    iss: c.issuer,
    algorithms,
    audiences: c.audiences,
    requiredClaims: c.required_claims ?? [],
    typ: c.typ,
    skewS: c.clock_skew_s ?? env.defaultSkewS,
    maxTokenAgeS: c.max_token_age_s,
    subjectClaim: c.subject_claim ?? 'sub',
    rolesClaim: c.roles_claim ?? 'roles',
    sources: new TokenSources(c.from ?? [BEARER]),
    rejectEmbeddedKeys: c.reject_embedded_keys ?? true,
    getKey,
    remote,
    sharedKey,
  };
}
