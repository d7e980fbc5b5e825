import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, denyBody, runtimeFrom } from '../helpers.js';

const CONFIG = 'threat: { ban: { ttl_ms: 0 }, upstream_header: true }\ndefault_action: { action: allow }\nroutes:\n  - name: api\n    match: { path: { prefix: / } }\n';
const get = (path: string, headers: Record<string, string> = {}) => ({ method: 'GET', path, headers: { 'user-agent': 'curl/8.5.0', ...headers } });

/**
 * The query of an X-Original-URL / X-Rewrite-URL value becomes the application's query string on IIS (URL
 * Rewrite), where `+` is a space. The header was read as one value, `+` kept, so
 * `/items?id=1'+union+select+password+from+users--` passed in the header while the same URL as the request's
 * path and query is refused.
 */
describe('the query of X-Original-URL / X-Rewrite-URL read as a query', () => {
  const URL = "/items?id=1'+union+select+password+from+users--";
  it('refused as the same URL in the request line is', async () => {
    const rt = await runtimeFrom(CONFIG);
    assert.equal(denyBody(await decide(rt, get(URL))).error, 'ERR_THREAT');
    for (const h of ['x-original-url', 'x-rewrite-url']) {
      assert.equal(denyBody(await decide(rt, get('/public', { [h]: URL }))).error, 'ERR_THREAT', h);
      assert.equal(denyBody(await decide(rt, get('/public', { [h]: '/a?x=1&q=%3Cscript%3Ealert(document.cookie)%3C%2Fscript%3E+' }))).error, 'ERR_THREAT', h);
    }
  });

  it('an ordinary URL with a query passes', async () => {
    const rt = await runtimeFrom(CONFIG);
    assert.ok((await decide(rt, get('/public', { 'x-original-url': '/app/search?q=red+shoes&size=42&sort=price+asc' }))).ok_response);
  });
});
