import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import { DEFAULT_DETECTOR_OPTIONS, inspectValue } from '../../../src/threat/detectors/index.js';
import { walkInputs, type InputOptions } from '../../../src/threat/inputs.js';
import { checkRequest, decide, denyBody, runtimeFrom } from '../helpers.js';

const o: InputOptions = { headers: [], maxValueBytes: 4096, maxTotalBytes: 100_000, maxJsonDepth: 8, maxJsonValues: 50, maxParts: 10, inspectPath: false, inspectQuery: true, inspectBody: true };

function read(body: string | Buffer, contentType?: string): Array<[string, string[]]> {
  const ctx = buildContext(checkRequest({ method: 'POST', path: '/api/items', body, headers: contentType ? { 'content-type': contentType } : {} }), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
  const inputs: Array<[string, string[]]> = [];
  walkInputs(ctx, o, (where, value) => inputs.push([where, inspectValue(value, DEFAULT_DETECTOR_OPTIONS).map((f) => f.family)]));
  return inputs;
}

/**
 * A body with no Content-Type (or a type that is neither JSON nor text) was read as JSON only when a `{`
 * or `[` came within its first 16 bytes; JSON.parse and every application parser skip any amount of
 * leading whitespace. Seventeen blanks before the document were enough to have it read as one string of
 * text, where the SQL reader sees the JSON's own quotes around the payload: 585 of the 6436 corpus attacks
 * refused as a JSON value passed that way (`admin" or 1=1`, ` UNION ALL SELECT …`, `" or sleep(5)="`).
 */
describe('a JSON body after any amount of leading whitespace', () => {
  const doc = JSON.stringify({ user: 'admin" or 1=1', note: ' ORDER BY 30 ' });
  for (const type of [undefined, 'application/octet-stream']) {
    for (const blank of [' '.repeat(17), '\n'.repeat(40), ' \t\r\n'.repeat(300)]) {
      it(`${type ?? 'no type'}, ${blank.length} blanks: each string value is read`, () => {
        assert.deepEqual(read(blank + doc, type), [['body.$.user', ['sqli']], ['body.$.note', ['sqli']]]);
      });
    }
  }

  it('refused end to end (no Content-Type)', async () => {
    const rt = await runtimeFrom('threat: { ban: { ttl_ms: 0 } }\ndefault_action: { action: allow }\nroutes:\n  - name: api\n    match: { path: { prefix: / } }\n');
    const r = await decide(rt, { method: 'POST', path: '/login', body: ' '.repeat(64) + JSON.stringify({ user: 'admin" or 1=1' }), headers: { 'user-agent': 'curl/8.5.0' } });
    assert.equal(denyBody(r).error, 'ERR_THREAT');
  });

  it('text that is not JSON after blanks is still read whole', () => {
    assert.deepEqual(read(`${' '.repeat(20)}{ not json <svg onload=confirm(7)>`, 'application/octet-stream'), [['body', ['xss']]]);
    assert.deepEqual(read(`${' '.repeat(20)}<svg onload=confirm(7)>`), [['body', ['xss']]]);
  });
});
