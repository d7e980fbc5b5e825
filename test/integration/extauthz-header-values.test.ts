import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildBundle } from '../../src/policy/cli/build.js';
import { REPO } from './harness/portcullis.js';
import { startStack, type Stack } from './harness/stack.js';

/**
 * What Envoy 1.40 does with a header value holding a control character (other than HTAB) in a CheckResponse:
 * for the upstream request it answers 503 "invalid header value" itself; in a response header (allowed or
 * denied) it passes the byte on, and the client refuses the whole response. A policy result with such a
 * value is an evaluation error in Portcullis (403 ERR_POLICY), as one with CR or LF is.
 */
describe('header values Envoy refuses never reach it (policy results)', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({
      config: ({ dir }) => {
        const r = buildBundle({ src: join(REPO, 'test', 'fixtures', 'policy', 'header-ctl'), out: join(dir, 'ctl.tar.gz'), entrypoints: ['ctl/decision'] });
        assert.ok(r.ok, r.output);
        return 'policy:\n  bundles:\n    ctl: { file: ctl.tar.gz }\nroutes:\n  - { name: all, policy: { bundle: ctl, entrypoint: ctl/decision } }\n';
      },
    });
  });
  after(async () => { await stack?.stop(); });

  it('a value with HTAB and non-ASCII text is a valid field value: forwarded upstream', async () => {
    const r = await stack.request({ path: '/fine' });
    assert.equal(r.status, 200, r.body);
    assert.equal(Buffer.from(r.json().headers['x-ok'], 'latin1').toString('utf8'), 'plain\tvalue é');
  });

  for (const path of ['/upstream', '/response', '/denied']) {
    it(`${path}: a value with a control character is ERR_POLICY from Portcullis, not Envoy's 503 or a malformed response`, async () => {
      const r = await stack.request({ path });
      assert.equal(r.status, 403, r.body);
      assert.equal(r.json().error, 'ERR_POLICY');
      assert.ok(r.headers['x-portcullis-decision-id']);
      assert.equal(r.headers['x-ctl'], undefined);
    });
  }
});

/**
 * Query parameter mutations (OPA-Envoy's query_parameters_to_set / _to_remove) as Envoy 1.40 applies them:
 * the README's statements, proven through a real Envoy.
 */
describe('query parameter mutations through a real Envoy', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({
      config: ({ dir }) => {
        const r = buildBundle({ src: join(REPO, 'test', 'fixtures', 'policy', 'query-envoy'), out: join(dir, 'q.tar.gz'), entrypoints: ['query/decision'] });
        assert.ok(r.ok, r.output);
        return 'policy:\n  bundles:\n    q: { file: q.tar.gz }\nroutes:\n  - { name: all, policy: { bundle: q, entrypoint: query/decision } }\n';
      },
    });
  });
  after(async () => { await stack?.stop(); });

  it('a set replaces every client copy, a list keeps its last value, a removal matches the name as spelled, values go as given', async () => {
    const r = await stack.request({ path: '/x?page=1&page=9&keep=1&debug=1&d%65bug=2&tag=z', headers: { 'x-case': 'set' } });
    assert.equal(r.status, 200, r.body);
    const seen = new URL(`http://h${r.json().path}`);
    assert.deepEqual(seen.searchParams.getAll('page'), ['2']);
    assert.deepEqual(seen.searchParams.getAll('tag'), ['b']);
    assert.deepEqual(seen.searchParams.getAll('keep'), ['1']);
    assert.ok(!/[?&]debug=/.test(seen.search), seen.search);
    assert.ok(seen.search.includes('d%65bug=2'), `another spelling of the name stays: ${seen.search}`);
    assert.ok(seen.search.includes('q=x%20y'), `an encoded value is not encoded again: ${seen.search}`);
  });

  it('an unencoded space in a value: Envoy refuses the request itself (400), nothing reaches the upstream', async () => {
    const before = stack.upstream.seen.length;
    const r = await stack.request({ path: '/x?q=1', headers: { 'x-case': 'space' } });
    assert.equal(r.status, 400);
    assert.equal(stack.upstream.seen.length, before);
  });
});
