import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import { walkInputs, type InputOptions } from '../../../src/threat/inputs.js';
import { compileSchema, JSON_BODY_FACT, SchemaCompiler, validateRequest } from '../../../src/threat/validation.js';
import { checkRequest, decide, denyBody, runtimeFrom, upstreamHeaders } from '../helpers.js';
import { utf16be, utf32 } from './unicode-encodings.js';

const encodings: Array<[string, (s: string) => Buffer]> = [
  ['UTF-16LE', (s) => Buffer.from(s, 'utf16le')],
  ['UTF-16LE with BOM', (s) => Buffer.from(`\ufeff${s}`, 'utf16le')],
  ['UTF-16BE', utf16be],
  ['UTF-32LE', (s) => utf32(s, true)],
  ['UTF-32BE with BOM', (s) => utf32(`\ufeff${s}`, false)],
];

const schema = { type: 'object', required: ['qty'], properties: { qty: { type: 'integer', minimum: 1 }, note: { type: 'string' } } };
const yaml = (mode = 'enforce') => `threat: { mode: ${mode}, ban: { ttl_ms: 0 }, upstream_header: true }\ndefault_action: { action: allow }\nroutes:\n  - name: api\n    match: { path: { prefix: / } }\n    threat: { validation: { schemas: { POST: ${JSON.stringify(schema)} } } }\n`;
const post = (body: Buffer, contentType = 'application/json') => ({ method: 'POST', path: '/orders', body, headers: { 'content-type': contentType, 'user-agent': 'curl/8.5.0' } });

/**
 * Inspection reads a JSON body in UTF-16 or UTF-32 as Jackson and Python's json.loads do (json-text.ts), but
 * validation decoded every body as UTF-8: a valid UTF-16 body on a route with a JSON Schema was refused as
 * "body is not valid JSON" (400), and the two stages did not read the same document.
 */
describe('validation reads a UTF-16/UTF-32 JSON body as inspection does', () => {
  for (const [name, enc] of encodings) {
    it(`${name}: a valid body passes the schema, an invalid one is refused for what it says`, async () => {
      const rt = await runtimeFrom(yaml());
      const ok = await decide(rt, post(enc(JSON.stringify({ qty: 2, note: 'café ☕ 𝄞' }))));
      assert.ok(ok.ok_response, JSON.stringify(ok.denied_response?.body));
      const bad = await decide(rt, post(enc(JSON.stringify({ qty: 0 }))));
      const b = denyBody(bad);
      assert.equal(b.error, 'ERR_VALIDATION');
      assert.deepEqual(b.violations.map((v: { where: string }) => v.where), ['body.qty']);
    });

    it(`${name}: the document validation parsed is the one inspected (an injection in it is refused)`, async () => {
      const rt = await runtimeFrom(yaml());
      const r = await decide(rt, post(enc(JSON.stringify({ qty: 1, note: "1' union select password from staff-- " }))));
      assert.equal(denyBody(r).error, 'ERR_THREAT');
    });
  }

  it('a repeated member name in a UTF-16 body is refused by validation, and in detect mode every value is still read', async () => {
    const body = Buffer.from(`{"qty":1,"note":"1' union select password from staff-- ","note":"x"}`, 'utf16le');
    const enforce = await decide(await runtimeFrom(yaml()), post(body));
    assert.equal(denyBody(enforce).error, 'ERR_VALIDATION');
    assert.match(denyBody(enforce).violations[0].message, /repeats/);
    // detect mode: validation's refusal is a finding only; the dropped first value must still be inspected
    const detect = await decide(await runtimeFrom(yaml('detect')), post(body));
    assert.ok(detect.ok_response);
    assert.match(upstreamHeaders(detect)['x-portcullis-risk-findings'] ?? '', /sqli@body\.\$\.note/);
  });

  it('the parsed document left for inspection is the decoded one', () => {
    const v = { contentTypes: [], schemas: new Map([['POST', compileSchema({ type: 'object' }, '/x', new SchemaCompiler())]]), maxViolations: 20 };
    const ctx = buildContext(checkRequest(post(Buffer.from('{"q":"ünïcödé"}', 'utf16le'))), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
    assert.deepEqual(validateRequest(ctx, v), []);
    assert.deepEqual(ctx.facts[JSON_BODY_FACT], { q: 'ünïcödé' });
    const o: InputOptions = { headers: [], maxValueBytes: 4096, maxTotalBytes: 100_000, maxJsonDepth: 8, maxJsonValues: 50, maxParts: 10, inspectPath: false, inspectQuery: false, inspectBody: true };
    const seen: string[] = [];
    walkInputs(ctx, o, (where, value) => seen.push(`${where}=${value}`));
    assert.deepEqual(seen, ['body.$.q=ünïcödé']);
  });
});
