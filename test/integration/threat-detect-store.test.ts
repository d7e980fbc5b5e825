import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from './harness/stack.js';

const UA = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', accept: '*/*', 'accept-language': 'en', 'accept-encoding': 'identity' };

/** Redis killed: an enforce route refuses (on_store_error: deny), a route in detect mode still serves. */
describe('threat detect mode with the ban store down, through a real Envoy and Redis', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({
      redis: 'single',
      config: (v) => `
store: { kind: redis, url: "${v.redisUrl}", command_timeout_ms: 200 }
threat:
  ban: { ttl_ms: 60000, cache_ms: 0, on_store_error: deny }
  events: { log: false }
routes:
  - name: watched
    match: { path: { prefix: /watched } }
    threat: { mode: detect }
  - name: api
    match: { path: { prefix: / } }
`,
      envoy: { vars: { EXT_AUTHZ_TIMEOUT: '5s' } },
      wait: 'alive',
    });
  });
  after(async () => { await stack?.stop(); });

  it('a detect-mode route answers 200 while an enforce route answers 503 ERR_UNAVAILABLE', async () => {
    assert.equal((await stack.request({ path: '/watched/1', headers: UA })).status, 200);
    await stack.redis!.stop('SIGKILL');
    const enforced = await stack.request({ path: '/api/1', headers: UA });
    assert.equal(enforced.status, 503);
    assert.equal(enforced.json().error, 'ERR_UNAVAILABLE');
    const watched = await stack.request({ path: '/watched/1', headers: UA });
    assert.equal(watched.status, 200, `detect mode refused: ${watched.body}`);
  });
});
