import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import { forwardedHeader, forwardedHeaders, isOwned } from '../../../src/pipeline/owned-headers.js';
import type { OwnedHeaders } from '../../../src/pipeline/respond.js';
import { checkRequest } from '../helpers.js';

const owned: OwnedHeaders = { prefixes: ['x-portcullis-'], names: new Set(['x-user-id', 'x-user-roles']) };
const ctxWith = (headers: Record<string, string>) => buildContext(checkRequest({ headers }), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });

describe('owned headers as the upstream will receive them', () => {
  it('owned: the configured names and every name under a prefix; others are not', () => {
    assert.equal(isOwned(owned, 'x-user-id'), true);
    assert.equal(isOwned(owned, 'x-portcullis-risk-score'), true);
    assert.equal(isOwned(owned, 'x-user'), false);
    assert.equal(isOwned(owned, 'authorization'), false);
  });

  it('no owned header sent and none set: the request\'s own header map, not a copy', () => {
    const ctx = ctxWith({ accept: '*/*', 'x-other': '1' });
    assert.equal(forwardedHeaders(ctx, owned), ctx.headers);
  });

  it('a client copy of an owned header is gone; the other headers stay; ctx.headers is not changed', () => {
    const ctx = ctxWith({ accept: '*/*', 'x-user-id': 'admin', 'x-portcullis-subject': 'root' });
    const h = forwardedHeaders(ctx, owned);
    assert.notEqual(h, ctx.headers);
    assert.equal(h['x-user-id'], undefined);
    assert.equal(h['x-portcullis-subject'], undefined);
    assert.equal(h.accept, '*/*');
    assert.equal(h[':authority'], 'api.example.com');
    assert.equal(ctx.headers['x-user-id'], 'admin');
  });

  it('an owned header a stage set shows its value (several values joined with ","), over the client\'s', () => {
    const ctx = ctxWith({ 'x-user-id': 'admin' });
    ctx.upstreamHeaders.push(['x-user-id', 'bob'], ['X-User-Roles', 'a'], ['x-user-roles', 'b'], ['x-portcullis-decision-id', 'forged']);
    const h = forwardedHeaders(ctx, owned);
    assert.equal(h['x-user-id'], 'bob');
    assert.equal(h['x-user-roles'], 'a,b');
    assert.equal(h['x-portcullis-decision-id'], undefined, 'the decision id is Portcullis\'s, not a stage\'s');
    assert.equal(forwardedHeader(ctx, owned, 'x-user-id'), 'bob');
    assert.equal(forwardedHeader(ctx, owned, 'x-user-roles'), 'a,b');
  });

  it('an owned header set by a stage when the client sent no owned header is shown too (a copy is made)', () => {
    const ctx = ctxWith({ accept: '*/*' });
    ctx.upstreamHeaders.push(['x-user-id', 'bob']);
    const h = forwardedHeaders(ctx, owned);
    assert.equal(h['x-user-id'], 'bob');
    assert.equal(h.accept, '*/*');
    assert.equal(ctx.headers['x-user-id'], undefined);
  });

  it('one header: the client\'s value when not owned; for an owned one, only what a stage set', () => {
    const ctx = ctxWith({ 'x-tenant': 't1', 'x-user-id': 'admin' });
    assert.equal(forwardedHeader(ctx, owned, 'x-tenant'), 't1');
    assert.equal(forwardedHeader(ctx, owned, 'x-user-id'), undefined);
  });
});
