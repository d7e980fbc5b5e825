import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from './harness/stack.js';

/**
 * Bodies and headers an application reads otherwise than Portcullis did, through a real Envoy (bodies sent
 * to Portcullis with with_request_body + pack_as_bytes): each request below was let through (or, for the
 * UTF-16 schema case, refused with 400) before this round's fixes.
 */
describe('threat: body encodings, JSON lines, multipart JSON parts and rewrite headers through a real Envoy', () => {
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
  - name: bulk
    match: { path: { prefix: /bulk } }
    threat: { partial_body: inspect }
  - name: api
    match: { path: { prefix: / } }
`,
    });
  });
  after(async () => { await stack?.stop(); });

  const UA = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', accept: '*/*', 'accept-language': 'en' };
  const post = (path: string, type: string | undefined, body: string | Buffer, extra: Record<string, string> = {}) =>
    stack.request({ method: 'POST', path, headers: { ...UA, ...(type ? { 'content-type': type } : {}), ...extra }, body });
  const SQLI = 'admin" or 1=1';

  it('a UTF-16 JSON body passes the route schema (it was refused with 400); an injection in it → 403', async () => {
    const ok = await post('/orders', 'application/json', Buffer.from(JSON.stringify({ qty: 2, note: 'gift' }), 'utf16le'));
    assert.equal(ok.status, 200, ok.body);
    const bad = await post('/orders', 'application/json', Buffer.from(JSON.stringify({ qty: 2, note: "1' union select pwd from staff-- " }), 'utf16le'));
    assert.equal(bad.status, 403, bad.body);
  });

  it('JSON documents read as JSON whatever wraps them: NDJSON, json-seq, a UTF-8 BOM, leading blanks, a bare JSON string, a multipart JSON field → 403', async () => {
    const mp = `--b1\r\nContent-Disposition: form-data; name="meta"\r\n\r\n${JSON.stringify({ user: SQLI })}\r\n--b1--\r\n`;
    for (const [what, r] of [
      ['NDJSON', await post('/api/bulk', 'application/x-ndjson', `{"id":1}\n${JSON.stringify({ user: SQLI })}\n`)],
      ['json-seq', await post('/api/bulk', 'application/json-seq', `\x1e{"id":1}\n\x1e${JSON.stringify({ user: SQLI })}\n`)],
      ['UTF-8 BOM', await post('/api/login', 'application/json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ user: SQLI }))]))],
      ['40 blanks, no type', await post('/api/login', undefined, ' '.repeat(40) + JSON.stringify({ user: SQLI }))],
      ['bare JSON string', await post('/api/login', 'application/octet-stream', JSON.stringify('1 or pg_sleep(5)--'))],
      ['multipart JSON field', await post('/api/upload', 'multipart/form-data; boundary=b1', mp)],
    ] as const) {
      assert.equal(r.status, 403, `${what}: ${r.body}`);
      assert.equal(r.json().error, 'ERR_THREAT', what);
    }
  });

  it('a text file part of any type, a UTF-16 form, a value encoded six times, X-Original-URL → 403', async () => {
    const file = '--b1\r\nContent-Disposition: form-data; name="up"; filename="notes.txt"\r\nContent-Type: application/octet-stream\r\n\r\n<script>alert(document.cookie)</script>\r\n--b1--\r\n';
    const utf16Form = `user=${[...Buffer.from("1' union select password from users--", 'utf16le').swap16()].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')}`;
    let deep = '..%2f..%2f..%2fetc%2fpasswd';
    for (let i = 0; i < 5; i++) deep = deep.replace(/%/g, '%25');
    for (const [what, r] of [
      ['octet-stream text file', await post('/api/upload', 'multipart/form-data; boundary=b1', file)],
      ['UTF-16BE form', await post('/api/login', 'application/x-www-form-urlencoded; charset=utf-16be', utf16Form)],
      ['six-fold percent-encoding', await stack.request({ method: 'GET', path: `/api/file?name=${deep}`, headers: UA })],
      ['X-Original-URL', await stack.request({ method: 'GET', path: '/public/index.html', headers: { ...UA, 'x-original-url': '/static/..%2f..%2f..%2fetc%2fpasswd' } })],
      ['X-Rewrite-URL', await stack.request({ method: 'GET', path: '/public/index.html', headers: { ...UA, 'x-rewrite-url': "/search?q=1' union select password from users--" } })],
    ] as const) {
      assert.equal(r.status, 403, `${what}: ${r.body}`);
      assert.equal(r.json().error, 'ERR_THREAT', what);
    }
  });

  // (EBCDIC code page 037: the bytes of "1' or 1=1--", written here; IIS/ASP.NET decode such a form)
  const IBM037_SQLI = Buffer.from([0xf1, 0x7d, 0x40, 0x96, 0x99, 0x40, 0xf1, 0x7e, 0xf1, 0x60, 0x60]);
  const pct = (b: Buffer) => [...b].map((x) => `%${x.toString(16).padStart(2, '0')}`).join('');
  const FORM = 'application/x-www-form-urlencoded';

  it('a form in a charset nothing decodes (IBM037) → 403 ERR_THREAT; one in UTF-7 with a script → 403 (IBM037 and the unknown label were 200; UTF-7 was 403 already, by the UTF-7 decoding of the detectors)', async () => {
    for (const [what, r] of [
      ['IBM037', await post('/api/login', `${FORM}; charset=IBM037`, `user=${pct(IBM037_SQLI)}&pw=x`)],
      ['an unknown label', await post('/api/login', `${FORM}; charset="x-no-such-charset"`, 'user=alice')],
      ['UTF-7', await post('/api/comment', `${FORM}; charset=utf-7`, `text=${pct(Buffer.from('+ADw-script+AD4-alert(1)+ADw-/script+AD4-'))}`)],
    ] as const) {
      assert.equal(r.status, 403, `${what}: ${r.body}`);
      assert.equal(r.json().error, 'ERR_THREAT', what);
    }
  });

  it('forms in UTF-8 (any spelling), no charset, windows-1252 and UTF-7 without a payload pass, the body unchanged upstream', async () => {
    for (const [type, body] of [[`${FORM}; charset=UTF-8`, 'q=caf%C3%A9'], [`${FORM}; charset="utf8"`, 'q=caf%C3%A9'], [FORM, 'q=caf%C3%A9'],
      [`${FORM}; charset=windows-1252`, 'q=%93quoted%94+it%92s'], [`${FORM}; charset=utf-7`, `q=${pct(Buffer.from('caf+AOk-'))}`]] as const) {
      const r = await post('/api/search', type, body);
      assert.equal(r.status, 200, `${type}: ${r.body}`);
      assert.equal(r.json().body, body, type);
    }
  });

  it('ordinary requests of the same shapes pass', async () => {
    for (const [what, r] of [
      ['NDJSON', await post('/api/bulk', 'application/x-ndjson', `{"id":1,"name":"alice"}\n{"id":2,"name":"Seán O'Brien"}\n`)],
      ['multipart JSON field', await post('/api/upload', 'multipart/form-data; boundary=b1', `--b1\r\nContent-Disposition: form-data; name="meta"\r\n\r\n{"title":"holiday photos","tags":["beach","sun"]}\r\n--b1--\r\n`)],
      ['X-Original-URL', await stack.request({ method: 'GET', path: '/public/index.html', headers: { ...UA, 'x-original-url': '/app/orders/42?view=full' } })],
    ] as const) {
      assert.equal(r.status, 200, `${what}: ${r.body}`);
    }
  });

  it('a body longer than Envoy sends (max_request_bytes, 64 KiB) with the payload past it → 403; under partial_body: inspect → 200', async () => {
    const pad = 'x'.repeat(70 * 1024);
    for (const [what, type, body] of [
      ['JSON', 'application/json', JSON.stringify({ pad, user: "admin' OR 1=1--" })],
      ['form', FORM, `pad=${pad}&user=${encodeURIComponent("admin' OR 1=1--")}`],
      ['multipart', 'multipart/form-data; boundary=b1', `--b1\r\nContent-Disposition: form-data; name="pad"\r\n\r\n${pad}\r\n--b1\r\nContent-Disposition: form-data; name="user"\r\n\r\nadmin' OR 1=1--\r\n--b1--\r\n`],
      ['text', 'text/plain', `${pad} admin' OR 1=1--`],
    ] as const) {
      const r = await post('/api/import', type, body);
      assert.equal(r.status, 403, `${what}: ${r.body.slice(0, 200)}`);
      assert.equal(r.json().error, 'ERR_THREAT', what);
      const through = await post('/bulk/import', type, body);
      assert.equal(through.status, 200, `${what} (partial_body: inspect): ${through.body.slice(0, 200)}`);
    }
    // a body Envoy sends whole, as long as it may be, still passes
    const whole = await post('/api/import', 'text/plain', 'x'.repeat(60 * 1024));
    assert.equal(whole.status, 200, whole.body.slice(0, 200));
  });
});
