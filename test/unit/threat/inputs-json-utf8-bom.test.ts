import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import { DEFAULT_DETECTOR_OPTIONS, inspectValue } from '../../../src/threat/detectors/index.js';
import { walkInputs, type InputOptions } from '../../../src/threat/inputs.js';
import { jsonText } from '../../../src/threat/json-text.js';
import { checkRequest, decide, denyBody, runtimeFrom } from '../helpers.js';

const o: InputOptions = { headers: [], maxValueBytes: 4096, maxTotalBytes: 100_000, maxJsonDepth: 8, maxJsonValues: 50, maxParts: 10, inspectPath: false, inspectQuery: false, inspectBody: true };
function read(body: Buffer, contentType?: string): Array<[string, string[]]> {
  const ctx = buildContext(checkRequest({ method: 'POST', path: '/api', body, headers: contentType ? { 'content-type': contentType } : {} }), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
  const out: Array<[string, string[]]> = [];
  walkInputs(ctx, o, (where, value) => out.push([where, inspectValue(value, DEFAULT_DETECTOR_OPTIONS).map((f) => f.family)]));
  return out;
}
const bom = (s: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(s)]);

/**
 * A UTF-8 JSON body that opens with a byte order mark: Jackson and Python's json.loads of bytes (Flask,
 * Django) skip it and parse the document (RFC 8259 §8.1 lets a parser ignore it). JSON.parse does not, so
 * the body was "not JSON": read whole as text, where the document's own quotes mislead the SQL reader — 457
 * of the 6436 corpus attacks refused as a JSON value passed behind the three BOM bytes — and refused by
 * validation on a route with a schema.
 */
describe('a UTF-8 JSON body with a byte order mark', () => {
  const doc = JSON.stringify({ user: 'admin" or 1=1', note: ' ORDER BY 30 ' });
  for (const type of ['application/json', undefined, 'application/octet-stream']) {
    it(`${type ?? 'no type'}: read as JSON, value by value`, () => {
      assert.deepEqual(read(bom(doc), type), [['body.$.user', ['sqli']], ['body.$.note', ['sqli']]]);
    });
  }
  it('jsonText drops it as it drops a UTF-16/32 one', () => assert.equal(jsonText(bom(doc)), doc));
  it('validation parses it: a valid body passes the schema, an injection in it is refused by inspection', async () => {
    const rt = await runtimeFrom('threat: { ban: { ttl_ms: 0 } }\ndefault_action: { action: allow }\nroutes:\n  - name: api\n    match: { path: { prefix: / } }\n    threat: { validation: { schemas: { POST: { type: object, required: [user] } } } }\n');
    const post = (b: Buffer) => decide(rt, { method: 'POST', path: '/login', body: b, headers: { 'content-type': 'application/json', 'user-agent': 'curl/8.5.0' } });
    assert.ok((await post(bom('{"user":"alice"}'))).ok_response);
    assert.equal(denyBody(await post(bom('{"name":"alice"}'))).error, 'ERR_VALIDATION');
    assert.equal(denyBody(await post(bom(doc))).error, 'ERR_THREAT');
  });
});
