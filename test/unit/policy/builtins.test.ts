import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { missingBuiltins, PORTCULLIS_BUILTINS, sdkBuiltinNames, supportedBuiltins } from '../../../src/policy/wasm/builtins.js';
import { evalClock, parseRfc3339Ns } from '../../../src/policy/wasm/time-builtins.js';

const B = PORTCULLIS_BUILTINS;
// 2024-05-15T10:00:00Z, a Wednesday
const T = Date.UTC(2024, 4, 15, 10, 0, 0) * 1e6;

describe('time builtins', () => {
  it('time.clock / time.date / time.weekday in UTC and in a named zone', () => {
    assert.deepEqual(B['time.clock']!(T), [10, 0, 0]);
    assert.deepEqual(B['time.clock']!([T, 'Asia/Tokyo']), [19, 0, 0]);
    assert.deepEqual(B['time.clock']!([T, 'America/New_York']), [6, 0, 0]);
    assert.deepEqual(B['time.date']!([T + 15 * 3600e9, 'Asia/Tokyo']), [2024, 5, 16]);
    assert.equal(B['time.weekday']!(T), 'Wednesday');
    assert.equal(B['time.weekday']!([T + 15 * 3600e9, 'Asia/Tokyo']), 'Thursday');
    assert.deepEqual(B['time.clock']!([T, '']), [10, 0, 0]);
  });

  it('an unknown zone or a non-number makes the call undefined (OPA: builtin errors are undefined)', () => {
    assert.equal(B['time.clock']!([T, 'Mars/Olympus']), undefined);
    assert.equal(B['time.weekday']!('yesterday'), undefined);
  });

  it('time.parse_rfc3339_ns handles offsets and fractions, rejects the rest', () => {
    assert.equal(parseRfc3339Ns('2024-05-15T10:00:00Z'), T);
    assert.equal(parseRfc3339Ns('2024-05-15T12:00:00+02:00'), T);
    assert.equal(parseRfc3339Ns('2024-05-15T10:00:00.5Z'), T + 5e8);
    assert.throws(() => parseRfc3339Ns('2024-02-30T10:00:00Z'));
    assert.throws(() => parseRfc3339Ns('15 May 2024'));
    assert.equal(B['time.parse_rfc3339_ns']!('nope'), undefined);
  });

  it('time.now_ns is the evaluation clock', () => {
    evalClock.nowNs = 42;
    assert.equal(B['time.now_ns']!(), 42);
  });
});

