import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import { DEFAULT_DETECTOR_OPTIONS, inspectValue } from '../../../src/threat/detectors/index.js';
import { walkInputs, type InputLimits, type InputOptions } from '../../../src/threat/inputs.js';
import { checkRequest, decide, denyBody, runtimeFrom } from '../helpers.js';

const o: InputOptions = { headers: [], maxValueBytes: 4096, maxTotalBytes: 100_000, maxJsonDepth: 8, maxJsonValues: 50, maxParts: 10, inspectPath: false, inspectQuery: false, inspectBody: true };
function read(body: string, contentType: string): { inputs: Array<[string, string, string[]]>; lim: InputLimits } {
  const ctx = buildContext(checkRequest({ method: 'POST', path: '/login', body, headers: { 'content-type': contentType } }), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
  const inputs: Array<[string, string, string[]]> = [];
  const lim = walkInputs(ctx, o, (where, value) => inputs.push([where, value, inspectValue(value, DEFAULT_DETECTOR_OPTIONS).map((f) => f.family)]));
  return { inputs, lim };
}
const pct = (b: Buffer) => [...b].map((x) => `%${x.toString(16).padStart(2, '0')}`).join('');
const utf16be = (s: string) => Buffer.from(s, 'utf16le').swap16();
const FORM = 'application/x-www-form-urlencoded';
const SQLI = "1' union select password from users--";

/**
 * A form body's percent-escapes spell bytes, and Tomcat and Jetty (request.getParameter), ASP.NET
 * (Request.Form), Django (QueryDict) and busboy decode those bytes in the charset the Content-Type names.
 * They were always read as UTF-8: `q=%00%31%00%27…` with `charset=utf-16be` is `1' union select …` to such
 * an application, and was inspected as `\0 1 \0 ' …` — a NUL between every character, which no SQL reader
 * reads as SQL.
 */
describe('a form body in the charset its Content-Type names', () => {
  const cases: Array<[string, Buffer]> = [['utf-16be', utf16be(SQLI)], ['UTF-16LE', Buffer.from(SQLI, 'utf16le')], ['utf-16', Buffer.from(SQLI, 'utf16le')], ['"utf-16be"', utf16be(SQLI)]];
  for (const [cs, bytes] of cases) {
    it(`charset=${cs}: names and values decoded in it, the SQL injection found`, () => {
      const name = cs.toLowerCase().includes('be') ? utf16be('q') : Buffer.from('q', 'utf16le');
      const { inputs } = read(`${pct(name)}=${pct(bytes)}`, `${FORM}; charset=${cs}`);
      // (`utf-16` names no byte order: Java reads it big-endian, so that reading of the value is read too)
      assert.deepEqual(cs === 'utf-16' ? inputs.slice(0, 1) : inputs, [['form.q', SQLI, ['sqli']]]);
      if (cs === 'utf-16') assert.deepEqual(inputs.slice(1).map(([w, v]) => [w, v]), [['form.q', Buffer.from(bytes).swap16().toString('utf16le')]]);
    });
  }

  it('refused end to end', async () => {
    const rt = await runtimeFrom('threat: { ban: { ttl_ms: 0 } }\ndefault_action: { action: allow }\nroutes:\n  - name: api\n    match: { path: { prefix: / } }\n');
    const r = await decide(rt, { method: 'POST', path: '/login', body: `user=${pct(utf16be(SQLI))}&pw=x`, headers: { 'content-type': `${FORM}; charset=utf-16be`, 'user-agent': 'curl/8.5.0' } });
    assert.equal(denyBody(r).error, 'ERR_THREAT');
  });

  it('single- and multi-byte charsets: the bytes decoded in them ("+" a space)', () => {
    assert.deepEqual(read('user=admin%92+or+1=1--&city=%CC%EE%F1%EA%E2%E0', `${FORM}; charset=windows-1251`).inputs.map(([w, v, f]) => [w, v, f.join()]), [['form.user', 'admin’ or 1=1--', 'sqli'], ['form.city', 'Москва', '']]);
    assert.deepEqual(read('city=%93%8C%8B%9E', `${FORM}; charset=shift_jis`).inputs.map(([w, v]) => [w, v]), [['form.city', '東京']]);
  });

  it('UTF-8, ASCII and no charset: UTF-8 as before', () => {
    for (const ct of [FORM, `${FORM}; charset=utf-8`, `${FORM}; charset=US-ASCII`, `${FORM}; charset=UTF8`, `${FORM}; charset="utf-8"`]) {
      const { inputs, lim } = read('q=caf%C3%A9+%3Cb%3E&x=1', ct);
      assert.deepEqual(inputs.map(([w, v]) => [w, v]), [['form.q', 'café <b>']], ct);
      assert.equal(lim.undecodableCharset, undefined, ct);
    }
  });

  it('fields past the limit are counted, read all the same', () => {
    const body = Array.from({ length: 2005 }, (_, i) => `f${i}=${pct(utf16be('ab'))}`).join('&');
    const { inputs, lim } = read(body, `${FORM}; charset=utf-16be`);
    assert.equal(inputs.length, 2005);
    assert.equal(lim.overCount, 5);
  });
});
