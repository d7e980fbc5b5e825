/**
 * SPIFFE IDs (https://github.com/spiffe/spiffe/blob/main/standards/SPIFFE-ID.md): `spiffe://<trust domain><path>`.
 * The trust domain is lower-case letters, digits, '.', '-', '_'; the path is '/'-separated segments of letters,
 * digits, '.', '-', '_', none empty, none '.' or '..', no trailing '/'; no port, user info, query or fragment;
 * at most 2048 bytes. Istio and other Kubernetes meshes use the path `/ns/<namespace>/sa/<service account>`.
 */
export interface SpiffeId {
  trustDomain: string;
  /** '' or '/seg/…' */
  path: string;
  /** Set when the path is /ns/<namespace>/sa/<service account> (Istio, Linkerd, SPIRE's k8s workload registrar). */
  namespace?: string;
  serviceAccount?: string;
}

export const SPIFFE_SCHEME = 'spiffe://';
export const SPIFFE_MAX_ID = 2048;
const MAX_TRUST_DOMAIN = 255;

function tdChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d || c === 0x5f;
}

function pathChar(c: number): boolean {
  return tdChar(c) || (c >= 0x41 && c <= 0x5a);
}

/** The parsed ID, or undefined when `id` is not a valid SPIFFE ID. */
export function parseSpiffeId(id: string): SpiffeId | undefined {
  if (id.length > SPIFFE_MAX_ID || !id.startsWith(SPIFFE_SCHEME)) return undefined;
  const slash = id.indexOf('/', SPIFFE_SCHEME.length);
  const tdEnd = slash < 0 ? id.length : slash;
  const trustDomain = id.slice(SPIFFE_SCHEME.length, tdEnd);
  if (trustDomain === '' || trustDomain.length > MAX_TRUST_DOMAIN) return undefined;
  for (let i = 0; i < trustDomain.length; i++) if (!tdChar(trustDomain.charCodeAt(i))) return undefined;
  const path = id.slice(tdEnd);
  const segments = path === '' ? [] : path.slice(1).split('/');
  for (const s of segments) {
    if (s === '' || s === '.' || s === '..') return undefined;
    for (let i = 0; i < s.length; i++) if (!pathChar(s.charCodeAt(i))) return undefined;
  }
  const out: SpiffeId = { trustDomain, path };
  if (segments.length === 4 && segments[0] === 'ns' && segments[2] === 'sa') {
    out.namespace = segments[1];
    out.serviceAccount = segments[3];
  }
  return out;
}

/**
 * Checks an allow-list pattern: an exact SPIFFE ID, or one cut anywhere and ending in `*` (a prefix, as Istio's
 * principals: `spiffe://td/ns/shop/*`, `spiffe://td/ns/shop/sa/web-*`). Returns the problem, or undefined.
 */
export function spiffePatternProblem(pattern: string): string | undefined {
  const star = pattern.indexOf('*');
  if (star < 0) {
    return parseSpiffeId(pattern) === undefined
      ? 'not a SPIFFE ID: spiffe://<trust domain>/<path>, the trust domain in lower-case letters, digits, ".", "-", "_" and the path of segments of letters, digits, ".", "-", "_" (no empty, "." or ".." segments, no trailing "/")'
      : undefined;
  }
  if (star !== pattern.length - 1) return '"*" is allowed only at the end (a prefix match)';
  const fixed = pattern.slice(0, -1);
  if (fixed.length <= SPIFFE_SCHEME.length) return 'a prefix needs at least the trust domain (spiffe://<trust domain>/…*)';
  // the fixed part must start some valid ID: it does exactly when it stays valid with one more letter
  if (parseSpiffeId(`${fixed}x`) === undefined) return 'the part before "*" cannot start a SPIFFE ID (lower-case trust domain; path segments of letters, digits, ".", "-", "_")';
  return undefined;
}
