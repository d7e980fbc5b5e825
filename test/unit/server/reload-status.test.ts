import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { serviceWith, type Fixture } from './service-fixture.js';

/**
 * POST /reload's status: 200 when reloaded, 400 when the config is bad (fix it), 503 when refused because
 * shutdown began (this replica is going away: a script should ask another). Before, the refusal was a 400.
 */
describe('POST /reload status', () => {
  let f: Fixture;
  before(async () => { f = await serviceWith('  admin: { address: "127.0.0.1:0" }'); });
  after(() => f?.stop());

  const reload = async () => {
    const res = await fetch(`http://127.0.0.1:${f.svc.admin.port}/reload`, { method: 'POST' });
    return { status: res.status, body: await res.text() };
  };

  it('200 reloaded, then 503 with the reason once shutdown began', async () => {
    assert.equal((await reload()).status, 200);
    f.svc.holder.beginShutdown();
    const r = await reload();
    assert.equal(r.status, 503);
    assert.match(r.body, /shutting down/);
  });
});
