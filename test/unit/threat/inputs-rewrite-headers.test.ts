import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkRequest, decide, denyBody, runtimeFrom, upstreamHeaders } from '../helpers.js';

const config = (inspect = '') => `threat: { ban: { ttl_ms: 0 }, upstream_header: true${inspect} }\ndefault_action: { action: allow }\nroutes:\n  - name: api\n    match: { path: { prefix: / } }\n`;
const get = (headers: Record<string, string>) => ({ method: 'GET', path: '/public/index.html', headers: { 'user-agent': 'curl/8.5.0', ...headers } });

/**
 * X-Original-URL and X-Rewrite-URL name the URL the application routes by on IIS (URL Rewrite, ARR) and in
 * frameworks that honour them (Symfony before 2.7.49/3.4.14, Zend/Laminas, Drupal's Symfony; CVE-2018-14773):
 * a request for /public/index.html carrying `X-Original-URL: /admin/..` is served as /admin/.., past every
 * path rule of Envoy, the route match and the policy. Neither header was inspected by default, so a traversal
 * or injection in it went through unread.
 */
describe('X-Original-URL and X-Rewrite-URL', () => {
  const attacks: Array<[string, string, string]> = [
    ['x-original-url', '/static/..%2f..%2f..%2fetc%2fpasswd', 'traversal'],
    ['x-rewrite-url', "/search?q=1' union select password from users--", 'sqli'],
    ['x-original-url', '/profile?name=<script>alert(document.cookie)</script>', 'xss'],
  ];
  for (const [h, v, family] of attacks) {
    it(`${h}: ${family} in it is refused by default, as in the path`, async () => {
      const rt = await runtimeFrom(config());
      const r = await decide(rt, get({ [h]: v }));
      assert.equal(denyBody(r).error, 'ERR_THREAT');
    });
  }

  it('an ordinary value passes, and is named in findings as header.x-original-url', async () => {
    const rt = await runtimeFrom(config());
    assert.ok((await decide(rt, get({ 'x-original-url': '/app/orders/42?view=full' }))).ok_response);
    const r = await decide(await runtimeFrom(`threat: { ban: { ttl_ms: 0 }, upstream_header: true, scoring: { block: 1 } }\ndefault_action: { action: allow }\nroutes:\n  - name: api\n    match: { path: { prefix: / } }\n`), get({ 'x-original-url': '/docs/../img/logo.png' }));
    assert.match(upstreamHeaders(r)['x-portcullis-risk-findings'] ?? '', /traversal@header\.x-original-url/);
  });

  it('inspect.headers replaces the default list (leaving them out stops reading them)', async () => {
    const rt = await runtimeFrom(config(', inspect: { headers: [user-agent] }'));
    assert.ok((await decide(rt, get({ 'x-original-url': '/static/..%2f..%2f..%2fetc%2fpasswd' }))).ok_response);
  });
});
