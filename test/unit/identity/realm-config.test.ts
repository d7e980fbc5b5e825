import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigLoadError } from '../../../src/config/errors.js';
import { parseConfig } from '../../../src/config/loader.js';

/**
 * identity.realm goes into every WWW-Authenticate of a 401 (a denied_response header). Envoy passes a
 * control character there on to the client, which refuses the whole response: a realm must be a
 * field-value's text (no control character, DEL included), a config error otherwise.
 */
function problems(realm: string): string[] {
  try {
    parseConfig(`identity:\n  realm: ${JSON.stringify(realm)}\n`, 'p.yaml', {});
  } catch (err) {
    if (err instanceof ConfigLoadError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  return [];
}

describe('config: identity.realm', () => {
  it('text loads, non-ASCII included', () => {
    assert.deepEqual(problems('shop'), []);
    assert.deepEqual(problems('Café API'), []);
  });
  for (const [what, realm] of [['a control character (ESC)', 'a\u001bb'], ['DEL', 'a\u007fb'], ['a quote', 'a"b']] as const) {
    it(`refuses ${what}, naming /identity/realm`, () => {
      const p = problems(realm);
      assert.ok(p.length > 0, 'a config error');
      assert.ok(p.every((x) => x.startsWith('/identity/realm')), p.join('\n'));
    });
  }
});
