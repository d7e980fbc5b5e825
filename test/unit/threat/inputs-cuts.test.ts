import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import { walkInputs, type InputOptions } from '../../../src/threat/inputs.js';
import { checkRequest, type ReqSpec } from '../helpers.js';

const ctx = (r: ReqSpec) => buildContext(checkRequest(r), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
const o: InputOptions = { headers: ['cookie'], maxValueBytes: 64 * 1024, maxTotalBytes: 512 * 1024, maxJsonDepth: 32, maxJsonValues: 5000, maxParts: 100, inspectPath: true, inspectQuery: true, inspectBody: true };
function collect(r: ReqSpec, opts = o) {
  const seen: Array<[string, string]> = [];
  const lim = walkInputs(ctx(r), opts, (w, v) => seen.push([w, v]));
  return { seen, lim, has: (where: string, value: string) => seen.some(([w, v]) => w === where && v.includes(value)) };
}
const SQLI = "1' OR '1'='1";
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('inputs past a count limit are inspected and counted', () => {
  it('query parameters after the 1000th', () => {
    const pad = Array.from({ length: 1000 }, (_, i) => `p${i}=x`).join('&');
    const r = collect({ path: `/s?${pad}&q=${encodeURIComponent(SQLI)}` });
    assert.ok(r.has('query.q', SQLI));
    assert.equal(r.lim.overCount, 1);
  });

  it('cookies after the 64th, a repeated name and a value without a name', () => {
    const pad = Array.from({ length: 64 }, (_, i) => `c${i}=x`).join('; ');
    const r = collect({ headers: { cookie: `${pad}; x=<script>alert(1)</script>` } });
    assert.ok(r.has('cookie.x', '<script>'));
    assert.equal(r.lim.overCount, 1);
    const twice = collect({ headers: { cookie: 'sid=abc; sid=<script>alert(1)</script>; javascript:alert(1)' } });
    assert.ok(twice.has('cookie.sid', '<script>'));
    assert.ok(twice.has('cookie', 'javascript:alert(1)'));
    assert.equal(twice.lim.overCount, 0);
  });

  it('form fields after the 2000th', () => {
    const pad = Array.from({ length: 2000 }, (_, i) => `f${i}=x`).join('&');
    const r = collect({ method: 'POST', body: `${pad}&q=${encodeURIComponent(SQLI)}`, headers: FORM });
    assert.ok(r.has('form.q', SQLI));
    assert.equal(r.lim.overCount, 1);
  });

  it('multipart parts after maxParts', () => {
    const part = (n: string, v: string) => `--B\r\nContent-Disposition: form-data; name="${n}"\r\n\r\n${v}\r\n`;
    const body = Array.from({ length: 100 }, (_, i) => part(`p${i}`, 'x')).join('') + part('q', SQLI) + '--B--\r\n';
    const r = collect({ method: 'POST', body, headers: { 'content-type': 'multipart/form-data; boundary=B' } });
    assert.ok(r.has('multipart.q', SQLI));
    assert.equal(r.lim.overCount, 1);
  });

  it('JSON values after maxJsonValues, and below maxJsonDepth (without recursion)', () => {
    const r = collect({ method: 'POST', body: JSON.stringify([...Array.from({ length: 5000 }, () => 'x'), SQLI]), headers: { 'content-type': 'application/json' } });
    assert.ok(r.has('body.$[5000]', SQLI));
    assert.equal(r.lim.overCount, 1);
    const deep = `${'['.repeat(100_000)}"${SQLI}"${']'.repeat(100_000)}`;
    const d = collect({ method: 'POST', body: deep, headers: { 'content-type': 'application/json' } });
    assert.equal(d.lim.depthExceeded, true);
    assert.ok(d.seen.some(([w, v]) => w.endsWith('..*') && v === SQLI));
  });
});

describe('long values and the budget', () => {
  it('the rest of a value past maxValueBytes is read in overlapping windows', () => {
    const value = `${'a'.repeat(64 * 1024 - 5)}${SQLI}${'b'.repeat(200 * 1024)}`;
    const r = collect({ method: 'POST', body: value, headers: { 'content-type': 'text/plain' } });
    const windows = r.seen.filter(([w]) => w === 'body');
    assert.ok(windows.length >= 4 && windows.every(([, v]) => v.length <= 64 * 1024));
    assert.ok(windows.some(([, v]) => v.includes(SQLI)), 'the payload across the first cut is read whole');
    assert.ok(windows.at(-1)![1].endsWith('b'), 'to the end');
    assert.equal(r.lim.truncatedValues, 1);
    assert.equal(r.lim.budgetExhausted, false);
  });

  it('short values cost at least a few bytes each, and an exhausted budget stops the walk', () => {
    const r = collect({ path: `/s?${Array.from({ length: 20 }, (_, i) => `k${i}=xx`).join('&')}` }, { ...o, maxTotalBytes: 80 });
    assert.equal(r.lim.budgetExhausted, true);
    assert.ok(r.seen.length < 12);
  });

  it('the oversize finding: a record (0.4) for cuts that were inspected, certain (1) when the budget ran out', async () => {
    const { oversizeFinding } = await import('../../../src/threat/inputs.js');
    const base = { truncatedValues: 0, overCount: 0, budgetExhausted: false, depthExceeded: false };
    assert.equal(oversizeFinding(base), undefined);
    const over = oversizeFinding({ ...base, overCount: 3, unparsedBody: 'multipart' })!;
    assert.equal(over.family, 'oversize');
    assert.equal(over.confidence, 0.4);
    assert.match(over.detail!, /3 inputs past the count limits; multipart body not parsed/);
    assert.equal(oversizeFinding({ ...base, budgetExhausted: true })!.confidence, 1);
  });
});
