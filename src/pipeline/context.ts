import type { Deny } from './deny.js';

export interface Peer {
  /** IP address (or pipe path) as Envoy saw it; '' when absent. */
  address: string;
  port: number;
  /** mTLS principal (URI SAN / subject) from Envoy. */
  principal: string;
  /** URL-encoded PEM of the peer certificate, when Envoy includes it. */
  certificate: string;
  labels: Record<string, string>;
  service: string;
}

export interface Identity {
  /** Credential kind: jwt | introspection | api_key | signature | mtls | session | anonymous */
  kind: string;
  subject: string;
  issuer?: string;
  roles: string[];
  claims: Record<string, unknown>;
  /** API-key plan / tier, for rate-limit tiers. */
  plan?: string;
}

export interface Finding {
  family: string;       // sqli | xss | traversal | cmdi | bot | anomaly | ip | geo | ...
  where: string;        // e.g. "query.q", "body.$.name", "header.user-agent", "path"
  confidence: number;   // 0..1
  detail?: string;      // short, never the raw payload in full
}

export interface LimitState {
  name: string;
  limit: number;
  remaining: number;
  /** ms until the window resets (or the bucket refills one request). */
  resetMs: number;
  overLimit: boolean;
}

export type HeaderPair = [name: string, value: string];

/**
 * Everything Portcullis knows about one request. Built once from the CheckRequest (context-builder.ts);
 * stages read it and add facts. Header names are lower-case.
 */
export interface RequestContext {
  readonly requestId: string;
  readonly decisionId: string;
  /** ms since epoch, from the CheckRequest time or the local clock. */
  readonly time: number;
  readonly method: string;
  readonly host: string;
  /** Path without query string or fragment, as Envoy sent it (not decoded). */
  readonly path: string;
  /** The full :path (with query). */
  readonly rawPath: string;
  /** Raw query string without '?'. */
  readonly rawQuery: string;
  readonly scheme: string;
  readonly protocol: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Request body bytes Envoy sent (maybe partial); empty buffer when none. */
  readonly body: Buffer;
  /** True when Envoy sent only part of the body (content-length larger than what we got). */
  readonly bodyTruncated: boolean;
  readonly source: Peer;
  readonly destination: Peer;
  readonly tlsSni: string;
  readonly contextExtensions: Readonly<Record<string, string>>;
  /** metadata_context.filter_metadata and route_metadata_context.filter_metadata, as plain objects. */
  readonly metadataContext: Readonly<Record<string, unknown>>;
  readonly routeMetadata: Readonly<Record<string, unknown>>;
  /** The decoded CheckRequest (for the OPA-Envoy compatible input). */
  readonly raw: unknown;

  /** Lazily parsed query (name → values). Use query() from query.ts rather than parsing again. */
  parsedQuery?: Map<string, string[]>;

  // ---- facts added by stages ----
  route: string;
  client: { ip: string; country?: string };
  risk: { score: number; findings: Finding[] };
  identity?: Identity;
  limits: LimitState[];
  /** Result of the authorize phase (policy document), for logs. */
  policy?: unknown;
  /** Free-form facts modules want to share (e.g. auth failure counts). */
  facts: Record<string, unknown>;

  // ---- what the allow response carries ----
  /** Headers to set on the upstream request (overwrite). */
  upstreamHeaders: HeaderPair[];
  /** Extra headers to remove from the upstream request. */
  upstreamHeadersToRemove: string[];
  /** Headers added to the response the client gets (on allow). */
  responseHeaders: HeaderPair[];
  /** Envoy dynamic metadata (namespace envoy.filters.http.ext_authz), for access logs and later filters. */
  dynamicMetadata: Record<string, unknown>;
  queryParamsToSet: HeaderPair[];
  queryParamsToRemove: string[];
  /** Denies that shadow-mode stages would have returned. */
  shadowDenies: Deny[];
}
