import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import { DEFAULT_DETECTOR_OPTIONS, inspectValue } from '../../../src/threat/detectors/index.js';
import { compileExclusions, parseExclusions } from '../../../src/threat/exclude.js';
import { walkInputs, type InputLimits, type InputOptions } from '../../../src/threat/inputs.js';
import { checkRequest, decide, denyBody, runtimeFrom } from '../helpers.js';

const o: InputOptions = { headers: [], maxValueBytes: 4096, maxTotalBytes: 64 * 1024, maxJsonDepth: 8, maxJsonValues: 5, maxParts: 10, inspectPath: false, inspectQuery: false, inspectBody: true };
const CT = 'multipart/form-data; boundary=XyZ';
function walk(body: string, exclude?: Array<{ input: string }>): { seen: Array<[string, string, string[]]>; lim: InputLimits } {
  const c = buildContext(checkRequest({ method: 'POST', body, headers: { 'content-type': CT } }), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
  const det = DEFAULT_DETECTOR_OPTIONS;
  const ex = exclude ? compileExclusions([], parseExclusions(exclude, '/x', o), det) : undefined;
  const seen: Array<[string, string, string[]]> = [];
  const lim = walkInputs(c, o, (w, v, _h, d) => seen.push([w, v, inspectValue(v, d ?? det).map((f) => f.family)]), ex);
  return { seen, lim };
}
const part = (head: string, content: string) => `--XyZ\r\n${head}\r\n\r\n${content}\r\n`;
const END = '--XyZ--\r\n';
const SQLI = 'admin" or 1=1';

/**
 * A multipart part that holds a JSON document — `formData.append('meta', JSON.stringify(obj))` (no type), a
 * Spring @RequestPart typed application/json, an uploaded .json file — is parsed by the application. It was
 * read whole as text, where the document's own quotes mislead the SQL reader: 581 of the 6436 corpus attacks
 * refused as a JSON body's value passed as the value of a JSON part (`admin" or 1=1`, ` ORDER BY 30 `).
 */
describe('a multipart part that is a JSON document', () => {
  const doc = JSON.stringify({ user: SQLI, tags: ['a b', { note: ' ORDER BY 30 ' }] });
  for (const head of ['Content-Disposition: form-data; name="meta"', 'Content-Disposition: form-data; name="meta"\r\nContent-Type: application/json',
    'Content-Disposition: form-data; name="meta"; filename="meta.json"\r\nContent-Type: application/json', 'Content-Disposition: form-data; name="meta"; filename="m.bin"\r\nContent-Type: application/octet-stream']) {
    it(`${head.split('\r\n').join(' | ')}: each string value read, decoded, as multipart.meta`, () => {
      const { seen } = walk(part(head, ` ${doc}`) + END);
      const values = seen.filter(([w]) => w === 'multipart.meta');
      assert.deepEqual(values, [['multipart.meta', SQLI, ['sqli']], ['multipart.meta', 'a b', []], ['multipart.meta', ' ORDER BY 30 ', ['sqli']]]);
    });
  }

  it('refused end to end', async () => {
    const rt = await runtimeFrom('threat: { ban: { ttl_ms: 0 } }\ndefault_action: { action: allow }\nroutes:\n  - name: api\n    match: { path: { prefix: / } }\n');
    const r = await decide(rt, { method: 'POST', path: '/upload', body: part('Content-Disposition: form-data; name="meta"', JSON.stringify({ user: SQLI })) + END, headers: { 'content-type': CT, 'user-agent': 'curl/8.5.0' } });
    assert.equal(denyBody(r).error, 'ERR_THREAT');
  });

  it('escapes decoded; odd keys read as multipart-key.meta; values counted against max_json_values', () => {
    const { seen, lim } = walk(part('Content-Disposition: form-data; name="meta"', '{"x":"\\u003csvg onload=alert(1)\\u003e","a\'b":"cd","l":["ef","gh","ij","kl"]}') + END);
    assert.deepEqual(seen.map(([w, v]) => [w, v]), [['multipart.meta', '<svg onload=alert(1)>'], ['multipart-key.meta', "a'b"], ['multipart.meta', 'cd'], ['multipart.meta', 'ef'], ['multipart.meta', 'gh'], ['multipart.meta', 'ij'], ['multipart.meta', 'kl']]);
    assert.equal(lim.overCount, 2);
  });

  it('a repeated name: the values JSON.parse dropped are read too (other parsers keep the first)', () => {
    const { seen } = walk(part('Content-Disposition: form-data; name="meta"', `{"q":"${SQLI.replace(/"/g, '\\"')}","q":"xy","o":{"k":[" ORDER BY 30 "],"k":"zz"}}`) + END);
    assert.deepEqual(seen.map(([w, v, f]) => [w, v, f.join()]), [['multipart.meta', 'xy', ''], ['multipart.meta', 'zz', ''], ['multipart.meta', SQLI, 'sqli'], ['multipart.meta', ' ORDER BY 30 ', 'sqli']]);
  });

  it('text that is not JSON is read whole as before; an exclusion of the part covers its JSON values', () => {
    assert.deepEqual(walk(part('Content-Disposition: form-data; name="meta"', '{ not json <b>') + END).seen.map(([w, v]) => [w, v]), [['multipart.meta', '{ not json <b>']]);
    const ex = walk(part('Content-Disposition: form-data; name="meta"', JSON.stringify({ user: SQLI })) + part('Content-Disposition: form-data; name="other"', JSON.stringify({ user: SQLI })) + END, [{ input: 'multipart.meta' }]);
    assert.deepEqual(ex.seen.map(([w, , f]) => [w, f.join()]), [['multipart.other', 'sqli']]);
  });
});
