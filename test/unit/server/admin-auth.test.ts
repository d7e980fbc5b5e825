import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { bearerChallenge, checkBearer, parseAdminToken } from '../../../src/server/admin-auth.js';
import { adminExposureWarning, isLoopbackHost } from '../../../src/server/listen-address.js';

const TOKEN = 'adm-0123456789abcdef-SECRET';
const digest = (s: string) => createHash('sha256').update(s).digest();

describe('admin token file content', () => {
  it('is the text without surrounding whitespace (a Secret or echo adds a newline)', () => {
    assert.equal(parseAdminToken(`${TOKEN}\n`), TOKEN);
    assert.equal(parseAdminToken(`  ${TOKEN}\r\n\t`), TOKEN);
  });

  it('refuses an empty or whitespace-only file', () => {
    assert.throws(() => parseAdminToken(''), /empty/);
    assert.throws(() => parseAdminToken(' \n\t\n'), /empty/);
  });

  it('refuses characters one Bearer header value cannot carry, without quoting the content', () => {
    for (const bad of ['two words', 'tab\tinside', 'caf\u00e9-token', 'nul\u0000x']) {
      assert.throws(() => parseAdminToken(bad), (e: Error) => {
        assert.match(e.message, /visible ASCII/);
        assert.ok(!e.message.includes(bad), e.message);
        return true;
      });
    }
  });
});

describe('Bearer check', () => {
  const expected = digest(TOKEN);

  it('accepts the token, the scheme in any case, surrounding spaces', () => {
    assert.equal(checkBearer(`Bearer ${TOKEN}`, expected), 'ok');
    assert.equal(checkBearer(`bearer ${TOKEN}`, expected), 'ok');
    assert.equal(checkBearer(`BEARER   ${TOKEN}  `, expected), 'ok');
  });

  it('no header, another scheme, an empty token: missing', () => {
    assert.equal(checkBearer(undefined, expected), 'missing');
    assert.equal(checkBearer('', expected), 'missing');
    assert.equal(checkBearer(`Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`, expected), 'missing');
    assert.equal(checkBearer(TOKEN, expected), 'missing');
    assert.equal(checkBearer('Bearer ', expected), 'missing');
    assert.equal(checkBearer('Bearer    ', expected), 'missing');
    assert.equal(checkBearer(`Bearer${TOKEN}`, expected), 'missing');
  });

  it('a wrong token, a prefix, an extension of the token: invalid', () => {
    assert.equal(checkBearer('Bearer nope', expected), 'invalid');
    assert.equal(checkBearer(`Bearer ${TOKEN.slice(0, -1)}`, expected), 'invalid');
    assert.equal(checkBearer(`Bearer ${TOKEN}x`, expected), 'invalid');
    assert.equal(checkBearer(`Bearer ${TOKEN.toLowerCase()}`, expected), 'invalid');
    assert.equal(checkBearer(`Bearer ${TOKEN} ${TOKEN}`, expected), 'invalid');
  });

  it('challenges as RFC 6750 says: the realm, and error="invalid_token" when a token was sent', () => {
    assert.equal(bearerChallenge('missing'), 'Bearer realm="portcullis-admin"');
    assert.equal(bearerChallenge('invalid'), 'Bearer realm="portcullis-admin", error="invalid_token"');
  });
});

describe('admin port exposure warning', () => {
  it('loopback addresses are loopback; wildcards and pod addresses are not', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1']) assert.equal(isLoopbackHost(h), true, h);
    for (const h of ['0.0.0.0', '::', '10.0.0.5', 'portcullis.svc', '128.0.0.1', '::ffff:10.0.0.1', '1127.0.0.1']) assert.equal(isLoopbackHost(h), false, h);
  });

  it('warns for a non-loopback admin address without a token file, naming the risk and the fixes', () => {
    const w = adminExposureWarning('0.0.0.0:9901', false);
    assert.ok(w);
    assert.match(w, /revocations/);
    assert.match(w, /server\.metrics\.address/);
    assert.match(w, /server\.admin\.token_file/);
    assert.ok(adminExposureWarning('[::]:9901', false));
    assert.ok(adminExposureWarning('10.1.2.3:9901', false));
  });

  it('does not warn on loopback, or with a token file', () => {
    assert.equal(adminExposureWarning('127.0.0.1:9901', false), undefined);
    assert.equal(adminExposureWarning('[::1]:9901', false), undefined);
    assert.equal(adminExposureWarning('localhost:9901', false), undefined);
    assert.equal(adminExposureWarning('0.0.0.0:9901', true), undefined);
  });
});
