import { resolve } from 'node:path';
import { ConfigError } from '../config/errors.js';
import type { ModuleEnv, ModuleInstance, PortcullisModule, RouteInfo } from '../modules/module.js';
import type { Stage } from '../pipeline/stage.js';
import { revocationRoutes } from './admin.js';
import { ApiKeySource } from './api-key-store.js';
import { ApiKeyVerifier } from './api-keys.js';
import type { IdentityGlobalConfig, IdentityRouteConfig } from './config.js';
import { identityCredentialLocations } from './credential-locations.js';
import { Forwarder, mergeForward } from './forwarding.js';
import { IntrospectionEndpoint, IntrospectionVerifier } from './introspection.js';
import { compileIssuer, type CompiledIssuer } from './issuer.js';
import { JwtVerifier } from './jwt.js';
import { MtlsVerifier } from './mtls.js';
import { RevocationList } from './revocation.js';
import { compileSaml } from './saml-compile.js';
import type { SamlVerifier } from './saml.js';
import { identityGlobalSchema, identityRouteSchema } from './schema.js';
import { SharedRegistry, type SharedResource } from './shared.js';
import { compileSigningKeys } from './signature-keys.js';
import { SignatureVerifier } from './signature.js';
import { endpointsStage, identifyStage } from './stage.js';
import { TokenCache } from './token-cache.js';
import { TokenSources } from './token-source.js';
import { systemClock, type Clock, type CredentialVerifier } from './verifier.js';
import { storeId } from '../store/store-id.js';


export interface IdentityInstance extends ModuleInstance<IdentityRouteConfig> {
  /** Carried to the next instance on reload. */
  readonly shared: SharedRegistry;
  /** Verified JWTs of this config load (its size is read by bench/soak.ts). */
  readonly tokenCache: TokenCache;
}

