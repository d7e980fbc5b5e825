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

  it('benign values with quotes, NBSP and comments pass (200)', async () => {
    for (const [what, r] of [
      ['quoted prose', await json("it's 'ls' they said, O'Brien's \"best\" offer")],
      ['NBSP in a query', await query('price%C2%A0100%20EUR')],
      ['a comment in prose', await form('order%20%2F*%20see%20the%20note%20*%2Fby%20Friday')],
    ] as const) assert.equal(r.status, 200, `${what}: ${r.body}`);
  });
});
