import type { RouteConfig } from '../config/types.js';
import { ConfigError } from '../config/errors.js';
import { isOwned, type OwnedHeaders } from '../pipeline/respond.js';

/**
 * An `allow` rule that matches a header Portcullis owns is refused. Static rules run in the screen phase,
 * before identity, on the headers the client sent: `{action: allow, headers: [{name: x-user-id, exact:
 * admin}]}` (as an Envoy RBAC rule behind jwt_authn would read it) lets anyone who writes that header past
 * `rules_default: deny`. A `deny` rule on an owned header (refusing clients that send one) stays allowed.
 */
export function ownedAllowRules(routes: readonly RouteConfig[], owned: OwnedHeaders, collect: (err: unknown) => void): void {
  routes.forEach((rc, ri) => rc.rules?.forEach((r, i) => {
    if (r.action !== 'allow') return;
    r.headers?.forEach((h, hi) => {
      const name = h.name.toLowerCase();
      if (!isOwned(owned, name)) return;
      collect(new ConfigError(`/routes/${ri}/rules/${i}/headers/${hi}/name`,
        `"${name}" is a header Portcullis owns (it sets it for the upstream); rules run before identity and see the client's copy, so an allow rule on it lets any client that writes it through — allow on the verified identity in a policy instead (input.portcullis.identity)`));
    });
  }));
}
