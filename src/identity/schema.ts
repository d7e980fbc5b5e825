/** JSON Schemas of `identity:` (global) and `routes[].identity:`. Unknown keys are errors everywhere. */

const name = { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' } as const;
const headerName = { type: 'string', pattern: '^[a-z0-9!#$%&\'*+.^_`|~-]+$', maxLength: 128 } as const;
const posInt = { type: 'integer', minimum: 1 } as const;
/** A fetch timeout: Node's timers take at most 2^31-1 ms (a longer one fires after 1 ms); a minute is plenty. */
const timeoutMs = { type: 'integer', minimum: 1, maximum: 60_000 } as const;
const strings = { type: 'array', items: { type: 'string', minLength: 1 } } as const;
const url = { type: 'string', pattern: '^https?://' } as const;

export const JWS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'HS256', 'HS384', 'HS512'] as const;

const tokenSource = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  description: 'One of header (with optional prefix), cookie or query.',
  properties: {
    header: { type: 'string', minLength: 1 },
    prefix: { type: 'string' },
    cookie: { type: 'string', minLength: 1 },
    query: { type: 'string', minLength: 1 },
  },
  // exactly one place; a prefix only for a header
  oneOf: [{ required: ['header'] }, { required: ['cookie'] }, { required: ['query'] }],
  dependencies: { prefix: ['header'] },
} as const;
const tokenSources = { type: 'array', items: tokenSource, minItems: 1 } as const;

const localKey = {
  type: 'object',
  additionalProperties: false,
  properties: {
    file: { type: 'string', minLength: 1, description: 'PEM public key / certificate, or a JWK JSON file.' },
    pem: { type: 'string', minLength: 1 },
    jwk: { type: 'object' },
    secret: { type: 'string', minLength: 1, description: 'HS* shared secret (use ${ENV}).' },
    secret_file: { type: 'string', minLength: 1 },
    kid: { type: 'string', minLength: 1 },
  },
} as const;

const issuer = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'issuer'],
  properties: {
    name,
    issuer: { type: 'string', minLength: 1, description: 'Expected "iss".' },
    discovery: { anyOf: [{ type: 'boolean' }, url], description: 'OIDC discovery: true ({issuer}/.well-known/openid-configuration) or its URL.' },
    jwks_url: url,
    jwks_file: { type: 'string', minLength: 1 },
    keys: { type: 'array', items: localKey, minItems: 1 },
    algorithms: { type: 'array', items: { enum: [...JWS_ALGORITHMS] }, minItems: 1 },
    audiences: { ...strings, minItems: 1, description: 'Accepted "aud" values (any one matches). Omit it to skip the audience check; an empty list would refuse every token.' },
    required_claims: strings,
    typ: { type: 'string', minLength: 1 },
    clock_skew_s: { type: 'integer', minimum: 0, maximum: 3600 },
    max_token_age_s: posInt,
    subject_claim: { type: 'string', minLength: 1 },
    roles_claim: { type: 'string', minLength: 1 },
    from: tokenSources,
    reject_embedded_keys: { type: 'boolean' },
    jwks: {
      type: 'object',
      additionalProperties: false,
      properties: {
        timeout_ms: timeoutMs, refresh_s: posInt, min_refresh_s: posInt, max_refresh_s: posInt,
        unknown_kid_cooldown_s: { type: 'integer', minimum: 0 }, max_stale_s: posInt,
      },
    },
  },
} as const;

const introspection = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'url', 'client_id'],
  properties: {
    name,
    url,
    client_id: { type: 'string', minLength: 1 },
    client_secret: { type: 'string', minLength: 1 },
    client_secret_file: { type: 'string', minLength: 1 },
    auth: { enum: ['basic', 'post'] },
    token_type_hint: { type: 'string', minLength: 1 },
    timeout_ms: timeoutMs,
    issuer: { type: 'string', minLength: 1 },
    audiences: { ...strings, minItems: 1, description: 'Accepted "aud" values (any one matches). Omit it to skip the audience check; an empty list would refuse every token.' },
    subject_claim: { type: 'string', minLength: 1 },
    roles_claim: { type: 'string', minLength: 1 },
    from: tokenSources,
    cache: {
      type: 'object', additionalProperties: false,
      properties: { max_entries: posInt, max_ttl_s: posInt, negative_ttl_s: { type: 'integer', minimum: 0 } },
    },
    circuit_breaker: {
      type: 'object', additionalProperties: false,
      properties: { failure_threshold: posInt, reset_s: posInt },
    },
    fail_mode: { enum: ['closed', 'open'] },
  },
} as const;

