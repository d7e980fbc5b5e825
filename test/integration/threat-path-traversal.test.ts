import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from './harness/stack.js';

/**
 * Traversal in the request path itself, through the real Envoy of envoy/envoy.yaml (normalize_path,
 * merge_slashes, path_with_escaped_slashes_action UNESCAPE_AND_REDIRECT): every spelling either never reaches
 * the upstream as a traversal (Envoy resolves %2e dot-segments before ext_authz, and redirects encoded
 * slashes to their resolved form) or reaches Portcullis still encoded and is refused there.
 */
describe('path traversal in :path through a real Envoy', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ config: () => `
default_action: { action: allow }
threat:
  ban: { ttl_ms: 0, cache_ms: 1000 }
  bot: { cadence: { enabled: false } }
  anomaly: { enabled: false }
routes:
  - name: api
    match: { path: { prefix: / } }
` });
  });
  after(async () => { await stack?.stop(); });
  const UA = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', accept: '*/*', 'accept-language': 'en' };
  const get = (path: string) => stack.request({ method: 'GET', path, headers: UA });

  it('spellings Envoy leaves encoded reach Portcullis and are refused (403 ERR_THREAT)', async () => {
    for (const p of ['/files/%252e%252e%252f%252e%252e%252fetc%252fpasswd', '/files/..;/..;/etc/passwd', '/files/..%c0%af..%c0%afetc%c0%afpasswd',
      '/files/%uff0e%uff0e%u2215etc%u2215passwd', '/files/..%u2215..%u2215app.php', '/files/..%252f..%252fWEB-INF%252fweb.xml', '/files/..\\..\\etc\\passwd']) {
      const r = await get(p);
      assert.equal(r.status, 403, `${p}: ${r.status} ${r.body}`);
      assert.equal(r.json().error, 'ERR_THREAT', p);
    }
  });

  it('encoded slashes are redirected to the resolved path, which carries no dot-dot', async () => {
    for (const [p, to] of [['/files/..%2f..%2fetc%2fpasswd', '/etc/passwd'], ['/files/..%5c..%5cwindows%5cwin.ini', '/windows/win.ini'], ['/x/..%2F..%2Fapp%2Fconfig.php', '/app/config.php']]) {
      const r = await get(p!);
      assert.equal(r.status, 307, `${p}: ${r.status} ${r.body}`);
      assert.equal(r.headers.location, to, p);
    }
  });

  it('%2e dot-segments are resolved by Envoy: the upstream sees the resolved path, and a sensitive one is refused', async () => {
    for (const [p, seen] of [['/static/%2e%2e/%2e%2e/app/config.php', '/app/config.php'], ['/files/.%2e/.%2e/app/settings.inc', '/app/settings.inc'], ['/docs/a/%2e%2e/b.html', '/docs/b.html']]) {
      const r = await get(p!);
      assert.equal(r.status, 200, `${p}: ${r.status} ${r.body}`);
      assert.equal(r.json().path, seen, p);
    }
    // resolved to the file a servlet include would read, or a pod's service-account token: refused after normalisation
    for (const p of ['/files/%2e%2e/%2e%2e/etc/passwd', '/files/%2E%2E/%2E%2E/WEB-INF/web.xml', '/img/%2e%2e/%2e%2e/var/run/secrets/kubernetes.io/serviceaccount/token']) {
      const r = await get(p);
      assert.equal(r.status, 403, `${p}: ${r.status} ${r.body}`);
      assert.equal(r.json().error, 'ERR_THREAT', p);
    }
  });
});
