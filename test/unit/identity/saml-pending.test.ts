import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_PENDING, PendingSignIns } from '../../../src/identity/saml-pending.js';
import { CookieSealer } from '../../../src/identity/saml-session.js';
import { MemoryStore } from '../../../src/store/memory.js';
import type { KvStore } from '../../../src/store/types.js';
import { ctxOf, runtimeFor, type Harness } from './helpers.js';
import { makeIdpKeys, type TestIdpKeys } from './saml-idp.js';
import { samlConfig } from './saml-browser.js';

const SECRET = 'p'.repeat(40);
const NAME = '__Host-portcullis_saml_request';
const ID = (n: number) => `_${n.toString(16).padStart(40, '0')}`;
const sealer = new CookieSealer([SECRET], NAME);
const pending = new PendingSignIns(sealer, NAME, 600_000, '; Path=/; HttpOnly; SameSite=None; Secure');
const jar = (setCookie: string) => setCookie.split(';')[0]!;

describe('pending sign-ins: a sealed cookie in the browser', () => {
  const t0 = Date.UTC(2030, 0, 1);

  it('remembers what was added, newest first, at most four, until the TTL', () => {
    let cookie = '';
    for (let i = 1; i <= 5; i++) cookie = jar(pending.add(ctxOf({ headers: cookie ? { cookie } : {} }), ID(i), t0 + i));
    const ctx = ctxOf({ headers: { cookie } });
    assert.deepEqual(pending.read(ctx, t0 + 10).map((e) => e[0]), [ID(5), ID(4), ID(3), ID(2)]);
    assert.equal(MAX_PENDING, 4);
    assert.equal(pending.has(ctx, ID(1), t0 + 10), false, 'the oldest fell out');
    assert.equal(pending.has(ctx, ID(2), t0 + 10), true);
    assert.equal(pending.has(ctx, ID(2), t0 + 2 + 600_000), false, 'expired after request_ttl_s');
    assert.equal(pending.has(ctx, ID(5), t0 + 4), false, 'not started yet (a clock set back)');
  });

  it('an answered sign-in leaves the list; the other tabs\' stay; the last one deletes the cookie', () => {
    let cookie = '';
    for (let i = 1; i <= 3; i++) cookie = jar(pending.add(ctxOf({ headers: cookie ? { cookie } : {} }), ID(i), t0 + i));
    const left = pending.remove(ctxOf({ headers: { cookie } }), ID(2), t0 + 10);
    assert.match(left, /; Max-Age=600; Path=\/; HttpOnly; SameSite=None; Secure$/);
    const after2 = ctxOf({ headers: { cookie: jar(left) } });
    assert.deepEqual(pending.read(after2, t0 + 10).map((e) => e[0]), [ID(3), ID(1)]);
    let c = jar(left);
    for (const id of [ID(3), ID(1)]) c = jar(pending.remove(ctxOf({ headers: { cookie: c } }), id, t0 + 10));
    assert.equal(c, `${NAME}=`);
    assert.equal(pending.remove(ctxOf(), ID(9), t0), `${NAME}=; Max-Age=0; Path=/; HttpOnly; SameSite=None; Secure`);
  });

  it('cannot be forged, extended or moved: plain IDs, another secret, another cookie name, altered bytes', () => {
    const mine = jar(pending.add(ctxOf(), ID(7), t0)).split('=')[1]!;
    const forged = [
      ID(7),
      `${ID(7)}.${ID(8)}`,
      new CookieSealer(['q'.repeat(40)], NAME).sealValue([[ID(7), t0]]),
      new CookieSealer([SECRET], 'portcullis_saml_request').sealValue([[ID(7), t0]]),
      mine.slice(0, 30) + (mine[30] === 'A' ? 'B' : 'A') + mine.slice(31),
      sealer.sealValue({ ids: [ID(7)] }),
      sealer.sealValue([[ID(7), 'yesterday'], ['not-an-id', t0]]),
    ];
    for (const v of forged) assert.equal(pending.has(ctxOf({ headers: { cookie: `${NAME}=${v}` } }), ID(7), t0 + 1), false, v.slice(0, 60));
    assert.equal(pending.has(ctxOf({ headers: { cookie: `${NAME}=${mine}` } }), ID(7), t0 + 1), true, 'control');
  });
});

describe('SAML sign-in writes nothing to the store before the IdP answers', () => {
  let keys: TestIdpKeys;
  let h: Harness;
  const writes: string[] = [];
  before(async () => {
    keys = makeIdpKeys();
    const mem = new MemoryStore();
    const counting = new Proxy(mem, {
      get(target, prop, recv) {
        const v = Reflect.get(target, prop, recv);
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => {
          if (['set', 'setNX', 'hset', 'del', 'publish'].includes(String(prop))) writes.push(`${String(prop)} ${String(args[0])}`);
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as KvStore;
    h = await runtimeFor(samlConfig(keys.certFile), process.cwd(), counting);
  });
  after(async () => { await h.close(); });

  it('a thousand visitors sent to the IdP cost no store write', async () => {
    const before = writes.length;
    for (let i = 0; i < 1000; i++) {
      const r = await h.send({ path: `/app/${i}`, headers: { accept: 'text/html', 'sec-fetch-dest': 'document' } });
      assert.equal(r.status, 302);
    }
    assert.deepEqual(writes.slice(before), []);
  });
});

describe('SAML logout from another site', () => {
  let keys: TestIdpKeys;
  let h: Harness;
  before(async () => { keys = makeIdpKeys(); h = await runtimeFor(samlConfig(keys.certFile)); });
  after(async () => { await h.close(); });

  it('is refused (a link or form on another site would carry the Lax cookie); this site and typed URLs sign out', async () => {
    for (const site of ['cross-site', 'same-site']) {
      for (const method of ['GET', 'POST']) {
        const r = await h.send({ method, path: '/saml/logout', headers: { 'sec-fetch-site': site } });
        assert.equal(r.status, 403, `${method} ${site}`);
        assert.equal(r.code, 'ERR_CSRF');
        assert.equal(r.headers['set-cookie'], undefined);
      }
    }
    for (const headers of [{ 'sec-fetch-site': 'same-origin' }, { 'sec-fetch-site': 'none' }, {}] as Array<Record<string, string>>) {
      const r = await h.send({ path: '/saml/logout', headers });
      assert.equal(r.status, 303, JSON.stringify(headers));
      assert.match(r.headers['set-cookie']!, /Max-Age=0/);
    }
  });
});