const apiKeys = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: tokenSources,
    file: { type: 'string', minLength: 1, description: 'JSON-lines file of hashed keys (portcullis apikey mint prints a line).' },
    redis_hash: { type: 'string', minLength: 1, description: 'Store hash: field = key hash, value = JSON record.' },
    refresh_s: posInt,
    max_active_per_owner: posInt,
  },
} as const;

const signatureKey = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'algorithm'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 256 },
    algorithm: { enum: ['hmac-sha256', 'ed25519'] },
    secret: { type: 'string', minLength: 1 },
    secret_file: { type: 'string', minLength: 1 },
    public_key: { type: 'string', minLength: 1 },
    public_key_file: { type: 'string', minLength: 1 },
    subject: { type: 'string', minLength: 1 },
    roles: strings,
    plan: { type: 'string', minLength: 1 },
  },
} as const;

const signatures = {
  type: 'object',
  additionalProperties: false,
  required: ['keys'],
  properties: {
    keys: { type: 'array', items: signatureKey, minItems: 1 },
    max_skew_s: posInt,
    required_components: { type: 'array', items: { type: 'string', pattern: '^(@[a-z-]+|[a-z0-9!#$%&\'*+.^_`|~-]+)$' } },
    require_content_digest: { type: 'boolean' },
    require_nonce: { type: 'boolean' },
  },
} as const;

const mtlsRule = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    name: { type: 'string' },
    spiffe_id: { type: 'string', pattern: '^spiffe://', description: 'A SPIFFE ID (exact), or one ending in * for a prefix (spiffe://cluster.local/ns/shop/*, …/sa/web-*).' },
    san_dns: { type: 'string', minLength: 1, description: 'Exact, or *.suffix for one label.' },
    san_uri: { type: 'string', minLength: 1 },
    san_email: { type: 'string', minLength: 1 },
    subject: { type: 'string', minLength: 1, description: 'Subject DN, e.g. "CN=client,O=Example".' },
    fingerprint_sha256: { type: 'string', pattern: '^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$' },
    roles: strings,
    plan: { type: 'string', minLength: 1 },
  },
} as const;

const mtls = {
  type: 'object',
  additionalProperties: false,
  required: ['allow'],
  properties: {
    allow: { type: 'array', items: mtlsRule, minItems: 1 },
    xfcc: {
      type: 'object', additionalProperties: false, required: ['trusted_proxies'],
      properties: { trusted_proxies: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, description: 'CIDRs of the proxy hop whose x-forwarded-client-cert is trusted.' } },
    },
  },
} as const;

const forward = {
  type: 'object',
  additionalProperties: false,
  properties: {
    claims: { type: 'object', additionalProperties: headerName, description: 'claim path (or subject|issuer|kind|roles|plan) → upstream header' },
    kind_header: { anyOf: [headerName, { const: '' }] },
    metadata: { type: 'boolean', description: 'Put the identity in Envoy dynamic metadata (default true).' },
  },
} as const;

/** a path on this site: "/" or "/x…", never "//host" or "/\\host" (browsers read both as another site) */
const localPath = { type: 'string', pattern: '^/([^/\\\\].*)?$', maxLength: 1024 } as const;

