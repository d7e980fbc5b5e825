import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Runtime } from '../../../src/pipeline/runtime.js';
import type { ThreatModule } from '../../../src/threat/module.js';
import { decide, denyBody, runtimeFrom, type ReqSpec } from '../helpers.js';

const UA = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', accept: '*/*', 'accept-language': 'en', 'accept-encoding': 'gzip' };
const SQLI = "1' OR '1'='1";
const enc = encodeURIComponent;
let ip = 0;

async function withRuntime(threat: string, fn: (send: (r: ReqSpec) => Promise<any>) => Promise<void>): Promise<void> {
  const rt: Runtime = await runtimeFrom(`default_action: { action: allow }\nthreat: { ban: { ttl_ms: 0 }, events: { log: false }${threat} }\nroutes:\n  - name: api\n    match: { path: { prefix: / } }\n`);
  await rt.modules.get('threat')!.start?.();
  try { await fn((r) => decide(rt, { ...r, headers: { ...UA, ...r.headers }, source: `198.51.100.${++ip % 250}` })); }
  finally { await (rt.modules.get('threat') as ThreatModule).close(); }
}
const outcome = (resp: any) => (resp.ok_response ? 'allowed' : denyBody(resp).error);
const mp = (parts: Array<[string, string, string?]>, nl = '\r\n') =>
  parts.map(([n, v, type]) => `--B${nl}Content-Disposition: form-data; name="${n}"${nl}${type ? `Content-Type: ${type}${nl}` : ''}${nl}${v}${nl}`).join('') + `--B--${nl}`;
const MULTIPART = { 'content-type': 'multipart/form-data; boundary=B' };
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('an attack cannot be padded past an inspection limit', () => {
  it('is refused after 1000 query parameters, 64 cookies, 2000 form fields, 100 parts, 5000 JSON values, 64 KiB of a value', async () => {
    await withRuntime('', async (send) => {
      const cases: Array<[string, ReqSpec]> = [
        ['query', { path: `/s?${Array.from({ length: 1000 }, (_, i) => `p${i}=x`).join('&')}&q=${enc(SQLI)}` }],
        ['cookie', { path: '/s', headers: { cookie: `${Array.from({ length: 64 }, (_, i) => `c${i}=x`).join('; ')}; x=<script>alert(1)</script>` } }],
        ['form', { method: 'PUT', path: '/f', body: `${Array.from({ length: 2000 }, (_, i) => `f${i}=x`).join('&')}&q=${enc(SQLI)}`, headers: FORM }],
        ['multipart', { method: 'PUT', path: '/m', body: mp([...Array.from({ length: 100 }, (_, i): [string, string] => [`p${i}`, 'x']), ['q', SQLI]]), headers: MULTIPART }],
        ['json', { method: 'PUT', path: '/j', body: JSON.stringify({ items: [...Array.from({ length: 5000 }, () => 'x'), SQLI] }), headers: { 'content-type': 'application/json' } }],
        ['long value', { method: 'PUT', path: '/t', body: `${'a '.repeat(40_000)}; ${SQLI}`, headers: { 'content-type': 'text/plain' } }],
      ];
      for (const [label, req] of cases) assert.equal(outcome(await send(req)), 'ERR_THREAT', label);
    });
  });

  it('is refused in a multipart field of any declared type and with LF-only line endings', async () => {
    await withRuntime('', async (send) => {
      for (const type of ['application/octet-stream', 'application/x-www-form-urlencoded']) {
        assert.equal(outcome(await send({ method: 'PUT', path: '/m', body: mp([['q', SQLI, type]]), headers: MULTIPART })), 'ERR_THREAT', type);
      }
      assert.equal(outcome(await send({ method: 'PUT', path: '/m', body: mp([['a', 'x'], ['q', SQLI]], '\n'), headers: MULTIPART })), 'ERR_THREAT', 'LF');
    });
  });

  it('past the total budget: certain oversize, refused by default (fail closed); a lower oversize weight throttles', async () => {
    const padded: ReqSpec = { method: 'PUT', path: '/f', body: `${Array.from({ length: 600 }, (_, i) => `f${i}=xxxxxxxx`).join('&')}&q=${enc(SQLI)}`, headers: FORM };
    await withRuntime(', inspect: { max_total_bytes: 4096 }', async (send) => {
      assert.equal(outcome(await send(padded)), 'ERR_THREAT');
    });
    await withRuntime(', inspect: { max_total_bytes: 4096 }, scoring: { weights: { oversize: 0.6 } }, mode: detect, upstream_header: true', async (send) => {
      const resp = await send(padded);
      const h = Object.fromEntries(resp.ok_response.headers.map((x: any) => [x.header.key, x.header.value]));
      assert.equal(h['x-portcullis-risk-score'], '0.6');
      assert.match(h['x-portcullis-risk-findings'], /oversize@request/);
    });
  });

  it('ordinary large requests are not refused', async () => {
    await withRuntime('', async (send) => {
      const doc = { items: Array.from({ length: 500 }, (_, i) => ({ sku: `SKU-${i}`, note: `Item number ${i}, blue` })) };
      assert.equal(outcome(await send({ method: 'POST', path: '/j', body: JSON.stringify(doc), headers: { 'content-type': 'application/json' } })), 'allowed');
      const form = Array.from({ length: 100 }, (_, i) => `field${i}=${enc(`value ${i}`)}`).join('&');
      assert.equal(outcome(await send({ method: 'POST', path: '/f', body: form, headers: FORM })), 'allowed');
      const parts = mp(Array.from({ length: 20 }, (_, i): [string, string] => [`f${i}`, `text ${i}`]));
      assert.equal(outcome(await send({ method: 'POST', path: '/m', body: parts, headers: MULTIPART })), 'allowed');
      const text = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(3000);
      assert.equal(outcome(await send({ method: 'POST', path: '/t', body: text, headers: { 'content-type': 'text/plain' } })), 'allowed');
    });
  });
});
