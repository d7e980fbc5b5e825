import assert from 'node:assert/strict';
import { createHmac, createPublicKey, generateKeyPairSync, verify as edVerify } from 'node:crypto';
import { describe, it } from 'node:test';
import { checkContentDigest, contentDigest } from '../../../src/identity/content-digest.js';
import { AuthFailure } from '../../../src/identity/failure.js';
import { signRequest } from '../../../src/identity/sign.js';
import { signatureBase, type SignedMessage } from '../../../src/identity/signature-base.js';
import { compileSigningKeys } from '../../../src/identity/signature-keys.js';
import { SignatureVerifier } from '../../../src/identity/signature.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { parseDictionary, type InnerList } from 'structured-headers';
import { ctxOf, fakeClock, runtimeFor, type Req } from './helpers.js';

// RFC 9421 Appendix B.1.5 / B.1.4 test keys
const RFC_SHARED = 'uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ==';
const RFC_ED_PUB = '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=\n-----END PUBLIC KEY-----\n';
const RFC_MSG: SignedMessage = {
  method: 'POST', scheme: 'https', authority: 'example.com', path: '/foo', query: 'param=Value&Pet=dog',
  headers: { date: 'Tue, 20 Apr 2021 02:07:55 GMT', 'content-type': 'application/json', 'content-length': '18' },
};

function innerList(header: string, label: string): InnerList {
  return parseDictionary(header).get(label) as InnerList;
}

const clock = fakeClock();
const nowS = () => Math.floor(clock.now() / 1000);
const SECRET = 'a-very-long-shared-secret-of-40-bytes!!!';
const ed = generateKeyPairSync('ed25519');

