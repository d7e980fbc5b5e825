import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigLoadError } from '../../../src/config/errors.js';
import { runtimeFrom } from '../helpers.js';

const SECRET = 's3cr3t-hook-token';
const load = async (threat: string): Promise<string> => {
  try {
    await runtimeFrom(`threat:\n${threat}\nroutes:\n  - name: api\n    match: { path: { prefix: / } }\n`);
    return '';
  } catch (e) { assert.ok(e instanceof ConfigLoadError, String(e)); return e.message; }
};

/**
 * Header values fetch() refuses (CR, LF, NUL, beyond Latin-1) used to load, then fail every delivery at run
 * time with undici's "Headers.append: \"<the value>\" is an invalid header value" in the log (the token with it).
 */
describe('webhook sink and feed headers are checked at load', () => {
  it('a header value with CR/LF or NUL is a config error at its JSON path that does not quote the value', async () => {
    for (const bad of [`Bearer ${SECRET}\\nX-Evil: 1`, `Bearer ${SECRET}\\r`, `Bearer ${SECRET}\\u0000`, `Bearer ${SECRET}\\u043a`]) {
      const msg = await load(`  events:\n    sinks:\n      - { type: webhook, url: "http://127.0.0.1:9/hook", headers: { authorization: "${bad}" } }\n`);
      assert.match(msg, /\/threat\/events\/sinks\/0\/headers\/authorization/, `loaded with ${JSON.stringify(bad)}`);
      assert.ok(!msg.includes(SECRET), 'the error quotes the secret');
    }
    const feed = await load(`  feeds:\n    - { name: f, url: "http://127.0.0.1:9/f.txt", format: plain, headers: { authorization: "Bearer ${SECRET}\\nX: 1" } }\n`);
    assert.match(feed, /\/threat\/feeds\/0\/headers\/authorization/);
    assert.ok(!feed.includes(SECRET));
  });

  it('a header name that is not an HTTP token is a config error; ordinary headers load', async () => {
    assert.match(await load('  events:\n    sinks:\n      - { type: webhook, url: "http://127.0.0.1:9/hook", headers: { "bad name": "v" } }\n'), /\/threat\/events\/sinks\/0\/headers/);
    assert.equal(await load(`  events:\n    sinks:\n      - { type: webhook, url: "http://127.0.0.1:9/hook", headers: { authorization: "Bearer ${SECRET}", x-tenant: "acme \\u00e9" } }\n`), '');
  });
});
