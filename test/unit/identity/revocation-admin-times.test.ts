import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import { revocationRoutes } from '../../../src/identity/admin.js';
import { RevocationList } from '../../../src/identity/revocation.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { silent } from './helpers.js';

/** A ServerResponse stand-in that records what sendJson wrote. */
function response(): { res: ServerResponse; got: () => { status: number; body: any } } {
  let status = 0;
  let text = '';
  const res = {
    writeHead(s: number) { status = s; return res; },
    end(b?: string) { text = b ?? ''; },
  } as unknown as ServerResponse;
  return { res, got: () => ({ status, body: text ? JSON.parse(text) : undefined }) };
}

/**
 * Times in /admin/revoke bodies are bounded by what a JavaScript Date can hold (±8.64e15 ms): a larger epoch
 * value was stored, then every answer that shows it threw (500), GET /admin/revocations included, for as long
 * as the entry lived — the revocation list could no longer be read by anyone.
 */
describe('admin revocation times out of range', () => {
  for (const body of [{ jti: 'far', until: 1e13 }, { jti: 'past', until: -1e13 }, { subject: 'mallory', before: 1e13 }]) {
    it(`${JSON.stringify(body)} is a 400, nothing is stored, and the list still answers`, async () => {
      const store = new MemoryStore();
      const list = new RevocationList(store, 60_000, silent, Date.now);
      list.start();
      await list.whenSynced();
      const routes = revocationRoutes({ list, defaultTtlMs: 86_400_000, subjectTtlMs: 86_400_000, clock: Date.now });
      const post = routes.find((r) => r.method === 'POST')!;
      const get = routes.find((r) => r.method === 'GET')!;
      const a = response();
      await post.handle({} as IncomingMessage, a.res, Buffer.from(JSON.stringify(body)));
      assert.equal(a.got().status, 400, JSON.stringify(a.got()));
      assert.match(a.got().body.error, /RFC 3339 time or epoch seconds/);
      const b = response();
      await get.handle({} as IncomingMessage, b.res, Buffer.alloc(0));
      assert.equal(b.got().status, 200);
      assert.deepEqual(b.got().body, { revocations: [] });
      list.stop();
      await store.close();
    });
  }
});