const saml = {
  type: 'object',
  additionalProperties: false,
  required: ['sp_entity_id', 'acs_url', 'idp', 'session'],
  properties: {
    sp_entity_id: { type: 'string', minLength: 1, description: 'This service provider\'s entity id (the Audience).' },
    acs_url: { ...url, description: 'Absolute URL of the Assertion Consumer Service as browsers reach it through Envoy (its path is answered by Portcullis).' },
    logout_path: localPath,
    metadata_path: localPath,
    logout_redirect: localPath,
    idp: {
      type: 'object', additionalProperties: false, minProperties: 1,
      properties: {
        metadata_file: { type: 'string', minLength: 1, description: 'IdP SAML metadata (EntityDescriptor or EntitiesDescriptor).' },
        entity_id: { type: 'string', minLength: 1 },
        sso_url: url,
        certificate_files: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
        slo_url: { ...url, description: 'The IdP\'s SingleLogoutService (HTTP-Redirect binding); overrides the one in its metadata.' },
        want_authn_requests_signed: { type: 'boolean', description: 'The IdP requires signed AuthnRequests (read from WantAuthnRequestsSigned in its metadata).' },
      },
    },
    signing: {
      type: 'object', additionalProperties: false, required: ['key_file', 'certificate_file'],
      description: 'The SP key pair (PEM files): AuthnRequests and logout messages are signed with it; the certificate is published in the SP metadata.',
      properties: {
        key_file: { type: 'string', minLength: 1 },
        certificate_file: { type: 'string', minLength: 1 },
        algorithm: { enum: ['rsa-sha256', 'rsa-sha512'] },
      },
    },
    slo_url: { ...url, description: 'Absolute URL of this SP\'s SingleLogoutService as browsers reach it through Envoy (default: the ACS origin + /saml/slo).' },
    single_logout: { type: 'boolean', description: 'Default: on when the IdP has a SingleLogoutService and signing is set. true: also unsigned; false: logout stays local.' },
    want_assertions_signed: { type: 'boolean' },
    allow_idp_initiated: { type: 'boolean' },
    request_ttl_s: { type: 'integer', minimum: 30, maximum: 86400 },
    name_id_format: { type: 'string', minLength: 1 },
    authn_context: { ...strings, minItems: 1, uniqueItems: true, description: 'AuthnContextClassRefs to request (RequestedAuthnContext) and require in the answer; for minimum/better/maximum, weakest first.' },
    authn_context_comparison: { enum: ['exact', 'minimum', 'better', 'maximum'], description: 'RequestedAuthnContext Comparison (SAML core 3.3.2.2.1), default exact; the answer is checked with the list as the ranking.' },
    force_authn: { type: 'boolean' },
    allow_sha1: { type: 'boolean', description: 'Accept RSA-SHA1 signatures and SHA-1 digests (refused by default: SHA-1 collisions are practical). Only for a legacy IdP that cannot sign with SHA-256.' },
    clock_skew_s: { type: 'integer', minimum: 0, maximum: 3600 },
    roles_attribute: { type: 'string', minLength: 1 },
    attributes: strings,
    login: { enum: ['redirect', 'deny'] },
    session: {
      type: 'object', additionalProperties: false,
      properties: {
        cookie: { type: 'string', pattern: '^[A-Za-z0-9!#$%&\'*+.^_`|~-]{1,64}$' },
        secret: { type: 'string', minLength: 32, description: 'Seals the session cookie (use ${ENV}); at least 32 characters.' },
        secret_file: { type: 'string', minLength: 1 },
        previous_secrets: { type: 'array', items: { type: 'string', minLength: 32 } },
        max_age_s: { type: 'integer', minimum: 60, maximum: 2592000 },
        secure: { type: 'boolean' },
        same_site: { enum: ['lax', 'strict', 'none'] },
        domain: { type: 'string', pattern: '^[A-Za-z0-9.-]{1,253}$' },
      },
    },
  },
} as const;

export const identityGlobalSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    realm: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[^"\\\\\\x00-\\x1f\\x7f]+$' },
    clock_skew_s: { type: 'integer', minimum: 0, maximum: 3600 },
    max_token_bytes: { type: 'integer', minimum: 256, maximum: 1048576 },
    token_cache: { type: 'object', additionalProperties: false, properties: { max_entries: { type: 'integer', minimum: 0 }, max_ttl_s: posInt } },
    issuers: { type: 'array', items: issuer },
    introspection: { type: 'array', items: introspection },
    api_keys: apiKeys,
    signatures,
    mtls,
    revocation: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean' },
        sync_s: { type: 'integer', minimum: 1, maximum: 86_400 },
        // 100 years: an entry's expiry must stay a date (a Date past year 275760 is invalid and broke the listing)
        default_ttl_s: { type: 'integer', minimum: 1, maximum: 3_153_600_000 },
        subject_ttl_s: { type: 'integer', minimum: 1, maximum: 3_153_600_000 },
        on_unavailable: { enum: ['closed', 'open'] },
      },
    },
    forward,
    saml,
  },
} as const;

export const identityRouteSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['accept'],
  properties: {
    accept: {
      type: 'array', minItems: 1,
      items: { type: 'string', pattern: '^(jwt(:[A-Za-z0-9_.-]+)?|introspection(:[A-Za-z0-9_.-]+)?|api_key|signature|mtls|saml)$' },
      description: 'Credential kinds in the order they are tried: jwt | jwt:<issuer> | introspection | introspection:<name> | api_key | signature | mtls | saml',
    },
    allow_anonymous: { type: 'boolean' },
    forward,
    strip_credential: { type: 'boolean', description: 'Remove the token / API key header or query parameter before forwarding upstream.' },
  },
} as const;
