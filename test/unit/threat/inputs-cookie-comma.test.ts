import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, runtimeFrom } from '../helpers.js';

const SQLI = "1' OR 1=1--";
const XSS = '<script>alert(document.cookie)</script>';

/**
 * Two Cookie headers reach Portcullis joined with `,` (Envoy's CheckRequest joins repeated headers so), and
 * the application reads them as two headers, or joined with `; ` (Node, Envoy to HTTP/2): `prefs=a` and
 * `id=<payload>`. The walk read one cookie, `prefs`, whose value ran on over the comma: with `prefs`
 * excluded, `id` went unread. A `,` before a cookie name and `=` now also starts a cookie (legacy RFC 2109
 * parsers, Tomcat's and Jetty's among them, split a single header there too); a comma inside a value
 * (JSON, a date) is not followed by one.
 */
describe('cookies: a comma before name= starts a cookie too (repeated Cookie headers, as Envoy joins them)', () => {
  let n = 0;
  const verdict = async (cookie: string) => {
    const rt = await runtimeFrom(`
threat:
  mode: enforce
routes:
  - name: r
    threat:
      exclude: [{ input: "cookie.prefs", families: [sqli, xss] }]
`);
    const r = await decide(rt, { path: '/x', source: `198.51.100.${++n}`, headers: { cookie } });
    return r.denied_response ? 'deny' : 'allow';
  };

  it('the cookie after the comma is read under its own name: not covered by the other one\'s exclusion', async () => {
    assert.equal(await verdict(`prefs=a,id=${SQLI}`), 'deny');
    assert.equal(await verdict(`prefs=a, id=${XSS}`), 'deny');
    assert.equal(await verdict(`x=1; prefs=a,id=${XSS}; y=2`), 'deny');
  });

  it('the excluded cookie itself, commas in its value, stays excluded', async () => {
    assert.equal(await verdict(`prefs=${XSS}`), 'allow');
    assert.equal(await verdict(`prefs={"a":1,"b":"${SQLI}"}`), 'allow');
    assert.equal(await verdict(`prefs=Sat, 01 Jan 2000 <b>x</b>`), 'allow');
  });
});