describe('JWT builtins', () => {
  const secret = 'a-shared-secret-of-decent-length';
  const now = Math.floor(Date.UTC(2024, 4, 15, 10) / 1000);
  const hs = (claims: Record<string, unknown>, key = secret) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(key));

  it('decode_verify accepts a valid HS256 token and checks exp, nbf, iss, aud', async () => {
    const tok = await hs({ sub: 'alice', iss: 'idp', aud: 'api', exp: now + 60, nbf: now - 60 });
    const c = { secret, time: now * 1e9 };
    const [ok, header, payload] = B['io.jwt.decode_verify']!(tok, { ...c, iss: 'idp', aud: 'api' }) as [boolean, any, any];
    assert.equal(ok, true);
    assert.equal(header.alg, 'HS256');
    assert.equal(payload.sub, 'alice');
    assert.deepEqual(B['io.jwt.decode_verify']!(tok, { ...c, iss: 'other', aud: 'api' }), [false, {}, {}]);
    assert.deepEqual(B['io.jwt.decode_verify']!(tok, { ...c }), [false, {}, {}], 'token has aud, constraints none');
    assert.deepEqual(B['io.jwt.decode_verify']!(tok, { secret, aud: 'api', time: (now + 61) * 1e9 }), [false, {}, {}], 'expired');
    assert.deepEqual(B['io.jwt.decode_verify']!(tok, { secret, aud: 'api', time: (now - 61) * 1e9 }), [false, {}, {}], 'not yet valid');
  });

  it('decode_verify refuses a wrong secret, alg none, a mismatched alg constraint and garbage', async () => {
    const tok = await hs({ sub: 'alice' });
    assert.equal((B['io.jwt.decode_verify']!(tok, { secret: 'wrong' }) as unknown[])[0], false);
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.`;
    assert.equal((B['io.jwt.decode_verify']!(none, { secret }) as unknown[])[0], false);
    assert.equal((B['io.jwt.decode_verify']!(tok, { secret, alg: 'HS512' }) as unknown[])[0], false);
    assert.equal((B['io.jwt.decode_verify']!('not.a.jwt!', { secret }) as unknown[])[0], false);
    // bad constraints are errors → undefined
    assert.equal(B['io.jwt.decode_verify']!(tok, { secret, cert: 'x' }), undefined);
    assert.equal(B['io.jwt.decode_verify']!(tok, { secret, colour: 'blue' }), undefined);
  });

  it('decode_verify with RS256 / ES256 public keys (PEM and JWK set); an RS key cannot pass as an HS secret', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const rsTok = await new SignJWT({ sub: 'svc' }).setProtectedHeader({ alg: 'RS256' }).sign(rsa.privateKey);
    const esTok = await new SignJWT({ sub: 'svc' }).setProtectedHeader({ alg: 'ES256' }).sign(ec.privateKey);
    const rsPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    assert.equal((B['io.jwt.decode_verify']!(rsTok, { cert: rsPem }) as unknown[])[0], true);
    const jwks = JSON.stringify({ keys: [rsa.publicKey.export({ format: 'jwk' }), ec.publicKey.export({ format: 'jwk' })] });
    assert.equal((B['io.jwt.decode_verify']!(esTok, { cert: jwks }) as unknown[])[0], true);
    assert.equal(B['io.jwt.verify_rs256']!(rsTok, rsPem), true);
    assert.equal(B['io.jwt.verify_es256']!(rsTok, rsPem), false);
    // algorithm confusion: HS256 token signed with the PEM text as secret
    const confused = await hs({ sub: 'evil' }, rsPem);
    assert.equal((B['io.jwt.decode_verify']!(confused, { cert: rsPem }) as unknown[])[0], false);
  });

  it('io.jwt.decode returns header, payload and the hex signature', async () => {
    const tok = await hs({ sub: 'alice' });
    const [h, p, sig] = B['io.jwt.decode']!(tok) as [any, any, string];
    assert.equal(h.alg, 'HS256');
    assert.equal(p.sub, 'alice');
    assert.match(sig, /^[0-9a-f]{64}$/);
    assert.equal(B['io.jwt.decode']!('a.b'), undefined);
  });
});

describe('misc builtins', () => {
  it('crypto digests, hmac, prefix matching, url query encoding', () => {
    assert.equal(B['crypto.sha256']!('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(B['crypto.hmac.equal']!('aa', 'aa'), true);
    assert.equal(B['crypto.hmac.equal']!('aa', 'ab'), false);
    assert.equal(B['strings.any_prefix_match']!(['/api/v1/x', '/b'], ['/api/']), true);
    assert.equal(B['strings.any_suffix_match']!('file.txt', ['.exe']), false);
    assert.equal(B['urlquery.encode']!('a b&c=d'), 'a+b%26c%3Dd');
    assert.deepEqual(B['urlquery.decode_object']!('a=1&a=2&b=x+y'), { a: ['1', '2'], b: ['x y'] });
    assert.equal(B['urlquery.encode_object']!({ b: 'x y', a: ['1', '2'] }), 'a=1&a=2&b=x+y');
  });
});

describe('the builtins check', () => {
  it('knows opa-wasm\'s own SDK builtins from the installed package', () => {
    const sdk = sdkBuiltinNames();
    for (const n of ['sprintf', 'json.is_valid', 'regex.split', 'yaml.unmarshal']) assert.ok(sdk.has(n), n);
  });

  it('reports exactly the builtins nobody implements', () => {
    assert.deepEqual(missingBuiltins(['sprintf', 'time.now_ns', 'http.send', 'io.jwt.decode_verify', 'net.lookup_ip_addr']), ['http.send', 'net.lookup_ip_addr']);
    assert.ok(supportedBuiltins().includes('time.clock'));
  });
});
