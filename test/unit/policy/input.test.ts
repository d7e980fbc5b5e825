import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BodyParseError, parseBody } from '../../../src/policy/input/body.js';
import { buildInput, parsedPath } from '../../../src/policy/input/build-input.js';
import { timestampJson } from '../../../src/policy/input/envoy-attributes.js';
import { ctxFor } from './helpers.js';

const opts = { parseBody: true };

describe('the input document (OPA-Envoy shape)', () => {
  it('attributes are the CheckRequest in protojson form', () => {
    const ctx = ctxFor({
      method: 'POST', path: '/api/v1/items?q=1', headers: { 'content-type': 'application/json', 'x-a': 'b' }, body: '{"name":"x"}',
      principal: 'spiffe://cluster/ns/a/sa/b', contextExtensions: { tenant: 'acme' },
      mutate: (r) => {
        r.attributes.request.time = { seconds: 1715767200, nanos: 5_000_000 };
        r.attributes.metadata_context = { filter_metadata: { 'envoy.filters.http.jwt_authn': { fields: { sub: { string_value: 'alice', kind: 'string_value' } } } } };
        r.attributes.tls_session = { sni: 'api.example.com' };
        r.attributes.source.address.address = 'socket_address';
      },
    });
    const input = buildInput(ctx, opts) as any;
    const a = input.attributes;
    assert.deepEqual(a.source, { address: { socketAddress: { address: '192.0.2.10', portValue: 40000 } }, principal: 'spiffe://cluster/ns/a/sa/b' });
    assert.deepEqual(a.destination, { address: { socketAddress: { address: '127.0.0.1', portValue: 10000 } } });
    assert.equal(a.request.time, '2024-05-15T10:00:00.005Z');
    const http = a.request.http;
    assert.equal(http.method, 'POST');
    assert.equal(http.path, '/api/v1/items?q=1', 'the full :path, as Envoy sends it');
    assert.equal(http.host, 'api.example.com');
    assert.equal(http.headers['x-a'], 'b');
    assert.equal(http.headers[':authority'], 'api.example.com');
    assert.equal(http.id, 'envoy-id');
    assert.equal(http.size, '12', 'int64 is a string in protojson');
    assert.equal(http.rawBody, Buffer.from('{"name":"x"}').toString('base64'));
    assert.equal(http.body, '{"name":"x"}');
    assert.deepEqual(a.contextExtensions, { tenant: 'acme' });
    assert.deepEqual(a.metadataContext, { filterMetadata: { 'envoy.filters.http.jwt_authn': { sub: 'alice' } } });
    assert.deepEqual(a.tlsSession, { sni: 'api.example.com' });
    assert.deepEqual(input.version, { encoding: 'protojson', ext_authz: 'v3' });
    assert.deepEqual(input.parsed_body, { name: 'x' });
    assert.equal(input.truncated_body, false);
    assert.deepEqual(input.parsed_path, ['api', 'v1', 'items']);
  });

  it('empty fields are omitted; a binary body is only in rawBody', () => {
    const input = buildInput(ctxFor({ body: Buffer.from([0xff, 0xfe, 0x00]), mutate: (r) => { delete r.attributes.destination; r.attributes.context_extensions = {}; } }), opts) as any;
    assert.equal('destination' in input.attributes, false);
    assert.equal('contextExtensions' in input.attributes, false);
    assert.equal(input.attributes.request.http.body, undefined);
    assert.equal(input.attributes.request.http.rawBody, '//4A');
    assert.equal(input.parsed_body, null);
  });

  it('parsed_path is decoded and split like OPA-Envoy; parsed_query keeps every value', () => {
    assert.deepEqual(parsedPath('/a%20b/c%2Fd//e'), ['a b', 'c', 'd', '', 'e']);
    assert.deepEqual(parsedPath('/'), ['']);
    assert.deepEqual(parsedPath('/bad%zzescape'), ['bad%zzescape']);
    const input = buildInput(ctxFor({ path: '/x?a=1&a=2&b=x+y&__proto__=p' }), opts) as any;
    assert.deepEqual(input.parsed_query.a, ['1', '2']);
    assert.deepEqual(input.parsed_query.b, ['x y']);
    assert.deepEqual(input.parsed_query.__proto__, ['p'], '__proto__ is an ordinary key');
    assert.equal(({} as any).polluted, undefined);
  });

  it('input.portcullis carries identity, risk, limits, route and ids', () => {
    const ctx = ctxFor();
    ctx.route = 'api';
    ctx.identity = { kind: 'jwt', subject: 'alice', roles: ['reader'], claims: { amr: ['mfa'] }, issuer: 'https://idp' };
    ctx.risk = { score: 0.42, findings: [{ family: 'sqli', where: 'query.q', confidence: 0.9 }] };
    ctx.limits = [{ name: 'per-ip', limit: 10, remaining: 3, resetMs: 500, overLimit: false }];
    const p = (buildInput(ctx, opts) as any).portcullis;
    assert.equal(p.route, 'api');
    assert.equal(p.decision_id, ctx.decisionId);
    assert.deepEqual(p.identity, { kind: 'jwt', subject: 'alice', issuer: 'https://idp', roles: ['reader'], claims: { amr: ['mfa'] }, plan: undefined });
    assert.deepEqual(p.risk.findings[0].family, 'sqli');
    assert.deepEqual(p.limits, [{ name: 'per-ip', limit: 10, remaining: 3, reset_ms: 500, over_limit: false }]);
    assert.deepEqual(p.client, { ip: '192.0.2.10' });
    const anon = (buildInput(ctxFor(), opts) as any).portcullis;
    assert.equal(JSON.parse(JSON.stringify(anon)).identity, undefined, 'no identity: the key is absent in the JSON the policy sees');
  });

  it('an anonymous identity (allow_anonymous, identity failing open) is no identity: input.portcullis.identity is absent', () => {
    const ctx = ctxFor();
    ctx.identity = { kind: 'anonymous', subject: '', roles: [], claims: {} };
    const p = JSON.parse(JSON.stringify((buildInput(ctx, opts) as any).portcullis));
    assert.equal('identity' in p, false, 'a policy\'s `not input.portcullis.identity` must hold for an anonymous caller');
  });

  it('parse_body off leaves parsed_body and truncated_body out (OPA-Envoy skip-request-body-parse)', () => {
    const input = buildInput(ctxFor({ headers: { 'content-type': 'application/json' }, body: '{' }), { parseBody: false }) as any;
    assert.equal('parsed_body' in input, false);
    assert.equal('truncated_body' in input, false);
  });

  it('timestamps use protojson\'s 0/3/6/9 fraction digits', () => {
    assert.equal(timestampJson({ seconds: 0, nanos: 0 }), '1970-01-01T00:00:00Z');
    assert.equal(timestampJson({ seconds: 1, nanos: 1000 }), '1970-01-01T00:00:01.000001Z');
    assert.equal(timestampJson({ seconds: 1, nanos: 1 }), '1970-01-01T00:00:01.000000001Z');
  });
});

