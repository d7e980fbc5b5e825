import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from './harness/stack.js';
import { send } from './harness/http.js';

/**
 * Per-route inspection exclusions through a real Envoy (JSON bodies sent to Portcullis with pack_as_bytes):
 * the markdown field of one route is not read by the injection detectors, every other input still is.
 */

const HEADERS = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', accept: '*/*', 'accept-language': 'en', 'accept-encoding': 'identity', 'content-type': 'application/json' };
const XSS = '<script>alert(document.cookie)</script>';

describe('threat exclusions through a real Envoy', () => {
  let stack: Stack;
  let n = 30;
  const post = (path: string, doc: unknown) => send(stack.envoy.httpPort, { method: 'POST', path, body: JSON.stringify(doc), headers: HEADERS, from: `127.0.0.${n++}` });

  before(async () => {
    stack = await startStack({
      config: () => `
default_action: { action: allow }
threat:
  ban: { ttl_ms: 0 }
  events: { log: false }
routes:
  - name: issues
    match: { path: { prefix: /api/issues } }
    threat:
      markup: allow
      exclude:
        - { input: "body.$.body" }
        - { input: "body.$.comments[*].text", families: [xss] }
  - name: api
    match: { path: { prefix: / } }
`,
    });
  });
  after(async () => { await stack?.stop(); });

  it('XSS in the excluded field reaches the upstream (200); in a field that is not excluded it is refused (403)', async () => {
    const ok = await post('/api/issues', { title: 'Crash on save', body: `Steps:\n\n\`\`\`html\n${XSS}\n\`\`\`` });
    assert.equal(ok.status, 200, ok.body);
    assert.equal(JSON.parse(ok.json().body).body.includes(XSS), true, 'the upstream received the field as sent');
    const bad = await post('/api/issues', { title: XSS, body: 'plain' });
    assert.equal(bad.status, 403, bad.body);
    assert.equal(bad.json().error, 'ERR_THREAT');
  });

  it('[*] with a family: every comment text is excluded from xss only; other routes are unaffected', async () => {
    const ok = await post('/api/issues', { title: 't', comments: [{ text: 'first' }, { text: XSS }] });
    assert.equal(ok.status, 200, ok.body);
    const sqli = await post('/api/issues', { title: 't', comments: [{ text: "1' UNION SELECT password FROM users--" }] });
    assert.equal(sqli.status, 403, sqli.body);
    const other = await post('/api/other', { body: XSS });
    assert.equal(other.status, 403, other.body);
  });
});
