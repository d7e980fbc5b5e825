import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import { DEFAULT_DETECTOR_OPTIONS, inspectValue } from '../../../src/threat/detectors/index.js';
import { walkInputs, type InputOptions } from '../../../src/threat/inputs.js';
import { checkRequest } from '../helpers.js';

const o: InputOptions = { headers: [], maxValueBytes: 4096, maxTotalBytes: 100_000, maxJsonDepth: 8, maxJsonValues: 50, maxParts: 10, inspectPath: false, inspectQuery: true, inspectBody: true };

function read(body: string | Buffer, contentType: string): { inputs: Array<[string, string[]]>; unparsed: string | undefined } {
  const ctx = buildContext(checkRequest({ method: 'POST', path: '/api/items', body, headers: { 'content-type': contentType } }), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
  const inputs: Array<[string, string[]]> = [];
  const lim = walkInputs(ctx, o, (where, value) => inputs.push([where, inspectValue(value, DEFAULT_DETECTOR_OPTIONS).map((f) => f.family)]));
  return { inputs, unparsed: lim.unparsedBody };
}

/**
 * Go's json.NewDecoder(r.Body), express.json({ type: '*' + '/*' }) and Flask's get_json(force=True) parse
 * a JSON body whatever Content-Type the client sent. A JSON body labelled application/octet-stream (or
 * image/png, or application/x-json) was not read at all: relabelling the request was enough to carry
 * `' union select …` or `<svg onload=…>` past every detector.
 */
describe('a JSON body under a media type that is not JSON or text', () => {
  const doc = JSON.stringify({ name: 'alice', comment: "1' union select pwd from staff-- ", bio: '<svg onload=confirm(7)>' });
  for (const type of ['application/octet-stream', 'application/x-json', 'image/png', 'application/vnd.custom', 'application/x-protobuf']) {
    it(`${type}: each string value is read`, () => {
      assert.deepEqual(read(doc, type).inputs, [['body.$.name', []], ['body.$.comment', ['sqli']], ['body.$.bio', ['xss']]]);
    });
  }
  it('repeated names are read too', () => {
    const dup = '{"q":"1\' union select pwd from staff-- ","q":"xy"}';
    assert.deepEqual(read(dup, 'application/octet-stream').inputs.map(([w, f]) => [w, f.join()]), [['body.$.q', ''], ['body.$.q', 'sqli']]);
  });
  it('a body of that type that is not JSON is read whole when it is text, not at all when binary; never recorded as unparsed', () => {
    assert.deepEqual(read(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x27, 0x3c]), 'application/octet-stream'), { inputs: [], unparsed: undefined });
    assert.deepEqual(read('{ not json <svg onload=confirm(7)>', 'application/octet-stream'), { inputs: [['body', ['xss']]], unparsed: undefined });
    assert.deepEqual(read("[1' union select pwd from staff", 'application/octet-stream'), { inputs: [['body', ['sqli']]], unparsed: undefined });
  });
});
