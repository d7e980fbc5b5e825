import { X509Certificate } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { sha256hex } from './hash.js';
import { identityMetrics } from './metrics.js';

/** What an allow-list can match in a client certificate. */
export interface CertFacts {
  uris: string[];
  dns: string[];
  emails: string[];
  /** Normalized subject DN (see normalizeDn); '' when unknown. */
  subject: string;
  /** Subject as the certificate prints it (RFC 4514 order), for claims. */
  subjectText: string;
  /** lower-case hex, no colons; '' when unknown */
  fingerprint: string;
  validFrom?: number;
  validTo?: number;
}

/** "CN=a, O=b" and "O=b\nCN=a" → "CN=a,O=b": attribute types upper-cased, RDNs sorted, so order never matters. */
export function normalizeDn(dn: string): string {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < dn.length; i++) {
    const c = dn[i]!;
    if (c === '\\' && i + 1 < dn.length) { cur += c + dn[++i]; continue; }
    if (c === ',' || c === '\n' || c === '+') { parts.push(cur); cur = ''; continue; }
    cur += c;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p !== '').map((p) => {
    const eq = p.indexOf('=');
    return eq < 0 ? p : `${p.slice(0, eq).trim().toUpperCase()}=${p.slice(eq + 1).trim()}`;
  }).sort().join(',');
}

export function normalizeFingerprint(f: string): string {
  return f.replace(/:/g, '').toLowerCase();
}

/** Node's subjectAltName text ("DNS:a, URI:spiffe://…, email:x"; values with commas JSON-quoted) → entries. */
export function parseSan(san: string | undefined): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (!san) return out;
  let i = 0;
  while (i < san.length) {
    while (san[i] === ' ' || san[i] === ',') i++;
    const colon = san.indexOf(':', i);
    if (colon < 0) break;
    const type = san.slice(i, colon);
    i = colon + 1;
    let value = '';
    if (san[i] === '"') {
      let j = i + 1;
      for (; j < san.length; j++) { if (san[j] === '\\') { j++; continue; } if (san[j] === '"') break; }
      try { value = JSON.parse(san.slice(i, j + 1)); } catch { value = san.slice(i + 1, j); }
      i = j + 1;
    } else {
      const end = san.indexOf(', ', i);
      value = san.slice(i, end < 0 ? san.length : end);
      i = end < 0 ? san.length : end;
    }
    out.push([type, value]);
    if (out.length > 256) break;
  }
  return out;
}

export function factsOf(cert: X509Certificate): CertFacts {
  // an empty subject (Istio's and other SPIFFE workload certificates: the identity is the URI SAN) is undefined here
  const subject = (cert.subject as string | undefined) ?? '';
  const f: CertFacts = { uris: [], dns: [], emails: [], subject: normalizeDn(subject), subjectText: subject.split('\n').reverse().join(','), fingerprint: normalizeFingerprint(cert.fingerprint256) };
  for (const [t, v] of parseSan(cert.subjectAltName)) {
    if (t === 'URI') f.uris.push(v);
    else if (t === 'DNS') f.dns.push(v.toLowerCase());
    else if (t === 'email') f.emails.push(v.toLowerCase());
  }
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  if (Number.isFinite(from)) f.validFrom = from;
  if (Number.isFinite(to)) f.validTo = to;
  return f;
}

/** Parses URL-encoded PEM certificates (Envoy's source.certificate, XFCC Cert=) with an LRU of results. */
export class CertificateParser {
  private readonly lru = new LRUCache<string, CertFacts | 'invalid'>({ max: 2048 });

  constructor(private readonly maxBytes = 16 * 1024) {}

  parse(urlEncodedPem: string): CertFacts | undefined {
    if (urlEncodedPem.length > this.maxBytes * 3) return undefined;
    const key = sha256hex(urlEncodedPem);
    const hit = this.lru.get(key);
    if (hit !== undefined) {
      identityMetrics.cache.inc({ cache: 'certificate', result: 'hit' });
      return hit === 'invalid' ? undefined : hit;
    }
    identityMetrics.cache.inc({ cache: 'certificate', result: 'miss' });
    let facts: CertFacts | 'invalid';
    try {
      const pem = decodeURIComponent(urlEncodedPem);
      if (pem.length > this.maxBytes) throw new Error('too large');
      facts = factsOf(new X509Certificate(pem));
    } catch {
      facts = 'invalid';
    }
    this.lru.set(key, facts);
    return facts === 'invalid' ? undefined : facts;
  }
}
