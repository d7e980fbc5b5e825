import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { Logger } from 'pino';
import { WebhookSink } from '../../../src/threat/events/sinks/webhook.js';
import { ThreatFeed } from '../../../src/threat/ip/feeds.js';
import { redactUrl, redactUrls } from '../../../src/threat/url.js';
import { runtimeFrom, silent } from '../helpers.js';

/** A logger that keeps every line it is given, as JSON. */
function recorder(): { logger: Logger; text: () => string } {
  const lines: unknown[] = [];
  const log = (o: unknown, msg?: string) => { lines.push([o, msg]); };
  const logger = { warn: log, info: log, error: log, debug: log, child: () => logger } as unknown as Logger;
  return { logger, text: () => JSON.stringify(lines) };
}

const threatYaml = (threat: string) => `threat:\n${threat}\nroutes:\n  - name: api\n    match: { path: { prefix: / } }\n`;

describe('sink and feed URLs', () => {
  it('are redacted: no user:password@, no query string or fragment', () => {
    assert.equal(redactUrl('https://svc:S3cret@siem.example.net/hook?token=abc#x'), 'https://siem.example.net/hook');
    assert.equal(redactUrl('http://a@b@feeds.example.net:8443/drop.txt'), 'http://feeds.example.net:8443/drop.txt');
    assert.equal(redactUrl('https://feeds.example.net/drop.txt'), 'https://feeds.example.net/drop.txt');
    assert.equal(redactUrls('cannot fetch "https://u:pw@h.example/x?k=SECRET", then http://h2.example/?a=1 failed'),
      'cannot fetch "https://h.example/x", then http://h2.example/ failed');
  });

  it('with credentials are a config error naming the path and pointing to headers; the password is not echoed', async () => {
    const cases: Array<[string, string]> = [
      ['  events: { sinks: [ { type: webhook, url: "https://svc:S3cretPassw0rd@siem.example.net/hook" } ] }', '/threat/events/sinks/0/url'],
      ['  feeds: [ { name: drop, format: plain, url: "https://svc:S3cretPassw0rd@feeds.example.net/drop.txt" } ]', '/threat/feeds/0/url'],
    ];
    for (const [threat, path] of cases) {
      await assert.rejects(runtimeFrom(threatYaml(threat)), (err: Error) => {
        assert.ok(err.message.includes(path), err.message);
        assert.match(err.message, /credentials.*headers/);
        assert.doesNotMatch(err.message, /S3cret/);
        return true;
      });
    }
    await assert.rejects(runtimeFrom(threatYaml('  events: { sinks: [ { type: webhook, url: "https://exa mple.net/" } ] }')), /\/threat\/events\/sinks\/0\/url: is not a valid URL/);
    await runtimeFrom(threatYaml('  feeds: [ { name: drop, format: plain, url: "https://feeds.example.net/drop.txt", headers: { authorization: "Bearer x" } } ]'));
  });

  it('never reach a log line or a feed error with their credentials or query string', async () => {
    const rec = recorder();
    const s = new WebhookSink('siem', { url: 'https://svc:S3cretPassw0rd@siem.example.net/hook?token=T0KEN', headers: {}, format: 'json', batchSize: 10, flushMs: 5, maxQueue: 10, timeoutMs: 500, maxRetries: 0, backoffMs: 1 }, rec.logger);
    s.offer({ time: '', client_ip: '203.0.113.1', route: 'r', family: 'sqli', where: 'q', score: 1, action: 'block', mode: 'enforce', code: 'ERR_THREAT', decision_id: 'd', request_id: 'r', method: 'GET', path: '/', findings: [] });
    await s.flush();
    await s.close();
    const feed = new ThreatFeed({ name: 'drop', source: 'https://svc:S3cretPassw0rd@feeds.example.net/drop.txt?token=T0KEN', format: 'plain', refreshMs: 60_000, timeoutMs: 500, maxBytes: 1024 }, rec.logger);
    await feed.refresh();
    assert.ok(feed.lastError, 'the feed load failed');
    assert.match(rec.text(), /siem\.example\.net\/hook/, 'the error is still logged');
    assert.doesNotMatch(`${rec.text()} ${feed.lastError}`, /S3cret|T0KEN/);
  });

  it('feeds send their configured headers (authentication without credentials in the URL)', async () => {
    let auth: string | undefined;
    const server = createServer((req, res) => { auth = req.headers.authorization; res.end('203.0.113.0/24\n'); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/drop.txt`;
    const feed = new ThreatFeed({ name: 'drop', source: url, format: 'plain', refreshMs: 60_000, timeoutMs: 1000, maxBytes: 1024, headers: { authorization: 'Bearer feed-token' } }, silent);
    await feed.refresh();
    server.close();
    assert.equal(feed.loaded, true, feed.lastError);
    assert.equal(auth, 'Bearer feed-token');
  });
});
