import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, runtimeFrom } from '../helpers.js';

const SQLI = encodeURIComponent("1' OR 1=1--");
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/**
 * Rack 2 (Rails before Rack 3) splits a query at `;` as at `&`, and so did Python's parse_qsl (Django, Flask)
 * before 3.9.2 and Go's ParseQuery before 1.17. The walk read `search=a;id=<payload>` as one
 * parameter, `search`: with `search` excluded, `id` — a parameter of its own to those applications — went
 * unread. The parameters after a `;` sent as such (not `%3B`) are now read under their own names too.
 */
describe('query: a parameter after a raw ; is read under its own name too', () => {
  let n = 0;
  const verdict = async (r: { path: string; method?: string; body?: string; headers?: Record<string, string> }) => {
    const rt = await runtimeFrom(`
threat:
  mode: enforce
routes:
  - name: r
    threat:
      exclude: [{ input: "query.search", families: [sqli] }, { input: "form.search", families: [sqli] }]
`);
    const resp = await decide(rt, { source: `198.51.100.${++n}`, ...r });
    return resp.denied_response ? 'deny' : 'allow';
  };

  it('query: search=a;id=<sqli> is refused, as id=<sqli> is', async () => {
    assert.equal(await verdict({ path: `/x?id=${SQLI}` }), 'deny');
    assert.equal(await verdict({ path: `/x?search=a;id=${SQLI}` }), 'deny');
    assert.equal(await verdict({ path: `/x?q=1&search=a; id=${SQLI}&z=2` }), 'deny');
  });

  it('a form body is not split at ; (Rack 2 reads forms at & only; text fields hold ; often)', async () => {
    assert.equal(await verdict({ method: 'POST', path: '/x', headers: FORM, body: `search=a;id=${SQLI}` }), 'allow');
  });

  it('the excluded parameter alone, or with an encoded ; (%3B: no parser splits there), stays excluded', async () => {
    assert.equal(await verdict({ path: `/x?search=${SQLI}` }), 'allow');
    assert.equal(await verdict({ path: `/x?search=a%3Bid%3D${SQLI}` }), 'allow');
    assert.equal(await verdict({ method: 'POST', path: '/x', headers: FORM, body: `search=${SQLI};x` }), 'allow');
  });
});
