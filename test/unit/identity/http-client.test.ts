import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { fetchJson, HttpError } from '../../../src/identity/http-client.js';
import { RemoteJwks } from '../../../src/identity/jwks.js';

const SECRET = 's3cret-Pa55word';

describe('identity HTTP client', () => {
  it('a URL with user:password never puts the password in the error (fetch refuses such URLs and names them)', async () => {
    for (const url of [`http://svc:${SECRET}@127.0.0.1:9/jwks`, `https://${SECRET}@127.0.0.1:9/x`, `http://u:p@${SECRET}@127.0.0.1:9/x`]) {
      await assert.rejects(fetchJson(url, { timeoutMs: 1000, maxBytes: 1024 }), (e: unknown) => {
        assert.ok(e instanceof HttpError);
        assert.ok(!e.message.includes(SECRET), e.message);
        return true;
      });
    }
  });

  it('nor in the JWKS fetcher\'s log line', async () => {
    let logged = '';
    const logger = pino({ level: 'warn' }, new Writable({ write(c, _e, cb) { logged += String(c); cb(); } }));
    const jwks = new RemoteJwks(`http://svc:${SECRET}@127.0.0.1:9/jwks`, {
      timeoutMs: 1000, defaultTtlMs: 60_000, minTtlMs: 1000, maxTtlMs: 60_000, cooldownMs: 1000, maxStaleMs: 60_000, maxBytes: 1024, maxKeys: 10,
    }, 'corp', logger);
    await jwks.refresh().catch(() => undefined);
    jwks.stop();
    assert.ok(logged.includes('JWKS fetch failed'), logged);
    assert.ok(!logged.includes(SECRET), logged);
    assert.ok(!(jwks.lastError ?? '').includes(SECRET));
  });
});
