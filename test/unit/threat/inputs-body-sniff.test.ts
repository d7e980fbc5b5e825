import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import { textLike } from '../../../src/threat/body-sniff.js';
import { walkInputs, type InputOptions } from '../../../src/threat/inputs.js';
import type { ThreatModule } from '../../../src/threat/module.js';
import { checkRequest, decide, denyBody, runtimeFrom, type ReqSpec } from '../helpers.js';

const o: InputOptions = { headers: [], maxValueBytes: 4096, maxTotalBytes: 100_000, maxJsonDepth: 8, maxJsonValues: 100, maxParts: 10, inspectPath: false, inspectQuery: false, inspectBody: true };
function seen(type: string, body: string | Buffer): { seen: Array<[string, string]>; lim: ReturnType<typeof walkInputs> } {
  const out: Array<[string, string]> = [];
  const ctx = buildContext(checkRequest({ method: 'POST', path: '/x', headers: { 'content-type': type }, body }), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
  const lim = walkInputs(ctx, o, (w, v) => out.push([w, v]));
  return { seen: out, lim };
}
const SQLI = "1' UNION SELECT password FROM users--";

describe('a body under a type Portcullis does not parse (octet-stream, vendor types)', () => {
  it('is read as JSON, value by value, when it is JSON', () => {
    for (const type of ['application/octet-stream', 'application/x-custom', 'application/vnd.acme.order.v2']) {
      const r = seen(type, JSON.stringify({ order: { note: SQLI } }));
      assert.deepEqual(r.seen, [['body.$.order.note', SQLI]], type);
      assert.equal(r.lim.unparsedBody, undefined, 'not declared JSON: nothing recorded as unparsed');
    }
  });

  it('is read as its text when it is other text (a form, prose, a JSON-looking fragment that does not parse)', () => {
    assert.deepEqual(seen('application/octet-stream', `q=${SQLI}`).seen, [['body', `q=${SQLI}`]]);
    assert.deepEqual(seen('application/x-custom', `{ note: ${SQLI}`).seen, [['body', `{ note: ${SQLI}`]]);
  });

  it('is not read when it is binary: NULs, control bytes, or not UTF-8', () => {
    assert.deepEqual(seen('application/octet-stream', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x27])).seen, []);
    assert.deepEqual(seen('application/x-protobuf', Buffer.concat([Buffer.from([0x0a, 0x05]), Buffer.from(SQLI)])).seen, []);
    assert.deepEqual(seen('image/png', Buffer.concat([Buffer.from([0x08, 0x01]), Buffer.from(SQLI)])).seen, []);
    assert.deepEqual(seen('application/octet-stream', Buffer.from([0x27, 0xff, 0xfe, 0x27])).seen, []);
  });

  it('textLike: text is UTF-8 with tabs, newlines and form feeds only', () => {
    assert.equal(textLike(Buffer.from('héllo\tthere\r\n\f ✓')), true);
    assert.equal(textLike(Buffer.from('a\u0000b')), false);
    assert.equal(textLike(Buffer.from('a\u001bb')), false);
    assert.equal(textLike(Buffer.from([0x61, 0xc3])), false);
  });
});

describe('through the threat stage', () => {
  it('SQL injection in a JSON body sent as application/octet-stream is refused; an image is not inspected', async () => {
    const rt = await runtimeFrom('default_action: { action: allow }\nthreat: { events: { log: false }, ban: { ttl_ms: 0 } }\nroutes:\n  - name: api\n    match: { path: { prefix: / } }\n    threat: {}\n');
    await rt.modules.get('threat')!.start?.();
    try {
      const ua = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', accept: '*/*', 'accept-language': 'en', 'accept-encoding': 'gzip' };
      const send = (spec: ReqSpec, n: number) => decide(rt, { ...spec, source: `198.51.100.${n}` });
      const attack = await send({ method: 'POST', path: '/orders', headers: { ...ua, 'content-type': 'application/octet-stream' }, body: JSON.stringify({ note: SQLI }) }, 1);
      assert.equal(attack.denied_response?.status?.code, 403, JSON.stringify(attack.ok_response ?? ''));
      assert.equal(denyBody(attack).error, 'ERR_THREAT');
      const image = await send({ method: 'POST', path: '/avatar', headers: { ...ua, 'content-type': 'image/png' }, body: Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00]), Buffer.from(SQLI)]) }, 2);
      assert.ok(image.ok_response, JSON.stringify(image.denied_response && denyBody(image)));
    } finally {
      await (rt.modules.get('threat') as ThreatModule).close();
    }
  });
});
