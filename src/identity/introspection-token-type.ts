/**
 * Whether an introspection answer (RFC 7662 §2.2) says the token is NOT an access token. Servers name the kind
 * in different members: `token_type` (RFC 7662; some servers put `refresh_token` there, others a token-exchange
 * URN), `token_use` (Ory Hydra: `access_token` | `refresh_token`) and `typ` (Keycloak: `Bearer` | `Refresh` |
 * `Offline` | `ID`). An answer naming none of them (most servers) is an access token.
 */
const NOT_ACCESS = new Set(['refresh_token', 'refresh', 'offline', 'offline_token', 'id_token', 'id', 'logout']);
const URN = 'urn:ietf:params:oauth:token-type:';

function notAccess(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  let t = v.trim().toLowerCase();
  if (t.startsWith(URN)) t = t.slice(URN.length);
  return NOT_ACCESS.has(t);
}

export function namesNonAccessToken(r: Record<string, unknown>): boolean {
  return notAccess(r.token_type) || notAccess(r.token_use) || notAccess(r.typ);
}
