import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { AuthFailure } from '../../../src/identity/failure.js';
import type { SamlConfig } from '../../../src/identity/config.js';
import { compileSaml } from '../../../src/identity/saml-compile.js';
import { type SessionClaims, SessionSealer } from '../../../src/identity/saml-session.js';
import type { SamlVerifier } from '../../../src/identity/saml.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { ctxOf, fakeClock, silent } from './helpers.js';
import { buildResponse, makeIdpKeys, type TestIdpKeys } from './saml-idp.js';

const NAME = '__Host-portcullis_session';
const OLD = 'o'.repeat(40);
const NEW = 'n'.repeat(40);
const claims = (o: Partial<SessionClaims> = {}): SessionClaims => ({
  sid: 'sid-1', sub: 'alice@example.com', iss: 'https://idp.test', iat: 1_000, exp: 2_000,
  roles: ['admin'], attrs: { email: 'alice@example.com', groups: ['a', 'b'] }, fmt: 'urn:x:email', idx: '_s1', ...o,
});
const b64 = (b: Buffer) => b.toString('base64url');

describe('SessionSealer', () => {
  const sealer = new SessionSealer([NEW], NAME);

  it('opens what it sealed, with every field intact; the value does not show the claims', () => {
    const s = claims();
    const v = sealer.seal(s);
    assert.match(v, /^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    assert.ok(!v.includes('alice') && !Buffer.from(v.split('.')[2]!, 'base64url').toString('latin1').includes('alice'));
    assert.deepEqual(sealer.open(v), s);
    assert.notEqual(sealer.seal(s), v, 'a fresh IV every time');
  });

  it('refuses any single flipped byte in the iv, the ciphertext or the tag', () => {
    const parts = sealer.seal(claims()).split('.');
    let tried = 0;
    for (const k of [1, 2, 3]) {
      const bytes = Buffer.from(parts[k]!, 'base64url');
      for (let i = 0; i < bytes.length; i++) {
        const altered = Buffer.from(bytes);
        altered[i] = altered[i]! ^ 0x01;
        const v = parts.map((p, j) => (j === k ? b64(altered) : p)).join('.');
        assert.equal(sealer.open(v), undefined, `part ${k} byte ${i}`);
        tried++;
      }
    }
    assert.ok(tried > 12 + 16 + 50, `every byte of the three parts was tried (${tried})`);
  });

  it('refuses a value sealed for another cookie name (the name is associated data)', () => {
    const other = new SessionSealer([NEW], 'other_session');
    assert.equal(sealer.open(other.seal(claims())), undefined);
    assert.equal(other.open(sealer.seal(claims())), undefined);
  });

  it('rotation: previous secrets open old cookies, new cookies are sealed with the first secret only', () => {
    const before = new SessionSealer([OLD], NAME);
    const rotated = new SessionSealer([NEW, OLD], NAME);
    const oldCookie = before.seal(claims({ sid: 'old' }));
    assert.equal(rotated.open(oldCookie)?.sid, 'old');
    assert.equal(new SessionSealer([NEW], NAME).open(oldCookie), undefined, 'once the old secret is dropped, its cookies are dead');
    const newCookie = rotated.seal(claims({ sid: 'new' }));
    assert.equal(before.open(newCookie), undefined, 'not sealed with the old secret');
    assert.equal(new SessionSealer([NEW], NAME).open(newCookie)?.sid, 'new', 'sealed with the first secret');
  });

  it('refuses malformed values without throwing: version, part count, empty or huge parts', () => {
    const [, iv, body, tag] = sealer.seal(claims()).split('.') as [string, string, string, string];
    const huge = 'A'.repeat(1_000_000);
    const bad = [
      '', '.', 'v1', 'v1...', `v2.${iv}.${body}.${tag}`, `V1.${iv}.${body}.${tag}`, `.${iv}.${body}.${tag}`,
      `v1.${iv}.${body}`, `v1.${iv}.${body}.${tag}.`, `v1.${iv}.${body}.${tag}.x`, `v1.${iv}.${body}.${tag}`.replace(/\./g, '..'),
      `v1..${body}.${tag}`, `v1.${iv}..${tag}`, `v1.${iv}.${body}.`,
      `v1.${huge}.${body}.${tag}`, `v1.${iv}.${huge}.${tag}`, `v1.${iv}.${body}.${huge}`, `v1.${iv}${iv}.${body}.${tag}`,
      `v1.${iv}.${body}.${tag}${tag}`, 'v1.!!!!.****.????',
    ];
    for (const v of bad) assert.equal(sealer.open(v), undefined, v.slice(0, 80));
  });

  it('refuses a correctly sealed value whose JSON is not a session (missing or mistyped fields)', () => {
    const { sid: _sid, ...noSid } = claims();
    const { attrs: _attrs, ...noAttrs } = claims();
    const shapes: unknown[] = [
      null, 'a string', 42, [], [claims()], {}, noSid, noAttrs,
      { ...claims(), exp: '2000' }, { ...claims(), iat: null }, { ...claims(), sub: 7 }, { ...claims(), iss: undefined },
      { ...claims(), roles: 'admin' }, { ...claims(), attrs: null },
    ];
    for (const shape of shapes) {
      const v = sealer.seal(shape as SessionClaims);
      assert.equal(sealer.open(v), undefined, JSON.stringify(shape));
    }
    assert.deepEqual(sealer.open(sealer.seal(claims({ fmt: undefined, idx: undefined }))), JSON.parse(JSON.stringify(claims({ fmt: undefined, idx: undefined }))), 'fmt and idx are optional');
  });
});

const IDP = 'https://idp.test/realms/demo';
const SP = 'https://app.test/saml/metadata';
const ACS = 'https://app.test/saml/acs';
const SECRET = 's'.repeat(40);
let keys: TestIdpKeys;
before(() => { keys = makeIdpKeys(); });

function verifierWith(clock: () => number, session: Partial<SamlConfig['session']> = {}): SamlVerifier {
  const cfg: SamlConfig = {
    sp_entity_id: SP, acs_url: ACS, allow_idp_initiated: true,
    idp: { entity_id: IDP, sso_url: 'https://idp.test/sso', certificate_files: [keys.certFile] },
    session: { secret: SECRET, ...session },
  };
  return compileSaml(cfg, { dir: keys.dir, store: new MemoryStore(), logger: silent, clock, skewS: 60 });
}

function present(v: SamlVerifier, cookie: string): string {
  const ctx = ctxOf({ headers: { cookie } });
  const p = v.extract(ctx);
  assert.ok(p !== undefined && !(p instanceof AuthFailure), 'the cookie is found');
  const r = v.verify(ctx, p);
  assert.ok(!(r instanceof Promise), 'verifying a session does no I/O');
  return r instanceof AuthFailure ? r.code : `OK ${r.identity.subject}`;
}

async function signIn(v: SamlVerifier, sessionNotOnOrAfterS?: number): Promise<{ cookie: string; maxAge: number }> {
  const built = buildResponse(keys, { idpEntityId: IDP, spEntityId: SP, acsUrl: ACS, nameId: 'alice@example.com', sessionNotOnOrAfterS });
  const ctx = ctxOf({ method: 'POST', path: '/saml/acs', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ SAMLResponse: built.base64 }).toString() });
  const d = await v.intercept(ctx);
  assert.equal(d?.code, 'SAML_SIGNED_IN', JSON.stringify(d));
  const set = d.headers!['set-cookie']!;
  assert.ok(Array.isArray(set), 'the sign-in sets the session and clears the answered sign-in');
  const sc = set[0]!;
  return { cookie: sc.split(';')[0]!, maxAge: Number(/; Max-Age=(\d+)/.exec(sc)![1]) };
}

