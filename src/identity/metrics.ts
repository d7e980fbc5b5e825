import { counter, gauge } from '../telemetry/metrics.js';

/** Identity metrics. Labels are bounded: kinds, reason codes, configured issuer/endpoint names. */
export const identityMetrics = {
  verifications: counter('portcullis_identity_verifications_total', 'Credential verifications by kind and result (OK or a reason code)', ['kind', 'result'] as const),
  cache: counter('portcullis_identity_cache_total', 'Identity cache lookups by cache and result', ['cache', 'result'] as const),
  jwksFetches: counter('portcullis_identity_jwks_fetches_total', 'JWKS / OIDC discovery fetches by issuer and result', ['issuer', 'result'] as const),
  jwksLastSuccess: gauge('portcullis_identity_jwks_last_success_timestamp_seconds', 'Time of the last successful JWKS fetch', ['issuer'] as const),
  introspections: counter('portcullis_identity_introspection_requests_total', 'Introspection calls by endpoint and result', ['endpoint', 'result'] as const),
  breakerOpen: gauge('portcullis_identity_introspection_circuit_open', '1 while the endpoint circuit breaker is open', ['endpoint'] as const),
  revocations: gauge('portcullis_identity_revocations', 'Revocation entries held in memory, by type', ['type'] as const),
  revocationSync: counter('portcullis_identity_revocation_syncs_total', 'Revocation list loads from the store, by result', ['result'] as const),
  apiKeys: gauge('portcullis_identity_api_keys', 'API keys loaded'),
  apiKeyLoads: counter('portcullis_identity_api_key_loads_total', 'API key set loads by result', ['result'] as const),
  forwardSkipped: counter('portcullis_identity_forward_skipped_total', 'Forward headers not set because the value was not a valid header value', ['header'] as const),
};
