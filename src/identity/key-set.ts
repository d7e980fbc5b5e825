import { createLocalJWKSet, errors, type JWK, type JWTVerifyGetKey } from 'jose';

/**
 * A key set's resolver with Envoy jwt_authn's kid rule (jwt_verify_lib): a token's kid selects the keys with
 * that kid, and a key without kid serves any token (a PEM key has none, while IdPs put one in every token).
 * A token without kid matches every key of its algorithm's type: jose then throws JWKSMultipleMatchingKeys,
 * iterable over the candidates, and the verifier tries each (jwt.ts).
 */
export function keySetResolver(keys: JWK[]): JWTVerifyGetKey {
  const all = createLocalJWKSet({ keys });
  const withoutKid = keys.filter((k) => k.kid === undefined);
  const anyKid = withoutKid.length > 0 && withoutKid.length < keys.length ? createLocalJWKSet({ keys: withoutKid }) : undefined;
  if (anyKid === undefined) {
    // every key has a kid (jose's own rule), or none has: then a token's kid selects nothing and is ignored
    if (withoutKid.length === 0) return all;
    return (header, token) => all({ ...header, kid: undefined }, token);
  }
  return async (header, token) => {
    try {
      return await all(header, token);
    } catch (err) {
      if (header.kid === undefined || !(err instanceof errors.JWKSNoMatchingKey)) throw err;
      return anyKid({ ...header, kid: undefined }, token);
    }
  };
}
