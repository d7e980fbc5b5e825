import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from './harness/stack.js';

/** One raw HTTP/1.1 request (repeated header lines as written), its status line and body. */
function raw(port: number, text: string, from: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, localAddress: from }, () => s.write(text));
    let out = '';
    s.on('data', (c: Buffer) => { out += c.toString('latin1'); });
    s.on('end', () => resolve({ status: Number(out.split(' ')[1]), body: out.slice(out.indexOf('\r\n\r\n') + 4) }));
    s.on('error', reject);
  });
}

/**
 * Requests the application parses into inputs the threat inspection did not read (or read under another
 * name, which an exclusion covered), through a real Envoy: each was let through (200) before this round.
 */
describe('threat: parser differentials through a real Envoy', () => {
  let stack: Stack;
  let n = 60;
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
    threat:
      exclude: [{ input: "cookie.prefs", families: [sqli, xss] }, { input: "query.search", families: [sqli, xss] }]
`,
    });
  });
  after(async () => { await stack?.stop(); });

  const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0';
  const get = (target: string, headers: string[] = []) =>
    raw(stack.envoy.httpPort, [`GET ${target} HTTP/1.1`, 'Host: api.example.com', `User-Agent: ${UA}`, ...headers, 'Connection: close', '', ''].join('\r\n'), `127.0.0.${n++}`);
  const post = (type: string, body: string) => stack.request({ method: 'POST', path: '/upload', headers: { 'user-agent': UA, 'content-type': type }, body: Buffer.from(body, 'latin1') });

  it('two Cookie headers: the second cookie is read under its own name, not as the excluded first one\'s value', async () => {
    const ok = await get('/a', ['Cookie: prefs=<b>x</b>', 'Cookie: sid=abc']);
    assert.equal(ok.status, 200, ok.body);
    const bad = await get('/a', ['Cookie: prefs=a', "Cookie: id=1' OR 1=1--"]);
    assert.equal(bad.status, 403, bad.body);
  });

  it('a query parameter after a raw ; (Rack 2 splits there) is read under its own name', async () => {
    assert.equal((await get("/a?search=1'%20OR%201=1--")).status, 200);
    const bad = await get("/a?search=a;id=1'%20OR%201=1--");
    assert.equal(bad.status, 403, bad.body);
  });

  it('multipart: a field with filename= outside its Content-Disposition, and a field beside a binary file in multipart/mixed', async () => {
    const field = await post('multipart/form-data; boundary=XyZ', `--XyZ\r\nContent-Disposition: form-data; name="q"\r\nContent-Type: application/octet-stream; filename=a.bin\r\n\r\n1' OR 1=1--\x01\r\n--XyZ--\r\n`);
    assert.equal(field.status, 403, field.body);
    const mixed = await post('multipart/mixed; boundary=XyZ', `--XyZ\r\nContent-Disposition: form-data; name="q"\r\n\r\n<script>alert(1)</script>\r\n--XyZ\r\nContent-Disposition: form-data; name="f"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG\x00\r\n--XyZ--\r\n`);
    assert.equal(mixed.status, 403, mixed.body);
    const qp = await post('multipart/form-data; boundary=XyZ', `--XyZ\r\nContent-Disposition: form-data; name="q"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=3Cscript=3Ealert(1)=3C/script=3E\r\n--XyZ--\r\n`);
    assert.equal(qp.status, 403, qp.body);
    const benign = await post('multipart/form-data; boundary=XyZ', `--XyZ\r\nContent-Disposition: form-data; name="title"\r\n\r\nholiday photos\r\n--XyZ\r\nContent-Disposition: form-data; name="f"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG\x00\r\n--XyZ--\r\n`);
    assert.equal(benign.status, 200, benign.body);
  });
});
