import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import { walkInputs, type InputOptions } from '../../../src/threat/inputs.js';
import { actionFor, riskScore } from '../../../src/threat/scoring.js';
import { checkRequest, type ReqSpec } from '../helpers.js';

const ctx = (r: ReqSpec) => buildContext(checkRequest(r), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
const o: InputOptions = { headers: ['user-agent', 'referer', 'cookie'], maxValueBytes: 64, maxTotalBytes: 10_000, maxJsonDepth: 4, maxJsonValues: 50, maxParts: 10, inspectPath: true, inspectQuery: true, inspectBody: true };
function collect(r: ReqSpec, opts = o): [Array<[string, string]>, ReturnType<typeof walkInputs>] {
  const seen: Array<[string, string]> = [];
  const lim = walkInputs(ctx(r), opts, (w, v) => seen.push([w, v]));
  return [seen, lim];
}

describe('inputs', () => {
  it('path, query values, selected headers and each cookie', () => {
    const [seen] = collect({ path: "/a/it's%20me?q=x%20y&id=42", headers: { 'user-agent': 'ua/1', referer: 'https://r.example/', cookie: 'a=1x; b=hello%20there', 'x-other': 'not inspected' } });
    const m = new Map(seen);
    assert.equal(m.get('query.q'), 'x y');
    assert.equal(m.get('query.id'), '42');
    assert.equal(m.get('header.user-agent'), 'ua/1');
    assert.equal(m.get('cookie.b'), 'hello there');
    assert.equal(m.get('path[2]'), "it's me");
    assert.ok(!seen.some(([w]) => w === 'header.x-other'));
  });

  it('form fields, JSON string values (with paths; below max depth under the path of the cut) and multipart text parts', () => {
    const [form] = collect({ method: 'POST', body: 'name=O%27Brien&c=a+b', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.deepEqual(form.filter(([w]) => w.startsWith('form.')), [['form.name', "O'Brien"], ['form.c', 'a b']]);
    const [json, lim] = collect({ method: 'POST', body: JSON.stringify({ a: 'one', b: [{ c: 'two' }, 3], d: { e: { f: { g: { h: 'too deep' } } } } }), headers: { 'content-type': 'application/json' } });
    assert.deepEqual(json.filter(([w]) => w.startsWith('body.')), [['body.$.a', 'one'], ['body.$.b[0].c', 'two'], ['body.$.d.e.f.g..*', 'too deep']]);
    assert.equal(lim.depthExceeded, true);
    const boundary = 'XyZ';
    const mp = [`--${boundary}`, 'Content-Disposition: form-data; name="comment"', '', 'hello <b>', `--${boundary}`,
      'Content-Disposition: form-data; name="file"; filename="a.png"', 'Content-Type: image/png', '', '\x89PNG\r\n\x1a\n\0\0\0\rIHDR', `--${boundary}--`, ''].join('\r\n');
    const [parts] = collect({ method: 'POST', body: mp, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
    assert.deepEqual(parts.filter(([w]) => w.startsWith('multipart.')), [['multipart.comment', 'hello <b>'], ['multipart.file.filename', 'a.png']]);
  });

  it('a body that claims JSON but is not is inspected as text', () => {
    const [seen, lim] = collect({ method: 'POST', body: "{'broken': <script>", headers: { 'content-type': 'application/json' } });
    assert.equal(lim.unparsedBody, 'json');
    assert.deepEqual(seen.filter(([w]) => w === 'body'), [['body', "{'broken': <script>"]]);
  });

  it('bounds value size and the total', () => {
    const [seen, lim] = collect({ path: `/x?a=${'z'.repeat(100)}` });
    assert.equal(seen.find(([w]) => w === 'query.a')![1].length, 64);
    assert.equal(lim.truncatedValues, 1);
    const [, lim2] = collect({ path: `/x?a=${'z'.repeat(50)}&b=${'y'.repeat(50)}` }, { ...o, maxTotalBytes: 60 });
    assert.equal(lim2.budgetExhausted, true);
  });
});

describe('risk score', () => {
  const w = { sqli: 1, bot: 0.5 };
  it('is the noisy-OR of the strongest weighted finding per family', () => {
    assert.equal(riskScore([], w), 0);
    assert.equal(riskScore([{ family: 'sqli', where: 'q', confidence: 0.9 }], w), 0.9);
    // many weak findings in one family do not add up
    assert.equal(riskScore([0.3, 0.3, 0.3].map((c) => ({ family: 'sqli', where: 'q', confidence: c })), w), 0.3);
    // different families do: 1 - (1-0.6)(1-0.5*0.8)
    assert.equal(riskScore([{ family: 'sqli', where: 'q', confidence: 0.6 }, { family: 'bot', where: 'ua', confidence: 0.8 }], w), 0.76);
  });

  it('maps score to an action with the thresholds', () => {
    const t = { block: 0.8, throttle: 0.5 };
    assert.equal(actionFor(0.8, t), 'block');
    assert.equal(actionFor(0.79, t), 'throttle');
    assert.equal(actionFor(0.2, t), 'log');
    assert.equal(actionFor(0, t), 'none');
  });
});
