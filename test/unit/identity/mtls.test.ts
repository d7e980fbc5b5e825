import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { factsOf, normalizeDn, parseSan } from '../../../src/identity/certificate.js';
import type { MtlsConfig } from '../../../src/identity/config.js';
import { ConfigError } from '../../../src/config/errors.js';
import { AuthFailure } from '../../../src/identity/failure.js';
import { MtlsVerifier } from '../../../src/identity/mtls.js';
import { parseXfcc } from '../../../src/identity/xfcc.js';
import { ctxOf, fakeClock, type Req } from './helpers.js';

const clock = fakeClock(Date.now());
let dir = '';
let client = '';   // spiffe://portcullis.test/ns/demo/sa/client, CN=demo-client, O=Portcullis Demo
let other = '';    // spiffe://elsewhere.test/ns/x/sa/intruder
let dnsCert = '';  // DNS:api.svc.example.com, email:ops@example.com, CN=dns-client
let istioCert = ''; // empty subject, URI:spiffe://cluster.local/ns/shop/sa/web only (an Istio workload certificate)

function enc(pem: string): string { return encodeURIComponent(pem); }

async function code(v: MtlsVerifier, req: Req): Promise<string> {
  const ctx = ctxOf(req);
  const p = v.extract(ctx);
  if (p === undefined) return 'ABSENT';
  if (p instanceof AuthFailure) return p.code;
  const r = v.verify(ctx, p);
  return r instanceof AuthFailure ? r.code : `OK ${r.identity.subject} ${r.identity.roles.join(',')}`;
}

const cfg = (c: Partial<MtlsConfig> = {}): MtlsVerifier => new MtlsVerifier({
  allow: [
    { name: 'demo', spiffe_id: 'spiffe://portcullis.test/ns/demo/*', roles: ['svc'] },
    { name: 'dns', san_dns: '*.svc.example.com', roles: ['dns'] },
  ],
  ...c,
}, '/identity/mtls', clock.now);