function verifier(o: { requireNonce?: boolean; store?: MemoryStore } = {}) {
  const keys = compileSigningKeys([
    { id: 'client-1', algorithm: 'hmac-sha256', secret: SECRET, subject: 'billing-svc', roles: ['billing'] },
    { id: 'client-ed', algorithm: 'ed25519', public_key: ed.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
  ], process.cwd(), '/identity/signatures/keys');
  return new SignatureVerifier({
    keys, maxSkewS: 300, requiredComponents: ['@method', '@authority', '@path', '@query'], requireContentDigest: true,
    requireNonce: o.requireNonce ?? true, store: o.store ?? new MemoryStore(), clock: clock.now,
  });
}

function signed(over: Partial<Parameters<typeof signRequest>[0]> & { method?: string; url?: string } = {}): Req {
  const method = over.method ?? 'POST';
  const url = over.url ?? 'http://api.test/orders?id=7&x=1';
  const body = over.body;
  const h = signRequest({ method, url, body, keyId: 'client-1', algorithm: 'hmac-sha256', key: Buffer.from(SECRET), created: nowS(), ...over });
  const u = new URL(url);
  return { method, path: u.pathname + u.search, host: u.host, headers: { ...h, 'content-type': 'application/json' }, body };
}

async function code(v: SignatureVerifier, req: Req): Promise<string> {
  const ctx = ctxOf(req);
  const p = v.extract(ctx);
  if (p === undefined) return 'ABSENT';
  if (p instanceof AuthFailure) return p.code;
  const r = await v.verify(ctx, p);
  return r instanceof AuthFailure ? r.code : `OK ${r.identity.subject}`;
}

describe('HTTP Message Signatures (RFC 9421)', () => {
  it('reproduces the RFC 9421 B.2.5 hmac-sha256 test vector', () => {
    const input = 'sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"';
    const base = signatureBase(RFC_MSG, innerList(input, 'sig-b25'));
    assert.equal(base, '"date": Tue, 20 Apr 2021 02:07:55 GMT\n"@authority": example.com\n"content-type": application/json\n"@signature-params": ("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"');
    const mac = createHmac('sha256', Buffer.from(RFC_SHARED, 'base64')).update(base).digest('base64');
    assert.equal(mac, 'pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=');
  });

  it('verifies the RFC 9421 B.2.6 ed25519 test vector', () => {
    const input = 'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"';
    const base = signatureBase(RFC_MSG, innerList(input, 'sig-b26'));
    const sig = Buffer.from('wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==', 'base64');
    assert.ok(edVerify(null, Buffer.from(base), createPublicKey(RFC_ED_PUB), sig));
  });

  it('checks content-digest (RFC 9530) against the body', () => {
    const body = Buffer.from('{"hello": "world"}');
    assert.equal(contentDigest(body, 'sha-512'), 'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:');
    assert.equal(checkContentDigest('sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:', body), 'ok');
    assert.equal(checkContentDigest('sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:', Buffer.from('{"hello": "World"}')), 'mismatch');
    assert.equal(checkContentDigest('md5=:AAAA:', body), 'unsupported');
    assert.equal(checkContentDigest('sha-256=nope', body), 'malformed');
  });

  it('accepts a request signed by the CLI helper (hmac-sha256, with body)', async () => {
    assert.equal(await code(verifier(), signed({ body: '{"amount":10}' })), 'OK billing-svc');
  });

  it('accepts an ed25519 signature', async () => {
    const req = signed({ keyId: 'client-ed', algorithm: 'ed25519', key: ed.privateKey, method: 'GET', url: 'http://api.test/orders' });
    assert.equal(await code(verifier(), req), 'OK client-ed');
  });

  it('rejects a replayed signed request (same nonce)', async () => {
    const v = verifier();
    const req = signed({ body: '{"amount":10}' });
    assert.equal(await code(v, req), 'OK billing-svc');
    assert.equal(await code(v, req), 'ERR_SIG_REPLAY');
  });

  it('rejects a signed request whose body was changed', async () => {
    const req = signed({ body: '{"amount":10}' });
    assert.equal(await code(verifier(), { ...req, body: '{"amount":99999}' }), 'ERR_SIG_DIGEST');
  });

  it('rejects a changed body with a recomputed (unsigned) content-digest', async () => {
    const req = signed({ body: '{"amount":10}' });
    const body = '{"amount":99999}';
    assert.equal(await code(verifier(), { ...req, body, headers: { ...req.headers, 'content-digest': contentDigest(Buffer.from(body)) } }), 'ERR_SIG_INVALID');
  });

  it('rejects a request whose method, path, query or host differ from what was signed', async () => {
    const req = signed({ method: 'GET', url: 'http://api.test/orders?id=7' });
    assert.equal(await code(verifier(), { ...req, method: 'DELETE' }), 'ERR_SIG_INVALID');
    assert.equal(await code(verifier(), { ...req, path: '/orders/8?id=7' }), 'ERR_SIG_INVALID');
    assert.equal(await code(verifier(), { ...req, path: '/orders?id=8' }), 'ERR_SIG_INVALID');
    assert.equal(await code(verifier(), { ...req, host: 'evil.test', headers: { ...req.headers } }), 'ERR_SIG_INVALID');
  });

  it('requires content-digest coverage when there is a body', async () => {
    // signed without a body (so content-digest is not covered), then sent with one
    const noDigest = signed({ method: 'POST', url: 'http://api.test/orders?id=7&x=1' });
    assert.equal(await code(verifier(), { ...noDigest, body: '{"a":1}' }), 'ERR_SIG_MISSING_COMPONENT');
    assert.equal(await code(verifier(), signed({ body: '{"a":1}' })), 'OK billing-svc');
  });

  it('requires @method, @authority, @path and @query to be covered', async () => {
    const req = signed({ method: 'GET', components: ['@method', '@path'] });
    assert.equal(await code(verifier(), req), 'ERR_SIG_MISSING_COMPONENT');
    const viaTarget = signed({ method: 'GET', components: ['@method', '@target-uri'] });
    assert.equal(await code(verifier(), viaTarget), 'OK billing-svc', '@target-uri covers authority, path and query');
  });

  it('rejects a signature created outside the allowed skew', async () => {
    assert.equal(await code(verifier(), signed({ method: 'GET', created: nowS() - 301 })), 'ERR_SIG_EXPIRED');
    assert.equal(await code(verifier(), signed({ method: 'GET', created: nowS() + 301 })), 'ERR_SIG_EXPIRED');
    assert.equal(await code(verifier(), signed({ method: 'GET', created: nowS() - 299 })), 'OK billing-svc');
  });

  it('requires a nonce', async () => {
    const req = signed({ method: 'GET' });
    // re-sign without a nonce by building the input by hand
    const base = `"@method": GET\n"@authority": api.test\n"@path": /orders\n"@query": ?id=7&x=1\n"@signature-params": ("@method" "@authority" "@path" "@query");created=${nowS()};keyid="client-1"`;
    const sig = createHmac('sha256', SECRET).update(base).digest('base64');
    const headers = { ...req.headers, 'signature-input': `sig1=("@method" "@authority" "@path" "@query");created=${nowS()};keyid="client-1"`, signature: `sig1=:${sig}:` };
    assert.equal(await code(verifier(), { ...req, headers }), 'ERR_SIG_NONCE_MISSING');
    assert.equal(await code(verifier({ requireNonce: false }), { ...req, headers }), 'OK billing-svc');
  });

  // RFC 9421 §2.1: a field sent on several lines is signed as the trimmed lines joined by ", " — the section's
  // own example: "Example-Header: value, with, lots" + "Example-Header: of, commas" → "value, with, lots, of, commas".
  // Envoy's CheckRequest joins the lines with "," (check_request_utils.cc), so the gateway sees "…lots,of, commas".
  it('verifies a signature over a field sent on two lines (RFC 9421 §2.1 combination), as Envoy joins them', async () => {
    const comps = ['@method', '@authority', '@path', '@query', 'example-header'];
    const req = signed({ method: 'GET', components: comps, headers: { 'example-header': 'value, with, lots, of, commas' } });
    const envoy = { ...req, headers: { ...req.headers, 'example-header': 'value, with, lots,of, commas' } };
    assert.equal(await code(verifier(), envoy), 'OK billing-svc');
    // a single line with a bare comma is signed as sent, and still verifies
    const one = signed({ method: 'GET', components: comps, headers: { 'example-header': 'a,b' } });
    assert.equal(await code(verifier(), { ...one, headers: { ...one.headers, 'example-header': 'a,b' } }), 'OK billing-svc');
    // the values themselves stay covered
    const changed = signed({ method: 'GET', components: comps, headers: { 'example-header': 'value, with, lots, of, commas' } });
    assert.equal(await code(verifier(), { ...changed, headers: { ...changed.headers, 'example-header': 'value, with, lots,of, comma' } }), 'ERR_SIG_INVALID');
    assert.equal(await code(verifier(), { ...changed, headers: { ...changed.headers, 'example-header': 'value, with, lots of, commas' } }), 'ERR_SIG_INVALID');
  });

  it('rejects an unknown keyid, a mismatched alg, a forged signature', async () => {
    assert.equal(await code(verifier(), signed({ method: 'GET', keyId: 'nobody' })), 'ERR_SIG_KEY_UNKNOWN');
    const edAsHmac = signed({ method: 'GET', keyId: 'client-ed', algorithm: 'hmac-sha256', key: Buffer.from(SECRET) });
    assert.equal(await code(verifier(), edAsHmac), 'ERR_SIG_ALG');
    const forged = signed({ method: 'GET', key: Buffer.from('x'.repeat(40)) });
    assert.equal(await code(verifier(), forged), 'ERR_SIG_INVALID');
  });

  it('rejects malformed Signature / Signature-Input headers', async () => {
    const req = signed({ method: 'GET' });
    assert.equal(await code(verifier(), { ...req, headers: { ...req.headers, signature: 'sig1=not-bytes' } }), 'ERR_SIG_MALFORMED');
    assert.equal(await code(verifier(), { ...req, headers: { ...req.headers, 'signature-input': '(((' } }), 'ERR_SIG_MALFORMED');
    assert.equal(await code(verifier(), { ...req, headers: { 'signature-input': req.headers!['signature-input']! } }), 'ERR_SIG_MALFORMED');
  });

  it('cannot check the digest of a body Envoy truncated', async () => {
    const req = signed({ body: '{"amount":10}' });
    assert.equal(await code(verifier(), { ...req, size: 100000 }), 'ERR_SIG_BODY_INCOMPLETE');
  });

  it('answers 503 when the nonce store is down (fail closed)', async () => {
    const store = new MemoryStore();
    store.setNX = async () => { throw new Error('down'); };
    assert.equal(await code(verifier({ store }), signed({ method: 'GET' })), 'ERR_SIG_UNAVAILABLE');
  });

  it('refuses short HMAC secrets and wrong key types in config', () => {
    assert.throws(() => compileSigningKeys([{ id: 'a', algorithm: 'hmac-sha256', secret: 'short' }], '.', '/k'), /at least 32 bytes/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    assert.throws(() => compileSigningKeys([{ id: 'a', algorithm: 'ed25519', public_key: rsa }], '.', '/k'), /expected an ed25519 key/);
  });
  /** A request signed over the required components plus `extra` (hmac-sha256, client-1, now). */
  function signedWith(extra: string): Req {
    const created = Math.floor(Date.now() / 1000);
    const input = `sig1=("@method" "@authority" "@path" "@query" "${extra}");created=${created};keyid="client-1";nonce="n-${extra}-${created}"`;
    return { method: 'GET', path: '/orders?id=7', host: 'api.test', headers: { 'signature-input': input, signature: `sig1=:${Buffer.alloc(32).toString('base64')}:` } };
  }

  for (const name of ['constructor', '__proto__']) {
    it(`a covered field named "${name}" that the request lacks is malformed, not an internal error`, async () => {
      clock.set(Date.now());
      assert.equal(await code(verifier(), signedWith(name)), 'ERR_SIG_MALFORMED');
    });
  }

  it('on a fail_open route, a signature covering "constructor" does not get the request through unauthenticated', async () => {
    const h = await runtimeFor(`
identity:
  signatures:
    keys: [ { id: client-1, algorithm: hmac-sha256, secret: "${SECRET}" } ]
routes:
  - name: partner
    match: { path: { prefix: / } }
    fail_open: true
    identity: { accept: [signature] }
`);
    try {
      const r = await h.send(signedWith('constructor'));
      assert.equal(r.allowed, false);
      assert.equal(r.code, 'ERR_SIG_MALFORMED');
    } finally {
      await h.close();
    }
  });
});
