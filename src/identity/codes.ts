/**
 * Identity reason codes: stable, bounded (they are metric labels). Each has the fixed text shown to the
 * client (never anything from the credential, a key or a secret) and, for bearer tokens, the RFC 6750
 * error code put in WWW-Authenticate.
 */
export interface CodeInfo {
  message: string;
  status: number;
  /** RFC 6750 §3.1 error code for bearer challenges. */
  bearer: 'invalid_request' | 'invalid_token';
}

const T = (message: string, status = 401, bearer: CodeInfo['bearer'] = 'invalid_token'): CodeInfo => ({ message, status, bearer });

export const IDENTITY_CODES = {
  ERR_UNAUTHENTICATED: T('authentication required'),
  ERR_TOKEN_AMBIGUOUS: T('credential sent in more than one place', 400, 'invalid_request'),
  ERR_TOKEN_REVOKED: T('credential revoked'),
  ERR_IDENTITY_UNAVAILABLE: T('identity verification unavailable', 503),

  ERR_JWT_MALFORMED: T('token is malformed'),
  ERR_JWT_TOO_LARGE: T('token is too large'),
  ERR_JWT_ALG: T('token algorithm not allowed'),
  ERR_JWT_HEADER: T('token header not allowed'),
  ERR_JWT_CRIT: T('token has an unsupported critical header'),
  ERR_JWT_KID_UNKNOWN: T('token signing key unknown'),
  ERR_JWT_SIGNATURE: T('token signature invalid'),
  ERR_JWT_EXPIRED: T('token expired'),
  ERR_JWT_NOT_YET_VALID: T('token not yet valid'),
  ERR_JWT_IAT_FUTURE: T('token issued in the future'),
  ERR_JWT_TOO_OLD: T('token too old'),
  ERR_JWT_ISSUER: T('token issuer not accepted'),
  ERR_JWT_AUDIENCE: T('token audience not accepted'),
  ERR_JWT_CLAIM_MISSING: T('token lacks a required claim'),
  ERR_JWT_CLAIM_INVALID: T('token claim invalid'),
  ERR_JWT_TYP: T('token type not accepted'),
  ERR_JWT_KEYS_UNAVAILABLE: T('token signing keys unavailable', 503),

  ERR_INTROSPECTION_INACTIVE: T('token inactive'),
  ERR_INTROSPECTION_REJECTED: T('token not accepted'),
  ERR_INTROSPECTION_UNAVAILABLE: T('token introspection unavailable', 503),

  ERR_API_KEY_MALFORMED: T('API key malformed'),
  ERR_API_KEY_INVALID: T('API key invalid'),
  ERR_API_KEY_DISABLED: T('API key disabled'),
  ERR_API_KEY_EXPIRED: T('API key expired'),
  ERR_API_KEY_REVOKED: T('API key revoked'),
  ERR_API_KEYS_UNAVAILABLE: T('API keys unavailable', 503),

  ERR_SIG_MALFORMED: T('request signature malformed'),
  ERR_SIG_MISSING_COMPONENT: T('request signature does not cover the required components'),
  ERR_SIG_KEY_UNKNOWN: T('request signature key unknown'),
  ERR_SIG_ALG: T('request signature algorithm not accepted'),
  ERR_SIG_INVALID: T('request signature invalid'),
  ERR_SIG_EXPIRED: T('request signature expired or created outside the allowed skew'),
  ERR_SIG_NONCE_MISSING: T('request signature has no nonce'),
  ERR_SIG_REPLAY: T('request signature nonce already used'),
  ERR_SIG_DIGEST: T('request body does not match content-digest'),
  ERR_SIG_BODY_INCOMPLETE: T('request body incomplete; cannot check content-digest'),
  ERR_SIG_UNAVAILABLE: T('request signature replay check unavailable', 503),

  ERR_MTLS_CERT_INVALID: T('client certificate unreadable'),
  ERR_MTLS_EXPIRED: T('client certificate expired or not yet valid'),
  ERR_MTLS_NOT_ALLOWED: T('client certificate not allowed'),

  ERR_SAML_SESSION_INVALID: T('session cookie invalid'),
  ERR_SAML_SESSION_EXPIRED: T('session expired'),
  ERR_SAML_MALFORMED: T('SAML response malformed', 400, 'invalid_request'),
  ERR_SAML_SIGNATURE: T('SAML response signature invalid'),
  ERR_SAML_ISSUER: T('SAML response issuer not accepted'),
  ERR_SAML_AUDIENCE: T('SAML assertion audience not accepted'),
  ERR_SAML_RECIPIENT: T('SAML response not addressed to this service'),
  ERR_SAML_EXPIRED: T('SAML assertion expired or not yet valid'),
  ERR_SAML_IN_RESPONSE_TO: T('SAML response does not answer a pending sign-in request'),
  ERR_SAML_REPLAY: T('SAML assertion already used'),
  ERR_SAML_NAME_ID_FORMAT: T('SAML NameID format not accepted'),
  ERR_SAML_AUTHN_CONTEXT: T('SAML authentication method or time not accepted'),
  ERR_SAML_STATUS: T('identity provider did not sign the user in'),
  ERR_SAML_UNAVAILABLE: T('sign-in unavailable', 503),
} as const satisfies Record<string, CodeInfo>;

export type IdentityCode = keyof typeof IDENTITY_CODES;
