// Stable reason codes. Every deny carries one; metrics and logs use them as labels (bounded set).
// The HTTP status here is the default for the code; a stage may override it.
export const CODES = {
  OK: 200,
  ERR_BAD_REQUEST: 400,          // malformed CheckRequest (no HTTP attributes, bad sizes, invalid UTF-8)
  ERR_VALIDATION: 400,           // request validation (schema, content type, sizes)
  ERR_UNAUTHENTICATED: 401,      // no credential where one is required
  ERR_CREDENTIAL_INVALID: 401,   // generic credential failure
  ERR_FORBIDDEN: 403,            // static rule deny
  ERR_NO_ROUTE: 403,             // no route matched and the default is deny
  ERR_POLICY_DENIED: 403,        // policy said no
  ERR_POLICY: 403,               // policy evaluation failed
  ERR_THREAT: 403,               // risk score over the block threshold
  ERR_BANNED: 403,
  ERR_IP_BLOCKED: 403,
  ERR_GEO_BLOCKED: 403,
  ERR_CSRF: 403,
  ERR_RATE_LIMITED: 429,
  ERR_PAYLOAD_TOO_LARGE: 413,
  ERR_INTERNAL: 500,             // an exception inside a Check
  ERR_UNAVAILABLE: 503,          // a dependency is down and the route fails closed
} as const satisfies Record<string, number>;

export type KnownCode = keyof typeof CODES;

/** Default HTTP status for a code; codes added by later modules (ERR_JWT_EXPIRED…) fall back by prefix. */
export function defaultStatus(code: string): number {
  const known = (CODES as Record<string, number>)[code];
  if (known !== undefined) return known;
  if (code.startsWith('ERR_JWT') || code.startsWith('ERR_API_KEY') || code.startsWith('ERR_SIG') ||
      code.startsWith('ERR_MTLS') || code.startsWith('ERR_TOKEN') || code.startsWith('ERR_INTROSPECTION') || code.startsWith('ERR_SAML')) return 401;
  return 403;
}