/** Build the identity capability from `identity:` (exported for tests: a clock can be injected). */
export async function createIdentity(global: IdentityGlobalConfig | undefined, env: ModuleEnv, clock: Clock = systemClock): Promise<IdentityInstance> {
  const g = global ?? {};
  const shared = (env.previous as IdentityInstance | undefined)?.shared ?? new SharedRegistry();
  const acquired: string[] = [];
  const resources: SharedResource[] = [];
  const acquire = <T extends SharedResource>(key: string, make: () => T): T => {
    const r = shared.acquire(key, make);
    acquired.push(key);
    resources.push(r);
    return r;
  };
  try {
    const realm = g.realm ?? 'portcullis';
    const skew = g.clock_skew_s ?? 60;
    const maxTokenBytes = g.max_token_bytes ?? 8192;
    const tokenCache = new TokenCache(g.token_cache?.max_entries ?? 10_000, (g.token_cache?.max_ttl_s ?? 3600) * 1000, clock);

    // issuers
    const issuers = new Map<string, CompiledIssuer>();
    const seenIss = new Map<string, number>();
    (g.issuers ?? []).forEach((c, i) => {
      const p = `/identity/issuers/${i}`;
      if (issuers.has(c.name)) throw new ConfigError(`${p}/name`, `duplicate issuer name "${c.name}"`);
      if (seenIss.has(c.issuer)) throw new ConfigError(`${p}/issuer`, `issuer "${c.issuer}" is already configured (/identity/issuers/${seenIss.get(c.issuer)})`);
      seenIss.set(c.issuer, i);
      const ci = compileIssuer(c, p, { dir: env.configDir, registry: shared, logger: env.logger, clock, defaultSkewS: skew });
      if (ci.sharedKey) { acquired.push(ci.sharedKey); resources.push(ci.remote!); }
      issuers.set(c.name, ci);
    });

    // introspection endpoints
    const endpoints = new Map<string, IntrospectionEndpoint>();
    (g.introspection ?? []).forEach((c, i) => {
      const p = `/identity/introspection/${i}`;
      if (endpoints.has(c.name)) throw new ConfigError(`${p}/name`, `duplicate introspection endpoint name "${c.name}"`);
      endpoints.set(c.name, new IntrospectionEndpoint(c, p, env.configDir, env.logger, clock));
    });

    // API keys
    let apiKeys: ApiKeySource | undefined;
    let apiKeySources: TokenSources | undefined;
    if (g.api_keys) {
      const a = g.api_keys;
      if ((a.file === undefined) === (a.redis_hash === undefined)) throw new ConfigError('/identity/api_keys', 'set exactly one of file, redis_hash');
      const max = a.max_active_per_owner ?? 2;
      const refreshMs = (a.refresh_s ?? 10) * 1000;
      if (a.file !== undefined) {
        const file = resolve(env.configDir, a.file);
        apiKeys = acquire(`apikeys file ${JSON.stringify([file, max, refreshMs])}`, () => new ApiKeySource({ file }, refreshMs, max, env.logger, clock));
        try { apiKeys.loadFileNow(); } catch (err) {
          const e = err as NodeJS.ErrnoException;
          throw new ConfigError('/identity/api_keys/file', e.code ? `cannot read ${a.file}: ${e.code}` : e.message);
        }
      } else {
        apiKeys = acquire(`apikeys hash ${storeId(env.store)} ${JSON.stringify([a.redis_hash, max, refreshMs])}`,
          () => new ApiKeySource({ hash: a.redis_hash!, store: env.store }, refreshMs, max, env.logger, clock));
      }
      apiKeySources = new TokenSources(a.from ?? [{ header: 'x-api-key' }]);
    }

    // signatures
    const signatures = g.signatures ? new SignatureVerifier({
      keys: compileSigningKeys(g.signatures.keys, env.configDir, '/identity/signatures/keys'),
      maxSkewS: g.signatures.max_skew_s ?? 300,
      requiredComponents: g.signatures.required_components ?? ['@method', '@authority', '@path', '@query'],
      requireContentDigest: g.signatures.require_content_digest ?? true,
      requireNonce: g.signatures.require_nonce ?? true,
      store: env.store,
      clock,
    }) : undefined;

    const mtls = g.mtls ? new MtlsVerifier(g.mtls, '/identity/mtls', clock, skew * 1000) : undefined;

    // revocation
    const rv = g.revocation ?? {};
    const revocations = (rv.enabled ?? true)
      ? acquire(`revocations ${storeId(env.store)} ${rv.sync_s ?? 30}`, () => new RevocationList(env.store, (rv.sync_s ?? 30) * 1000, env.logger, clock))
      : undefined;

    const saml: SamlVerifier | undefined = g.saml
      ? compileSaml(g.saml, { dir: env.configDir, store: env.store, logger: env.logger, clock, skewS: skew, revocations })
      : undefined;

    const globalForward = new Forwarder(mergeForward(g.forward, undefined));
    const owned = new Set(globalForward.headerNames());

    const verifiersFor = (r: IdentityRouteConfig, info: RouteInfo): CredentialVerifier[] => {
      const base = `/routes/${info.index}/identity/accept`;
      const out: CredentialVerifier[] = [];
      const seen = new Set<string>();
      const jwtIssuers: CompiledIssuer[] = [];
      let jwtSlot = -1;
      const hasIntrospection = r.accept.some((a) => a.startsWith('introspection'));
      r.accept.forEach((entry, i) => {
        const p = `${base}/${i}`;
        if (seen.has(entry)) throw new ConfigError(p, `"${entry}" is listed twice`);
        seen.add(entry);
        const [kind, name] = entry.split(':') as [string, string | undefined];
        switch (kind) {
          case 'jwt': {
            if (issuers.size === 0) throw new ConfigError(p, 'no issuers are configured (identity.issuers)');
            if (name !== undefined && !issuers.has(name)) throw new ConfigError(p, `unknown issuer "${name}" (configured: ${[...issuers.keys()].join(', ')})`);
            for (const iss of name === undefined ? issuers.values() : [issuers.get(name)!]) if (!jwtIssuers.includes(iss)) jwtIssuers.push(iss);
            if (jwtSlot < 0) { jwtSlot = out.length; out.push(undefined as unknown as CredentialVerifier); }
            break;
          }
          case 'introspection': {
            if (endpoints.size === 0) throw new ConfigError(p, 'no introspection endpoints are configured (identity.introspection)');
            if (name === undefined && endpoints.size > 1) throw new ConfigError(p, `several introspection endpoints are configured: name one (introspection:${[...endpoints.keys()][0]})`);
            const ep = name === undefined ? [...endpoints.values()][0]! : endpoints.get(name);
            if (ep === undefined) throw new ConfigError(p, `unknown introspection endpoint "${name}"`);
            out.push(new IntrospectionVerifier(ep, maxTokenBytes));
            break;
          }
          case 'api_key':
            if (!apiKeys) throw new ConfigError(p, 'API keys are not configured (identity.api_keys)');
            out.push(new ApiKeyVerifier(apiKeySources!, apiKeys, clock));
            break;
          case 'signature':
            if (!signatures) throw new ConfigError(p, 'signature keys are not configured (identity.signatures)');
            out.push(signatures);
            break;
          case 'mtls':
            if (!mtls) throw new ConfigError(p, 'mTLS allow-lists are not configured (identity.mtls)');
            out.push(mtls);
            break;
          case 'saml':
            if (!saml) throw new ConfigError(p, 'SAML is not configured (identity.saml)');
            out.push(saml);
            break;
        }
      });
      if (jwtSlot >= 0) out[jwtSlot] = new JwtVerifier(jwtIssuers, { maxTokenBytes, cache: tokenCache, clock, skipOpaque: hasIntrospection });
      return out;
    };

    const instance: IdentityInstance = {
      shared,
      tokenCache,
      stages(route: IdentityRouteConfig | undefined, info: RouteInfo): Stage[] {
        if (route === undefined) return [];
        const forwarder = new Forwarder(mergeForward(g.forward, route.forward));
        for (const h of forwarder.headerNames()) owned.add(h);
        const verifiers = verifiersFor(route, info);
        const endpoints = endpointsStage(verifiers);
        return [...(endpoints ? [endpoints] : []), identifyStage({
          route: info.name,
          verifiers,
          allowAnonymous: route.allow_anonymous ?? false,
          realm,
          forwarder,
          stripCredential: route.strip_credential ?? false,
          revocations,
          revocationFailOpen: rv.on_unavailable === 'open',
        })];
      },
      ownedHeaders: () => [...owned],
      ready: () => resources.every((r) => !('ready' in r) || (r as { ready(): boolean }).ready()),
      adminRoutes: () => revocations ? revocationRoutes({
        list: revocations, apiKeys, clock,
        defaultTtlMs: (rv.default_ttl_s ?? 86_400) * 1000,
        subjectTtlMs: (rv.subject_ttl_s ?? 86_400) * 1000,
      }) : [],
      start() { for (const r of resources) r.start(); },
      async close() { for (const k of acquired.splice(0)) shared.release(k); },
    };
    return instance;
  } catch (err) {
    for (const k of acquired) shared.release(k);
    throw err;
  }
}

/** The identity capability: `identity:` (issuers, introspection, API keys, signatures, mTLS…) and `routes[].identity:`. */
export const identityModule: PortcullisModule<IdentityGlobalConfig, IdentityRouteConfig> = {
  key: 'identity',
  globalSchema: identityGlobalSchema,
  routeSchema: identityRouteSchema,
  create: (global, env) => createIdentity(global, env),
  credentialLocations: identityCredentialLocations,
};
