import assert from 'node:assert/strict';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from './harness/stack.js';

/**
 * Bodies sent with a Content-Encoding, through a real Envoy: ext_authz hands Portcullis the bytes as the
 * client sent them (with_request_body + pack_as_bytes), and Express (body-parser inflates by default), Rails
 * and ASP.NET Core (request decompression) decompress them before the application reads them. The setup is
 * threat-bodies.test.ts's.
 */
describe('threat: compressed request bodies (Content-Encoding) through a real Envoy', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({
      config: () => `
default_action: { action: allow }
threat:
  ban: { ttl_ms: 0, cache_ms: 1000 }
  bot: { cadence: { enabled: false } }
  anomaly: { enabled: false }
routes:
  - name: orders
    match: { path: { prefix: /orders } }
    threat: { validation: { schemas: { POST: { type: object, required: [qty], properties: { qty: { type: integer, minimum: 1 } } } } } }
  - name: api
    match: { path: { prefix: / } }
`,
    });
  });
  after(async () => { await stack?.stop(); });

  const UA = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', accept: '*/*', 'accept-language': 'en' };
  const post = (path: string, type: string, encoding: string, body: Buffer) =>
    stack.request({ method: 'POST', path, headers: { ...UA, 'content-type': type, 'content-encoding': encoding }, body });
  const XSS = JSON.stringify({ comment: '<script>alert(document.cookie)</script>' });
  const SQLI = JSON.stringify({ user: "1' union select password from users--" });

  it('an XSS or SQLi payload in a gzip, deflate or br JSON body → 403 ERR_THREAT (each was 200: the compressed bytes were not read)', async () => {
    for (const [what, r] of [
      ['gzip JSON, XSS', await post('/api/comment', 'application/json', 'gzip', gzipSync(XSS))],
      ['gzip JSON, SQLi', await post('/api/login', 'application/json', 'gzip', gzipSync(SQLI))],
      ['x-gzip octet-stream JSON', await post('/api/login', 'application/octet-stream', 'x-gzip', gzipSync(SQLI))],
      ['deflate (zlib) JSON', await post('/api/login', 'application/json', 'deflate', deflateSync(SQLI))],
      ['deflate (raw) JSON', await post('/api/login', 'application/json', 'Deflate', deflateRawSync(SQLI))],
      ['br JSON', await post('/api/comment', 'application/json', 'br', brotliCompressSync(XSS))],
      ['gzip then br', await post('/api/comment', 'application/json', 'gzip, br', brotliCompressSync(gzipSync(XSS)))],
      ['gzip form', await post('/api/login', 'application/x-www-form-urlencoded', 'gzip', gzipSync("user=1'+union+select+password+from+users--"))],
    ] as const) {
      assert.equal(r.status, 403, `${what}: ${r.body}`);
      assert.equal(r.json().error, 'ERR_THREAT', what);
    }
  });

  it('a body that cannot be decoded (corrupt gzip, zstd, compress) or a bomb (32 KiB → 32 MiB) → 403 ERR_THREAT, as a body over the inspection budget', async () => {
    for (const [what, r] of [
      ['gzip bomb', await post('/api/login', 'application/json', 'gzip', gzipSync(Buffer.alloc(32 * 1024 * 1024, ' ')))],
      ['corrupt gzip', await post('/api/login', 'application/json', 'gzip', Buffer.concat([gzipSync(SQLI).subarray(0, 12), Buffer.from('not deflate data at all')]))],
      // (the bytes are a harmless document: a coding nothing here decodes is refused whatever they hold)
      ['zstd', await post('/api/login', 'application/json', 'zstd', Buffer.from('{"user":"alice"}'))],
      ['compress', await post('/api/login', 'application/json', 'compress', Buffer.from('{"user":"alice"}'))],
    ] as const) {
      assert.equal(r.status, 403, `${what}: ${r.body}`);
      assert.equal(r.json().error, 'ERR_THREAT', what);
    }
  });

  it('bytes read one way by some applications and another way here → 403: a zlib/raw deflate polyglot, a form field in a gzip comment', async () => {
    // zlib-wrapped: 65534 bytes of padding; raw (as .NET's DeflateStream, Go's flate read it): one byte, then the payload
    const lit = Buffer.alloc(65534, 0x61);
    Buffer.from([0, 0, 0xff, 0xff]).copy(lit, 0);
    deflateRawSync(SQLI).copy(lit, 4);
    let a = 1, b = 0;
    for (const x of lit) { a = (a + x) % 65521; b = (b + a) % 65521; }
    const adler = Buffer.alloc(4);
    adler.writeUInt32BE(((b << 16) | a) >>> 0);
    const polyglot = Buffer.concat([Buffer.from([0x78, 0x01, 0x00, 0xfe, 0xff, 0x01, 0x00]), lit, Buffer.from([0x01, 0x00, 0x00, 0xff, 0xff]), adler]);
    // gunzip skips the header's comment; Go's ParseForm, reading the bytes as sent, finds q there
    const gz = gzipSync('a=b');
    const head = Buffer.from(gz.subarray(0, 10));
    head[3] = 0x10;
    const commented = Buffer.concat([head, Buffer.from("&q=1' union select password from users--&\0", 'latin1'), gz.subarray(10)]);
    for (const [what, r] of [
      ['deflate polyglot', await post('/api/login', 'application/octet-stream', 'deflate', polyglot)],
      ['gzip comment', await post('/api/login', 'application/x-www-form-urlencoded', 'gzip', commented)],
    ] as const) {
      assert.equal(r.status, 403, `${what}: ${r.body}`);
      assert.equal(r.json().error, 'ERR_THREAT', what);
    }
  });

  it('the route schema validates the decompressed body: a valid gzip order passes (it was 400 "body is not valid JSON"), an invalid one → 400', async () => {
    const ok = await post('/orders', 'application/json', 'gzip', gzipSync(JSON.stringify({ qty: 2, note: 'gift' })));
    assert.equal(ok.status, 200, ok.body);
    const bad = await post('/orders', 'application/json', 'br', brotliCompressSync(JSON.stringify({ qty: 0 })));
    assert.equal(bad.status, 400, bad.body);
    assert.deepEqual(bad.json().violations, [{ where: 'body.qty', message: 'must be >= 1' }]);
    const zstd = await post('/orders', 'application/json', 'zstd', Buffer.from(JSON.stringify({ qty: 2 })));
    assert.equal(zstd.status, 400, zstd.body);
    assert.equal(zstd.json().error, 'ERR_VALIDATION');
  });

  it('ordinary compressed bodies pass, the bytes unchanged upstream', async () => {
    const doc = JSON.stringify({ title: 'holiday photos', note: "Seán O'Brien's order", tags: ['beach', 'sun'] });
    for (const [encoding, body] of [['gzip', gzipSync(doc)], ['deflate', deflateSync(doc)], ['br', brotliCompressSync(doc)], ['identity', Buffer.from(doc)]] as const) {
      const r = await post('/api/notes', 'application/json', encoding, body);
      assert.equal(r.status, 200, `${encoding}: ${r.body}`);
      const seen = r.json();
      assert.equal(seen.headers['content-encoding'], encoding);
      assert.equal(Number(seen.headers['content-length']), body.length, encoding);
    }
  });
});
