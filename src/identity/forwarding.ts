import type { Identity, RequestContext } from '../pipeline/context.js';
import type { ForwardConfig } from './config.js';
import { claimAt } from './hash.js';
import { identityMetrics } from './metrics.js';

export const DEFAULT_FORWARD: Required<ForwardConfig> = {
  claims: { subject: 'x-portcullis-subject' },
  kind_header: 'x-portcullis-auth-kind',
  metadata: true,
};

const IDENTITY_FIELDS = new Set(['subject', 'issuer', 'kind', 'roles', 'plan']);
const MAX_VALUE = 8192;
// header values: no control characters (CR/LF/NUL would be rejected by Envoy or split a header)
const BAD = /[\x00-\x08\x0a-\x1f\x7f]/;

/** route forward over global forward over defaults, field by field */
export function mergeForward(global: ForwardConfig | undefined, route: ForwardConfig | undefined): Required<ForwardConfig> {
  return {
    claims: route?.claims ?? global?.claims ?? DEFAULT_FORWARD.claims,
    kind_header: route?.kind_header ?? global?.kind_header ?? DEFAULT_FORWARD.kind_header,
    metadata: route?.metadata ?? global?.metadata ?? DEFAULT_FORWARD.metadata,
  };
}

/**
 * One element of a comma-joined list: `%` and `,` percent-encoded, so an element that holds a comma (an AD
 * group DN such as `CN=Admins,OU=Groups,DC=corp` from SAML or OIDC) stays one element for the upstream.
 * Elements without either character are sent as they are.
 */
function listItem(s: string): string {
  return s.indexOf(',') < 0 && s.indexOf('%') < 0 ? s : s.replaceAll('%', '%25').replaceAll(',', '%2C');
}

function headerValue(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  let s: string;
  if (typeof v === 'string') s = v;
  else if (typeof v === 'number' || typeof v === 'boolean') s = String(v);
  else if (Array.isArray(v)) s = v.map((x) => listItem(typeof x === 'string' ? x : JSON.stringify(x))).join(',');
  else s = JSON.stringify(v);
  return s;
}

/**
 * Identity → upstream: configured claim → header mapping (a claim path, or one of the identity fields
 * subject | issuer | kind | roles | plan), the credential kind header, and Envoy dynamic metadata
 * (`identity` in the ext_authz namespace). Every header named here is owned: stripped from incoming
 * requests, so a client can never supply it.
 */
export class Forwarder {
  private readonly pairs: Array<[header: string, source: string]>;
  private readonly kindHeader: string;
  private readonly metadata: boolean;

  constructor(cfg: Required<ForwardConfig>) {
    this.pairs = Object.entries(cfg.claims).map(([source, header]) => [header.toLowerCase(), source]);
    this.kindHeader = cfg.kind_header.toLowerCase();
    this.metadata = cfg.metadata;
  }

  headerNames(): string[] {
    return [...this.pairs.map((p) => p[0]), ...(this.kindHeader ? [this.kindHeader] : [])];
  }

  apply(ctx: RequestContext, id: Identity): void {
    for (const [header, source] of this.pairs) {
      const raw = IDENTITY_FIELDS.has(source) ? (id as unknown as Record<string, unknown>)[source] : claimAt(id.claims, source);
      const v = headerValue(raw);
      if (v === undefined || v === '') continue;
      if (v.length > MAX_VALUE || BAD.test(v)) { identityMetrics.forwardSkipped.inc({ header }); continue; }
      ctx.upstreamHeaders.push([header, v]);
    }
    if (this.kindHeader) ctx.upstreamHeaders.push([this.kindHeader, id.kind]);
    if (this.metadata) {
      ctx.dynamicMetadata.identity = { kind: id.kind, subject: id.subject, issuer: id.issuer, roles: id.roles, plan: id.plan };
    }
  }
}