describe('parsed_body', () => {
  const b = (s: string) => Buffer.from(s);
  it('JSON, forms and multipart forms are parsed; other types are not', () => {
    assert.deepEqual(parseBody('application/json; charset=utf-8', b('[1,"a"]'), false), { parsed: [1, 'a'], truncated: false });
    assert.deepEqual(parseBody('application/x-www-form-urlencoded', b('a=1&a=2&b=x%20y'), false).parsed, Object.assign(Object.create(null), { a: ['1', '2'], b: ['x y'] }));
    const mp = '--XX\r\nContent-Disposition: form-data; name="f"\r\n\r\nbar\r\n--XX\r\nContent-Disposition: form-data; name="j"\r\nContent-Type: application/json\r\n\r\n{"k":1}\r\n--XX--\r\n';
    assert.deepEqual({ ...(parseBody('multipart/form-data; boundary=XX', b(mp), false).parsed as object) }, { f: ['bar'], j: [{ k: 1 }] });
    assert.deepEqual(parseBody('text/plain', b('hello'), false), { parsed: undefined, truncated: false });
    assert.deepEqual(parseBody(undefined, b('{}'), false), { parsed: undefined, truncated: false });
  });

  it('a truncated body is flagged and not parsed; an empty body is nothing', () => {
    assert.deepEqual(parseBody('application/json', b('{"a":'), true), { parsed: undefined, truncated: true });
    assert.deepEqual(parseBody('application/json', b(''), false), { parsed: undefined, truncated: false });
    const ctx = ctxFor({ headers: { 'content-type': 'application/json', 'content-length': '1000' }, body: '{"a":' });
    assert.equal((buildInput(ctx, opts) as any).truncated_body, true);
  });

  it('a body that claims JSON but is not is an error (OPA-Envoy answers 400)', () => {
    assert.throws(() => parseBody('application/json', b('{"a": nope}'), false), BodyParseError);
    assert.throws(() => parseBody('application/json', b('['.repeat(200_000)), false), BodyParseError);
  });

  it('the error never quotes the body (V8 quotes it: a password posted as a form to a JSON route)', () => {
    for (const body of ['password=Hunter2secret', 'sk_live_51HxYzSECRET', '{"token": Hunter2secret}']) {
      assert.throws(() => parseBody('application/json', b(body), false), (e: unknown) => {
        assert.ok(e instanceof BodyParseError);
        assert.doesNotMatch((e as Error).message, /Hunter2|SECRET|password/i);
        assert.match((e as Error).message, /^request body is not valid JSON/);
        return true;
      });
    }
  });
});