describe('mTLS client identity', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pc-mtls-'));
    execFileSync('bash', ['scripts/gen-certs.sh', dir], { stdio: 'pipe' });
    client = readFileSync(join(dir, 'client.crt'), 'utf8');
    other = readFileSync(join(dir, 'other-client.crt'), 'utf8');
    execFileSync('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'dns.key'), '-out', join(dir, 'dns.csr'), '-subj', '/CN=dns-client/O=Example, Inc.'], { stdio: 'pipe' });
    writeFileSync(join(dir, 'dns.ext'), 'subjectAltName=DNS:api.svc.example.com,email:ops@example.com\n');
    execFileSync('openssl', ['x509', '-req', '-in', join(dir, 'dns.csr'), '-CA', join(dir, 'ca.crt'), '-CAkey', join(dir, 'ca.key'), '-CAcreateserial', '-out', join(dir, 'dns.crt'), '-days', '1', '-extfile', join(dir, 'dns.ext')], { stdio: 'pipe' });
    dnsCert = readFileSync(join(dir, 'dns.crt'), 'utf8');
    execFileSync('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'istio.key'), '-out', join(dir, 'istio.csr'), '-subj', '/'], { stdio: 'pipe' });
    writeFileSync(join(dir, 'istio.ext'), 'subjectAltName=critical,URI:spiffe://cluster.local/ns/shop/sa/web\n');
    execFileSync('openssl', ['x509', '-req', '-in', join(dir, 'istio.csr'), '-CA', join(dir, 'ca.crt'), '-CAkey', join(dir, 'ca.key'), '-CAcreateserial', '-out', join(dir, 'istio.crt'), '-days', '1', '-extfile', join(dir, 'istio.ext')], { stdio: 'pipe' });
    istioCert = readFileSync(join(dir, 'istio.crt'), 'utf8');
  });

  it('parses SANs, subject and fingerprint from the certificate', () => {
    const f = factsOf(new X509Certificate(dnsCert));
    assert.deepEqual(f.dns, ['api.svc.example.com']);
    assert.deepEqual(f.emails, ['ops@example.com']);
    assert.equal(f.subject, normalizeDn('O=Example\\, Inc.,CN=dns-client'));
    assert.match(f.fingerprint, /^[0-9a-f]{64}$/);
    assert.deepEqual(parseSan('DNS:a.test, URI:"spiffe://x/a,b", email:e@x'), [['DNS', 'a.test'], ['URI', 'spiffe://x/a,b'], ['email', 'e@x']]);
  });

  it('accepts an allowed SPIFFE ID (prefix rule) from Envoy\'s URL-encoded certificate', async () => {
    assert.equal(await code(cfg(), { certificate: enc(client) }), 'OK spiffe://portcullis.test/ns/demo/sa/client svc');
  });

  it('accepts a certificate with an empty subject (Istio\'s workload certificates), identified by its SPIFFE ID', async () => {
    const v = cfg({ allow: [{ spiffe_id: 'spiffe://cluster.local/ns/shop/*', roles: ['shop'] }] });
    assert.equal(await code(v, { certificate: enc(istioCert) }), 'OK spiffe://cluster.local/ns/shop/sa/web shop');
    const f = factsOf(new X509Certificate(istioCert));
    assert.equal(f.subject, '');
    assert.equal(f.subjectText, '');
    // a subject rule cannot match an empty subject
    assert.equal(await code(cfg({ allow: [{ subject: 'CN=x' }] }), { certificate: enc(istioCert) }), 'ERR_MTLS_NOT_ALLOWED');
  });

  it('rejects a valid certificate that is not on the allow-list', async () => {
    assert.equal(await code(cfg(), { certificate: enc(other) }), 'ERR_MTLS_NOT_ALLOWED');
  });

  it('matches a DNS SAN wildcard (one label only)', async () => {
    assert.equal(await code(cfg(), { certificate: enc(dnsCert) }), 'OK api.svc.example.com dns');
    const strict = cfg({ allow: [{ san_dns: '*.example.com' }] });
    assert.equal(await code(strict, { certificate: enc(dnsCert) }), 'ERR_MTLS_NOT_ALLOWED');
  });

  it('matches subjects (attribute order and spacing do not matter) and fingerprints', async () => {
    assert.equal(await code(cfg({ allow: [{ subject: 'CN=demo-client, O=Portcullis Demo' }] }), { certificate: enc(client) }), 'OK spiffe://portcullis.test/ns/demo/sa/client ');
    assert.equal(await code(cfg({ allow: [{ subject: 'CN=demo-client' }] }), { certificate: enc(client) }), 'ERR_MTLS_NOT_ALLOWED');
    const fp = new X509Certificate(other).fingerprint256;
    assert.equal(await code(cfg({ allow: [{ fingerprint_sha256: fp }] }), { certificate: enc(other) }), 'OK spiffe://elsewhere.test/ns/x/sa/intruder ');
    assert.equal(await code(cfg({ allow: [{ fingerprint_sha256: fp.replace(/:/g, '').toLowerCase() }] }), { certificate: enc(client) }), 'ERR_MTLS_NOT_ALLOWED');
  });

  it('all matchers in one rule must hold', async () => {
    const v = cfg({ allow: [{ spiffe_id: 'spiffe://portcullis.test/ns/demo/sa/client', subject: 'CN=someone-else' }] });
    assert.equal(await code(v, { certificate: enc(client) }), 'ERR_MTLS_NOT_ALLOWED');
  });

  it('rejects an unreadable certificate and an expired one', async () => {
    assert.equal(await code(cfg(), { certificate: enc('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n') }), 'ERR_MTLS_CERT_INVALID');
    assert.equal(await code(cfg(), { certificate: '%E0%A4%A' }), 'ERR_MTLS_CERT_INVALID');
    clock.advance(3 * 86_400_000);
    try {
      assert.equal(await code(cfg(), { certificate: enc(dnsCert) }), 'ERR_MTLS_EXPIRED');
    } finally { clock.advance(-3 * 86_400_000); }
  });

  it('tolerates the clock skew around notBefore, not more', async () => {
    const from = Date.parse(new X509Certificate(client).validFrom);
    const saved = clock.now();
    try {
      clock.set(from - 30_000);
      assert.match(await code(cfg(), { certificate: enc(client) }), /^OK /);
      clock.set(from - 120_000);
      assert.equal(await code(cfg(), { certificate: enc(client) }), 'ERR_MTLS_EXPIRED');
    } finally { clock.set(saved); }
  });

  it('no certificate and no principal: absent (plain HTTP listener)', async () => {
    assert.equal(await code(cfg(), {}), 'ABSENT');
  });

  it('uses the principal when Envoy sends no certificate', async () => {
    assert.equal(await code(cfg(), { principal: 'spiffe://portcullis.test/ns/demo/sa/client' }), 'OK spiffe://portcullis.test/ns/demo/sa/client svc');
  });

  it('Istio principal: trust domain, namespace and service account become claims', () => {
    const v = cfg({ allow: [{ spiffe_id: 'spiffe://cluster.local/ns/shop/*' }, { spiffe_id: 'spiffe://example.org/*' }, { san_uri: 'spiffe://Bad.Domain/x' }] });
    const claims = (principal: string) => {
      const ctx = ctxOf({ principal });
      const r = v.verify(ctx, v.extract(ctx) as any);
      assert.ok(!(r instanceof AuthFailure), principal);
      return r.identity.claims;
    };
    const c = claims('spiffe://cluster.local/ns/shop/sa/web');
    assert.equal(c.spiffe_id, 'spiffe://cluster.local/ns/shop/sa/web');
    assert.equal(c.trust_domain, 'cluster.local');
    assert.equal(c.namespace, 'shop');
    assert.equal(c.service_account, 'web');
    const other = claims('spiffe://example.org/payments/api');
    assert.equal(other.trust_domain, 'example.org');
    assert.equal(other.namespace, undefined);
    // not a valid SPIFFE ID: a URI SAN like any other, no SPIFFE claims
    const bad = claims('spiffe://Bad.Domain/x');
    assert.equal(bad.sub, 'spiffe://Bad.Domain/x');
    assert.equal(bad.spiffe_id, undefined);
    assert.equal(bad.trust_domain, undefined);
  });

  it('a spiffe_id ending in * is a prefix anywhere (Istio principals), not only after /', async () => {
    const v = cfg({ allow: [{ spiffe_id: 'spiffe://cluster.local/ns/shop/sa/web-*', roles: ['web'] }] });
    assert.equal(await code(v, { principal: 'spiffe://cluster.local/ns/shop/sa/web-canary' }), 'OK spiffe://cluster.local/ns/shop/sa/web-canary web');
    assert.equal(await code(v, { principal: 'spiffe://cluster.local/ns/shop/sa/web' }), 'ERR_MTLS_NOT_ALLOWED');
    assert.equal(await code(v, { principal: 'spiffe://cluster.local/ns/shop/sa/api' }), 'ERR_MTLS_NOT_ALLOWED');
  });

  it('a spiffe_id prefix matches SPIFFE IDs only, not other URIs that start the same', async () => {
    const v = cfg({ allow: [{ spiffe_id: 'spiffe://cluster.local/ns/shop/*', roles: ['shop'] }] });
    assert.equal(await code(v, { principal: 'spiffe://cluster.local/ns/shop/sa/web' }), 'OK spiffe://cluster.local/ns/shop/sa/web shop');
    // dot segments (a consumer resolving them reads ns/admin), percent-encoding, query, fragment, port-like,
    // empty segments, trailing '/': no SPIFFE ID has these, so no spiffe_id rule vouches for them
    for (const uri of [
      'spiffe://cluster.local/ns/shop/../../ns/admin/sa/root',
      'spiffe://cluster.local/ns/shop/./sa/web',
      'spiffe://cluster.local/ns/shop/%2e%2e/admin',
      'spiffe://cluster.local/ns/shop/sa/web?as=admin',
      'spiffe://cluster.local/ns/shop/sa/web#x',
      'spiffe://cluster.local/ns/shop//sa/web',
      'spiffe://cluster.local/ns/shop/sa/web/',
    ]) {
      assert.equal(await code(v, { principal: uri }), 'ERR_MTLS_NOT_ALLOWED', uri);
    }
    const trusted = cfg({ allow: [{ spiffe_id: 'spiffe://cluster.local/ns/shop/*' }], xfcc: { trusted_proxies: ['127.0.0.0/8'] } });
    assert.equal(await code(trusted, { address: '127.0.0.9', headers: { 'x-forwarded-client-cert': 'URI=spiffe://cluster.local/ns/shop/../admin' } }), 'ERR_MTLS_NOT_ALLOWED');
    // san_uri stays an exact match of any URI
    const exact = cfg({ allow: [{ san_uri: 'spiffe://cluster.local/ns/shop/sa/web/' }] });
    assert.equal(await code(exact, { principal: 'spiffe://cluster.local/ns/shop/sa/web/' }), 'OK spiffe://cluster.local/ns/shop/sa/web/ ');
  });

  it('a certificate naming two SPIFFE IDs is refused (an X509-SVID has exactly one): a rule could match one, the identity be the other', async () => {
    const trusted = cfg({ allow: [{ spiffe_id: 'spiffe://cluster.local/ns/shop/*' }], xfcc: { trusted_proxies: ['127.0.0.0/8'] } });
    const two = 'URI=spiffe://cluster.local/ns/admin/sa/root;URI=spiffe://cluster.local/ns/shop/sa/web';
    assert.equal(await code(trusted, { address: '127.0.0.9', headers: { 'x-forwarded-client-cert': two } }), 'ERR_MTLS_NOT_ALLOWED');
    // one SPIFFE ID next to another kind of URI is fine
    const one = 'URI=https://shop.example/web;URI=spiffe://cluster.local/ns/shop/sa/web';
    assert.equal(await code(trusted, { address: '127.0.0.9', headers: { 'x-forwarded-client-cert': one } }), 'OK spiffe://cluster.local/ns/shop/sa/web ');
  });

  it('a spiffe_id that can never match is a config error naming the rule', () => {
    for (const [id, msg] of [
      ['spiffe://cluster.local/ns/*/sa/web', /only at the end/],
      ['spiffe://Cluster.local/ns/shop/sa/web', /not a SPIFFE ID/],
      ['spiffe://cluster.local/ns/shop/', /not a SPIFFE ID/],
    ] as const) {
      assert.throws(() => cfg({ allow: [{ spiffe_id: 'spiffe://ok/*' }, { spiffe_id: id }] }),
        (e: unknown) => e instanceof ConfigError && e.path === '/identity/mtls/allow/1/spiffe_id' && msg.test(e.message), id);
    }
  });

  it('ignores x-forwarded-client-cert from an untrusted peer', async () => {
    const xfcc = `By=spiffe://edge;Hash=abc;URI=spiffe://portcullis.test/ns/demo/sa/client`;
    assert.equal(await code(cfg({ xfcc: { trusted_proxies: ['10.0.0.0/8'] } }), { address: '127.0.0.1', headers: { 'x-forwarded-client-cert': xfcc } }), 'ABSENT');
    assert.equal(await code(cfg(), { headers: { 'x-forwarded-client-cert': xfcc } }), 'ABSENT');
  });

  it('trusts x-forwarded-client-cert from a configured proxy hop (last element, Cert= or URI=)', async () => {
    const v = cfg({ xfcc: { trusted_proxies: ['127.0.0.0/8'] } });
    const xfcc = `By=spiffe://edge;URI=spiffe://elsewhere.test/a,By=spiffe://edge2;Cert="${enc(client)}";Subject="CN=demo-client,O=Portcullis Demo"`;
    assert.equal(await code(v, { address: '127.0.0.9', headers: { 'x-forwarded-client-cert': xfcc } }), 'OK spiffe://portcullis.test/ns/demo/sa/client svc');
    assert.equal(await code(v, { address: '127.0.0.9', headers: { 'x-forwarded-client-cert': 'Hash=abc;URI=spiffe://portcullis.test/ns/demo/sa/x' } }), 'OK spiffe://portcullis.test/ns/demo/sa/x svc');
    assert.equal(await code(v, { address: '127.0.0.9', headers: { 'x-forwarded-client-cert': 'URI=spiffe://elsewhere.test/x' } }), 'ERR_MTLS_NOT_ALLOWED');
  });

  it('parses quoted XFCC values with separators inside', () => {
    const els = parseXfcc('By=a;Subject="CN=x,O=\\"Q\\";y";URI=u1,Hash=h2;DNS=d1;DNS=d2');
    assert.equal(els.length, 2);
    assert.deepEqual(els[0]!.get('subject'), ['CN=x,O="Q";y']);
    assert.deepEqual(els[1]!.get('dns'), ['d1', 'd2']);
  });
  it('with a proxy that appends to x-forwarded-client-cert, client-written elements never decide: the last one does', async () => {
    const v = cfg({ xfcc: { trusted_proxies: ['127.0.0.0/8'] } });
    const real = 'By=spiffe://edge;URI=spiffe://elsewhere.test/ns/x/sa/intruder'; // what the proxy appended
    const forged = 'By=spiffe://edge;URI=spiffe://portcullis.test/ns/demo/sa/admin';
    // many forged elements before the real one
    const many = `${Array(20).fill(forged).join(',')},${real}`;
    assert.equal(await code(v, { address: '127.0.0.9', headers: { 'x-forwarded-client-cert': many } }), 'ERR_MTLS_NOT_ALLOWED');
    // one forged element padded past 64 KiB before the real one
    const padded = `${forged};Subject="${'x'.repeat(70 * 1024)}",${real}`;
    assert.notEqual(await code(v, { address: '127.0.0.9', headers: { 'x-forwarded-client-cert': padded } }), 'OK spiffe://portcullis.test/ns/demo/sa/admin svc');
  });
});
