import type { RouteConfig, RuleConfig } from '../config/types.js';
import { compileHeaderMatches, compilePathMatch, type HeaderMatcher, type PathMatcher } from '../pipeline/matchers.js';
import type { RequestContext } from '../pipeline/context.js';
import { Deny } from '../pipeline/deny.js';
import type { Stage } from '../pipeline/stage.js';

interface CompiledRule {
  allow: boolean;
  methods?: Set<string>;
  path?: PathMatcher;
  headers?: HeaderMatcher;
  deny?: Deny;
}

/**
 * Allow/deny by method, path and header presence/value. First matching rule wins: `deny` ends the pass,
 * `allow` lets the request go on to the later phases. No rule matched: `rules_default` (continue | deny).
 */
export function staticRulesStage(route: RouteConfig, index: number): Stage | undefined {
  if (!route.rules || route.rules.length === 0) {
    if (route.rules_default === 'deny') {
      const d = new Deny('ERR_FORBIDDEN', 'request not allowed on this route');
      return { name: 'static_rules', phase: 'screen', run: () => d };
    }
    return undefined;
  }
  const rules = route.rules.map((r, i) => compileRule(r, `/routes/${index}/rules/${i}`));
  const fallback = route.rules_default === 'deny' ? new Deny('ERR_FORBIDDEN', 'request not allowed on this route') : undefined;
  return {
    name: 'static_rules',
    phase: 'screen',
    run(ctx: RequestContext) {
      for (const r of rules) {
        if (r.methods && !r.methods.has(ctx.method)) continue;
        if (r.path && !r.path(ctx.path)) continue;
        if (r.headers && !r.headers(ctx.headers)) continue;
        return r.deny;
      }
      return fallback;
    },
  };
}

function compileRule(r: RuleConfig, pointer: string): CompiledRule {
  return {
    allow: r.action === 'allow',
    methods: r.methods ? new Set(r.methods) : undefined,
    path: r.path ? compilePathMatch(r.path, `${pointer}/path`) : undefined,
    headers: compileHeaderMatches(r.headers, `${pointer}/headers`),
    deny: r.action === 'deny'
      ? new Deny('ERR_FORBIDDEN', r.message ?? (r.name ? `denied by rule ${r.name}` : 'denied by rule'), r.status ?? 403)
      : undefined,
  };
}
