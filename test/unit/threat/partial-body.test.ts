import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigLoadError } from '../../../src/config/errors.js';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import { oversizeFinding, walkInputs, type InputOptions } from '../../../src/threat/inputs.js';
import type { ThreatModule } from '../../../src/threat/module.js';
import { registry } from '../../../src/telemetry/metrics.js';
import { checkRequest, decide, denyBody, runtimeFrom, upstreamHeaders, type ReqSpec } from '../helpers.js';

/**
 * A body Envoy sent only in part (ext_authz with_request_body.max_request_bytes with allow_partial_message):
 * the rest, which the upstream reads, was never inspected — the same as a request past the inspection budget.
 */
const ctx = (r: ReqSpec) => buildContext(checkRequest(r), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
const o: InputOptions = { headers: [], maxValueBytes: 64 * 1024, maxTotalBytes: 512 * 1024, maxJsonDepth: 32, maxJsonValues: 5000, maxParts: 100, inspectPath: true, inspectQuery: true, inspectBody: true };
const KIB64 = 64 * 1024;
/** The first 64 KiB of a body of `declared` bytes, as Envoy sends it (Content-Length stays the whole body's). */
const partial = (type: string, head: string, declared = KIB64 + 40): ReqSpec => ({
  method: 'POST', path: '/upload', body: head.slice(0, KIB64), headers: { 'content-type': type, 'content-length': String(declared) },
});
const PAD = 'x'.repeat(KIB64);

describe('a body Envoy sent only in part', () => {
  it('text, JSON, form and multipart bodies: the certain oversize finding, where body, no body bytes', () => {
    for (const [type, head] of [
      ['text/plain', PAD],
      ['application/json', `{"pad":"${PAD}`],
      ['application/x-www-form-urlencoded', `pad=${PAD}`],
      ['multipart/form-data; boundary=B', `--B\r\nContent-Disposition: form-data; name="pad"\r\n\r\n${PAD}`],
    ] as const) {
      const lim = walkInputs(ctx(partial(type, head)), o, () => {});
      const f = oversizeFinding(lim);
      assert.deepEqual(f, { family: 'oversize', where: 'body', confidence: 1, detail: "body not received in full (Envoy's max_request_bytes): the rest was not inspected" }, type);
    }
  });

  it('text of any type that the cut split inside a UTF-8 character is still read as text', () => {
    const head = Buffer.concat([Buffer.from("1' OR 1=1-- "), Buffer.from('é'.repeat(KIB64))]).subarray(0, KIB64 - 1);
    const seen: string[] = [];
    const lim = walkInputs(ctx({ method: 'POST', body: head, headers: { 'content-type': 'application/octet-stream', 'content-length': String(KIB64 * 2) } }), o, (w, v) => seen.push(w));
    assert.ok(seen.includes('body'));
    assert.equal(oversizeFinding(lim)?.confidence, 1);
  });

  it('x-envoy-auth-partial-body: true marks it too', () => {
    const lim = walkInputs(ctx({ method: 'POST', body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-envoy-auth-partial-body': 'true' } }), o, () => {});
    assert.equal(oversizeFinding(lim)?.confidence, 1);
  });

  it('`partial_body: inspect`: what arrived is read and the finding is a record (0.4)', () => {
    const lim = walkInputs(ctx(partial('text/plain', PAD)), o, () => {});
    const f = oversizeFinding(lim, 'inspect');
    assert.equal(f?.confidence, 0.4);
    assert.equal(f?.where, 'body');
    assert.match(f?.detail ?? '', /body not received in full \(Envoy's max_request_bytes\)/);
  });

  it('a body received in full, and a binary body the inspector skips anyway: no finding', () => {
    assert.equal(oversizeFinding(walkInputs(ctx({ method: 'POST', body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '3' } }), o, () => {})), undefined);
    const png = Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n\0\0\0\rIHDR', 'latin1'), Buffer.alloc(KIB64, 0)]);
    const lim = walkInputs(ctx({ method: 'POST', body: png, headers: { 'content-type': 'image/png', 'content-length': String(png.length * 2) } }), o, () => {});
    assert.equal(oversizeFinding(lim), undefined);
  });
});

describe('a partial body through the Check path', () => {
  const UA = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', accept: '*/*', 'accept-language': 'en' };
  const rt = async (routeThreat = '') => {
    const r = await runtimeFrom(`default_action: { action: allow }\nthreat:\n  upstream_header: true\n  ban: { ttl_ms: 0 }\n  events: { log: false }\nroutes:\n  - name: api\n    match: { path: { prefix: / } }\n${routeThreat}`);
    await r.modules.get('threat')!.start?.();
    return r;
  };
  const req = partial('application/json', `{"pad":"${PAD}`);
  const failOpen = async () => Number((await registry.getSingleMetric('portcullis_fail_open_total')!.get()).values.find((v) => v.labels.stage === 'threat_partial_body' && v.labels.route === 'api')?.value ?? 0);

  it('is refused with 403 ERR_THREAT by default', async () => {
    const r = await rt();
    const resp = await decide(r, { ...req, headers: { ...UA, ...req.headers } });
    assert.equal(resp.denied_response?.status.code, 403);
    assert.equal(denyBody(resp).error, 'ERR_THREAT');
    await (r.modules.get('threat') as ThreatModule).close();
  });

  it('`partial_body: inspect` lets it through, recorded (0.4) and counted as a fail-open', async () => {
    const r = await rt('    threat: { partial_body: inspect }\n');
    const before = await failOpen();
    const resp = await decide(r, { ...req, headers: { ...UA, ...req.headers } });
    assert.ok(resp.ok_response, JSON.stringify(resp.denied_response));
    assert.match(upstreamHeaders(resp)['x-portcullis-risk-findings'] ?? '', /oversize@body/);
    assert.equal(await failOpen(), before + 1);
    // a body received in full is not counted
    await decide(r, { method: 'POST', path: '/x', body: '{"a":"b"}', headers: { ...UA, 'content-type': 'application/json' } });
    assert.equal(await failOpen(), before + 1);
    await (r.modules.get('threat') as ThreatModule).close();
  });

  it('a bad value is a config error naming the path', async () => {
    await assert.rejects(rt('    threat: { partial_body: allow }\n'), (e) => e instanceof ConfigLoadError && /\/routes\/0\/threat\/partial_body/.test(e.message));
  });
});
