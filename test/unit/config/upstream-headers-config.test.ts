import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigLoadError } from '../../../src/config/errors.js';
import { parseConfig } from '../../../src/config/loader.js';

/**
 * A route's upstream_headers become HeaderValueOptions Envoy sets on the upstream request: a name that is
 * not an HTTP token or a value with a control character other than HTAB (CR, LF, NUL, DEL …) is a config
 * error naming the path, not a header Envoy
 * refuses (or, worse, writes) on every request of the route.
 */
function problems(headers: string): string[] {
  try {
    parseConfig(`routes:\n  - name: r\n    upstream_headers: ${headers}\n`, 'p.yaml', {});
  } catch (err) {
    if (err instanceof ConfigLoadError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  return [];
}

describe('config: route upstream_headers', () => {
  it('a valid name and value load', () => {
    assert.deepEqual(problems('{ x-gateway: portcullis, X-Tenant_Id: "a b; c=d" }'), []);
    assert.deepEqual(problems('{ x-tab: "a\\tb", x-text: "é" }'), [], 'HTAB and non-ASCII text are field-value');
  });

  for (const [what, yaml] of [
    ['a name with a space', '{ "x gateway": v }'],
    ['a name with a colon (a pseudo-header)', '{ ":path": /admin }'],
    ['an empty name', '{ "": v }'],
    ['a value with CR LF (a second header)', '{ x-a: "v\\r\\nx-portcullis-user: admin" }'],
    ['a value with a NUL', '{ x-a: "v\\0" }'],
    // Envoy 1.40 answers 503 "invalid header value" for every request of the route (RFC 9110: no CTL but HTAB)
    ['a value with a control character (SOH)', '{ x-a: "v\\x01" }'],
    ['a value with ESC', '{ x-a: "v\\e[0m" }'],
    ['a value with DEL', '{ x-a: "v\\x7f" }'],
  ] as const) {
    it(`refuses ${what}, naming /routes/0/upstream_headers`, () => {
      const p = problems(yaml);
      assert.ok(p.length > 0, 'a config error');
      assert.ok(p.every((x) => x.startsWith('/routes/0/upstream_headers')), p.join('\n'));
    });
  }
});
