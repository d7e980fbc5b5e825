/**
 * Portcullis extensions to the envoyproxy/ratelimit file format, kept apart from the standard keys.
 * All of them live inside `rate_limit:`; `strict_envoy_format: true` turns each into an error so a file
 * stays loadable by envoyproxy/ratelimit itself.
 *
 *   unit: week                         (standard: second, minute, hour, day, month, year)
 *   unit_multiplier: 5                 window = 5 × unit ("10 per 5 minutes")
 *   algorithm: fixed_window | sliding_window | gcra     (standard behaviour: fixed_window)
 *   burst: 20                          GCRA bucket size (default: requests_per_unit)
 *   failure_mode: open | closed | local                 while Redis cannot answer
 */
export const EXTENSION_RATE_LIMIT_KEYS = ['unit_multiplier', 'algorithm', 'burst', 'failure_mode'] as const;

const CREDENTIAL = /auth|token|secret|passw|api[-_]?key|cookie|session|credential|signature/i;

/** A descriptor key or header name whose values may be credentials (hashed in the admin view). */
export function isCredentialKey(name: string): boolean {
  return CREDENTIAL.test(name);
}
