import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildBundle } from '../../src/policy/cli/build.js';
import { REPO } from './harness/portcullis.js';
import { startStack, type Stack } from './harness/stack.js';

/**
 * A header name with several values (a policy's header lists, SAML's two cookies) reaches the client and
 * the upstream as separate header lines through a real Envoy: two `Set-Cookie` folded into one line would
 * lose the second cookie in every browser.
 */

const values = (raw: Array<[string, string]>, name: string): string[] => raw.filter(([k]) => k === name).map(([, v]) => v);

describe('repeated header names through a real Envoy', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({
      config: ({ dir }) => {
        const r = buildBundle({ src: join(REPO, 'test', 'fixtures', 'policy', 'multi-header'), out: join(dir, 'multi.tar.gz'), entrypoints: ['multi/decision'] });
        assert.ok(r.ok, r.output);
        return 'policy:\n  bundles:\n    multi: { file: multi.tar.gz }\nroutes:\n  - { name: all, policy: { bundle: multi, entrypoint: multi/decision } }\n';
      },
    });
  });
  after(async () => { await stack?.stop(); });

  it('a denied response carries both Set-Cookie lines', async () => {
    const r = await stack.request({ path: '/nope' });
    assert.equal(r.status, 401);
    assert.equal(r.body, 'denied');
    assert.deepEqual(values(r.rawHeaders, 'set-cookie'), ['a=1; Path=/; HttpOnly', 'b=2; Path=/; HttpOnly']);
    assert.deepEqual(values(r.rawHeaders, 'x-why'), ['no']);
    assert.match(r.headers['content-type']!, /^text\/plain/, 'a text body keeps Envoy\'s label');
  });

  it('a policy\'s JSON body without a content-type is labelled application/json', async () => {
    const r = await stack.request({ path: '/json' });
    assert.equal(r.status, 403);
    assert.deepEqual(values(r.rawHeaders, 'content-type'), ['application/json']);
    assert.deepEqual(r.json().why, ['a', 'b']);
  });

  it('a policy deny that names its content-type but no body has that one content-type line only', async () => {
    const r = await stack.request({ path: '/typed' });
    assert.equal(r.status, 403);
    assert.deepEqual(values(r.rawHeaders, 'content-type'), ['text/html; charset=utf-8']);
  });

  it('an allowed response carries both Set-Cookie lines; the upstream gets both values and never the client\'s own', async () => {
    const r = await stack.request({ path: '/ok', headers: { 'x-multi': 'spoofed' } });
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(values(r.rawHeaders, 'set-cookie'), ['c=3; Path=/', 'd=4; Path=/']);
    const raw: string[] = r.json().rawHeaders;
    const upstream: string[] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === 'x-multi') upstream.push(raw[i + 1]!);
    assert.deepEqual(upstream.join(',').split(',').map((s) => s.trim()), ['one', 'two']);
  });
});
