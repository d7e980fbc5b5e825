import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCookies, TokenSources } from '../../../src/identity/token-source.js';
import { ctxOf } from './helpers.js';

describe('token sources', () => {
  const all = new TokenSources([{ header: 'authorization', prefix: 'Bearer ' }, { header: 'x-token' }, { cookie: 'session' }, { query: 'access_token' }]);

  it('reads a bearer token (scheme case-insensitive) and nothing from other schemes', () => {
    assert.deepEqual(all.extract(ctxOf({ headers: { authorization: 'bearer abc' } })), { token: 'abc', where: 'header:authorization', source: 'header:authorization:bearer ', header: 'authorization', queryParam: undefined });
    assert.equal(all.extract(ctxOf({ headers: { authorization: 'Basic dXNlcjpwdw==' } })), undefined);
  });

  it('reads a named header, a cookie and a query parameter', () => {
    assert.equal((all.extract(ctxOf({ headers: { 'x-token': 'h1' } })) as any).token, 'h1');
    assert.equal((all.extract(ctxOf({ headers: { cookie: 'a=1; session=c1; b=2' } })) as any).token, 'c1');
    const q = all.extract(ctxOf({ path: '/p?x=1&access_token=q1' })) as any;
    assert.equal(q.token, 'q1');
    assert.equal(q.queryParam, 'access_token');
  });

  it('rejects a token present in two places, a repeated query parameter, a repeated cookie', () => {
    assert.equal(all.extract(ctxOf({ path: '/?access_token=a', headers: { authorization: 'Bearer a' } })), 'ambiguous');
    assert.equal(all.extract(ctxOf({ headers: { 'x-token': 'a', cookie: 'session=a' } })), 'ambiguous');
    assert.equal(all.extract(ctxOf({ path: '/?access_token=a&access_token=b' })), 'ambiguous');
    assert.equal(all.extract(ctxOf({ headers: { cookie: 'session=a; session=b' } })), 'ambiguous');
  });

  it('one header value that two prefixes of that header match is one token, read with the longer prefix (not ambiguous)', () => {
    // two issuers read the same header: one with the Bearer scheme, one with the raw value (or a shorter prefix)
    const two = new TokenSources([{ header: 'authorization' }, { header: 'authorization', prefix: 'Bearer ' }, { header: 'x-t', prefix: 'AAA' }, { header: 'x-t', prefix: 'AAABBB' }]);
    assert.deepEqual(two.extract(ctxOf({ headers: { authorization: 'Bearer abc' } })), { token: 'abc', where: 'header:authorization', source: 'header:authorization:bearer ', header: 'authorization', queryParam: undefined });
    assert.equal((two.extract(ctxOf({ headers: { authorization: 'abc.def.ghi' } })) as any).source, 'header:authorization:');
    assert.equal((two.extract(ctxOf({ headers: { 'x-t': 'AAABBBtok' } })) as any).token, 'tok');
    assert.equal((two.extract(ctxOf({ headers: { 'x-t': 'AAAtok' } })) as any).token, 'tok');
    // two different headers are still two places
    assert.equal(two.extract(ctxOf({ headers: { authorization: 'Bearer a', 'x-t': 'AAAa' } })), 'ambiguous');
  });

  it('finds nothing when no source has a token', () => {
    assert.equal(all.extract(ctxOf({ path: '/?other=1', headers: { cookie: 'x=1' } })), undefined);
  });

  it('parses cookies with quoted values and ignores junk', () => {
    const c = parseCookies('a="q v"; ; =x; b=2');
    assert.deepEqual(c.get('a'), ['q v']);
    assert.deepEqual(c.get('b'), ['2']);
    assert.equal(c.size, 2);
  });
});
