import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import { DEFAULT_DETECTOR_OPTIONS, inspectValue } from '../../../src/threat/detectors/index.js';
import { walkInputs, type InputLimits, type InputOptions } from '../../../src/threat/inputs.js';
import { checkRequest, decide, denyBody, runtimeFrom } from '../helpers.js';

const o: InputOptions = { headers: [], maxValueBytes: 4096, maxTotalBytes: 100_000, maxJsonDepth: 8, maxJsonValues: 50, maxParts: 10, inspectPath: false, inspectQuery: false, inspectBody: true };
function read(body: string, contentType?: string): { inputs: Array<[string, string, string[]]>; lim: InputLimits } {
  const ctx = buildContext(checkRequest({ method: 'POST', path: '/api', body, headers: contentType ? { 'content-type': contentType } : {} }), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
  const inputs: Array<[string, string, string[]]> = [];
  const lim = walkInputs(ctx, o, (where, value) => inputs.push([where, value, inspectValue(value, DEFAULT_DETECTOR_OPTIONS).map((f) => f.family)]));
  return { inputs, lim };
}

/**
 * A body that is one JSON string ("…", RFC 8259 allows any value as the document): Go's json.Decoder,
 * Flask's get_json(force=True) and a route schema of `type: string` take it as the string it spells. With
 * no Content-Type, or one that is neither JSON nor text, it was read as text, quotes and escapes included:
 * 177 of the 6436 corpus attacks refused as a JSON object's value passed as a bare JSON string
 * (`"1 or pg_sleep(5)--"`, `"SLEEP(5)--"`), and validation passed a document inspection read as other text.
 */
describe('a body that is one JSON string', () => {
  for (const type of [undefined, 'application/octet-stream']) {
    it(`${type ?? 'no type'}: its value is read, decoded, as body.$`, () => {
      for (const p of ['1 or pg_sleep(5)--', 'SLEEP(5)--', "1' or '1'='1"]) {
        assert.deepEqual(read(`  ${JSON.stringify(p)}\n`, type).inputs, [['body.$', p, ['sqli']]], p);
      }
      assert.deepEqual(read('"\\u003csvg onload=alert(1)\\u003e"', type).inputs, [['body.$', '<svg onload=alert(1)>', ['xss']]]);
    });
  }
  it('text that opens with a quote and is not one JSON string is read whole as text, not recorded', () => {
    const { inputs, lim } = read('"Hello," she said. <script>alert(1)</script>');
    assert.deepEqual(inputs.map(([w, , f]) => [w, f.join()]), [['body', 'xss']]);
    assert.equal(lim.unparsedBody, undefined);
  });
  it('on a route whose schema takes a string, the string validated is the one inspected', async () => {
    const rt = await runtimeFrom('threat: { ban: { ttl_ms: 0 } }\ndefault_action: { action: allow }\nroutes:\n  - name: api\n    match: { path: { prefix: / } }\n    threat: { validation: { schemas: { POST: { type: string } } } }\n');
    const r = await decide(rt, { method: 'POST', path: '/search', body: JSON.stringify('1 or pg_sleep(5)--'), headers: { 'user-agent': 'curl/8.5.0' } });
    assert.equal(denyBody(r).error, 'ERR_THREAT');
  });
});
