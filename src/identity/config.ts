import type { TokenSourceConfig } from './token-source.js';

/** `identity:` (top level) and `routes[].identity:` as written in the config file. Schemas: schema.ts. */

export interface LocalKeyConfig {
  /** PEM (SPKI public key or certificate) or JWK JSON file. */
  file?: string;
  pem?: string;
  jwk?: Record<string, unknown>;
  /** Shared secret for HS256/384/512 (use ${ENV} substitution). */
  secret?: string;
  secret_file?: string;
  kid?: string;
}

export interface JwksTuning {
  timeout_ms?: number;
  refresh_s?: number;
  min_refresh_s?: number;
  max_refresh_s?: number;
  unknown_kid_cooldown_s?: number;
  max_stale_s?: number;
}

export interface IssuerConfig {
  name: string;
  issuer: string;
  discovery?: boolean | string;
  jwks_url?: string;
  jwks_file?: string;
  keys?: LocalKeyConfig[];
  algorithms?: string[];
  audiences?: string[];
  required_claims?: string[];
  typ?: string;
  clock_skew_s?: number;
  max_token_age_s?: number;
  subject_claim?: string;
  roles_claim?: string;
  from?: TokenSourceConfig[];
  reject_embedded_keys?: boolean;
  jwks?: JwksTuning;
}

export interface IntrospectionConfig {
  name: string;
  url: string;
  client_id: string;
  client_secret?: string;
  client_secret_file?: string;
  auth?: 'basic' | 'post';
  token_type_hint?: string;
  timeout_ms?: number;
  issuer?: string;
  audiences?: string[];
  subject_claim?: string;
  roles_claim?: string;
  from?: TokenSourceConfig[];
  cache?: { max_entries?: number; max_ttl_s?: number; negative_ttl_s?: number };
  circuit_breaker?: { failure_threshold?: number; reset_s?: number };
  fail_mode?: 'closed' | 'open';
}

export interface ApiKeysConfig {
  from?: TokenSourceConfig[];
  file?: string;
  redis_hash?: string;
  refresh_s?: number;
  max_active_per_owner?: number;
}

export interface SignatureKeyConfig {
  id: string;
  algorithm: 'hmac-sha256' | 'ed25519';
  secret?: string;
  secret_file?: string;
  public_key?: string;
  public_key_file?: string;
  subject?: string;
  roles?: string[];
  plan?: string;
}

export interface SignaturesConfig {
  keys: SignatureKeyConfig[];
  max_skew_s?: number;
  required_components?: string[];
  require_content_digest?: boolean;
  require_nonce?: boolean;
}

export interface MtlsRuleConfig {
  name?: string;
  spiffe_id?: string;
  san_dns?: string;
  san_uri?: string;
  san_email?: string;
  subject?: string;
  fingerprint_sha256?: string;
  roles?: string[];
  plan?: string;
}

export interface MtlsConfig {
  allow: MtlsRuleConfig[];
  xfcc?: { trusted_proxies: string[] };
}

export interface RevocationConfig {
  enabled?: boolean;
  sync_s?: number;
  default_ttl_s?: number;
  subject_ttl_s?: number;
  on_unavailable?: 'closed' | 'open';
}

import type { SigningConfig } from './saml-signing.js';

export interface SamlConfig {
  /** This service provider's entity id (the Audience the IdP writes). */
  sp_entity_id: string;
  /** Absolute URL of the Assertion Consumer Service as the browser reaches it through Envoy. */
  acs_url: string;
  logout_path?: string;
  metadata_path?: string;
  /** Where a successful logout sends the browser (a local path). */
  logout_redirect?: string;
  idp: {
    metadata_file?: string; entity_id?: string; sso_url?: string; certificate_files?: string[];
    /** the IdP's SingleLogoutService (HTTP-Redirect); overrides the metadata's */
    slo_url?: string;
    /** the IdP requires signed AuthnRequests (its metadata's WantAuthnRequestsSigned) */
    want_authn_requests_signed?: boolean;
  };
  /** The SP key pair: AuthnRequests and logout messages are signed with it. */
  signing?: SigningConfig;
  /** Absolute URL of this SP's SingleLogoutService (HTTP-Redirect); default: the ACS origin + /saml/slo. */
  slo_url?: string;
  /** Default: on when the IdP has a SingleLogoutService and signing is set; true: also unsigned; false: logout stays local. */
  single_logout?: boolean;
  want_assertions_signed?: boolean;
  allow_idp_initiated?: boolean;
  /** How long a user may take at the IdP before the AuthnRequest expires. */
  request_ttl_s?: number;
  name_id_format?: string;
  /** AuthnContextClassRefs requested and required in the answer; for minimum/better/maximum, weakest first. */
  authn_context?: string[];
  authn_context_comparison?: 'exact' | 'minimum' | 'better' | 'maximum';
  force_authn?: boolean;
  /** Accept SHA-1 signatures/digests from a legacy IdP (refused by default). */
  allow_sha1?: boolean;
  clock_skew_s?: number;
  /** Attribute whose values become identity.roles. */
  roles_attribute?: string;
  /** Attributes copied into the session and identity.claims (default: all). */
  attributes?: string[];
  /** redirect (default): a browser navigation without a session goes to the IdP; deny: 401. */
  login?: 'redirect' | 'deny';
  session: {
    cookie?: string;
    secret?: string;
    secret_file?: string;
    previous_secrets?: string[];
    max_age_s?: number;
    secure?: boolean;
    same_site?: 'lax' | 'strict' | 'none';
    domain?: string;
  };
}

export interface ForwardConfig {
  claims?: Record<string, string>;
  kind_header?: string;
  metadata?: boolean;
}

export interface IdentityGlobalConfig {
  realm?: string;
  clock_skew_s?: number;
  max_token_bytes?: number;
  token_cache?: { max_entries?: number; max_ttl_s?: number };
  issuers?: IssuerConfig[];
  introspection?: IntrospectionConfig[];
  api_keys?: ApiKeysConfig;
  signatures?: SignaturesConfig;
  mtls?: MtlsConfig;
  revocation?: RevocationConfig;
  forward?: ForwardConfig;
  saml?: SamlConfig;
}

export interface IdentityRouteConfig {
  accept: string[];
  allow_anonymous?: boolean;
  forward?: ForwardConfig;
  strip_credential?: boolean;
}