describe('SAML session expiry (verifier built by compileSaml)', () => {
  it('accepts a cookie sealed with the configured secret until its exp, then ERR_SAML_SESSION_EXPIRED', () => {
    const clock = fakeClock();
    const v = verifierWith(clock.now);
    const value = new SessionSealer([SECRET], NAME).seal(claims({ iat: clock.now(), exp: clock.now() + 60_000 }));
    assert.equal(present(v, `${NAME}=${value}`), 'OK alice@example.com');
    clock.advance(59_999);
    assert.equal(present(v, `${NAME}=${value}`), 'OK alice@example.com');
    clock.advance(1);
    assert.equal(present(v, `${NAME}=${value}`), 'ERR_SAML_SESSION_EXPIRED');
    assert.equal(present(v, `${NAME}=${new SessionSealer([OLD], NAME).seal(claims({ exp: clock.now() + 1 }))}`), 'ERR_SAML_SESSION_INVALID', 'another secret');
  });

  it('max_age_s caps the session even when the IdP allows longer (SessionNotOnOrAfter later)', async () => {
    const clock = fakeClock(Date.now());
    const v = verifierWith(clock.now, { max_age_s: 600 });
    const { cookie, maxAge } = await signIn(v, 3600);
    assert.equal(maxAge, 600);
    assert.equal(new SessionSealer([SECRET], NAME).open(cookie.slice(NAME.length + 1))?.exp, clock.now() + 600_000);
    clock.advance(599_999);
    assert.equal(present(v, cookie), 'OK alice@example.com');
    clock.advance(1);
    assert.equal(present(v, cookie), 'ERR_SAML_SESSION_EXPIRED');
  });

  it('the assertion\'s SessionNotOnOrAfter caps the session below max_age_s', async () => {
    const clock = fakeClock(Date.now());
    const v = verifierWith(clock.now);
    const { cookie, maxAge } = await signIn(v, 120);
    const exp = new SessionSealer([SECRET], NAME).open(cookie.slice(NAME.length + 1))!.exp;
    assert.ok(exp > clock.now() + 110_000 && exp <= clock.now() + 121_000, `exp ${exp - clock.now()} ms from now`);
    assert.ok(maxAge <= 121 && maxAge >= 110, `Max-Age ${maxAge}`);
    clock.set(exp - 1);
    assert.equal(present(v, cookie), 'OK alice@example.com');
    clock.set(exp);
    assert.equal(present(v, cookie), 'ERR_SAML_SESSION_EXPIRED');
  });
});
