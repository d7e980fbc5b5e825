import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fetchFollowing, RedirectRefused } from '../../../src/common/fetch-redirects.js';

/** A loopback server that redirects per path and records the headers each request carried. */
async function server(routes: (path: string, self: string) => { status: number; location?: string; body?: string }) {
  const seen: Array<{ path: string; headers: IncomingHttpHeaders }> = [];
  const s: Server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    const r = routes(req.url ?? '', url);
    res.writeHead(r.status, r.location ? { location: r.location } : {}).end(r.body ?? '');
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); }) };
}

const CREDS = { authorization: 'Bearer secret-token', 'x-api-key': 'secret-key' };

describe('fetchFollowing: redirects never carry the configured headers to another origin', () => {
  let other: Awaited<ReturnType<typeof server>>;
  let home: Awaited<ReturnType<typeof server>>;
  before(async () => {
    other = await server(() => ({ status: 200, body: 'elsewhere' }));
    home = await server((p, self) => {
      if (p === '/same') return { status: 302, location: '/final' };
      if (p === '/final') return { status: 200, body: 'home' };
      if (p === '/away') return { status: 307, location: `${other.url}/b.tar.gz` };
      if (p === '/back') return { status: 301, location: `${other.url}/x` };
      if (p === '/loop') return { status: 302, location: `${self}/loop` };
      if (p === '/file') return { status: 302, location: 'file:///etc/passwd' };
      if (p === '/none') return { status: 302 };
      return { status: 404 };
    });
  });
  after(async () => { await other.close(); await home.close(); });

  it('same origin: the configured and the conditional headers go along', async () => {
    const res = await fetchFollowing(`${home.url}/same`, { headers: CREDS, conditional: { 'if-none-match': '"e1"' } });
    assert.equal(await res.text(), 'home');
    const last = home.seen.at(-1)!;
    assert.equal(last.path, '/final');
    assert.equal(last.headers.authorization, 'Bearer secret-token');
    assert.equal(last.headers['x-api-key'], 'secret-key');
    assert.equal(last.headers['if-none-match'], '"e1"');
  });

  it('another origin: every configured header is dropped (fetch itself would send x-api-key on); conditional ones stay', async () => {
    const res = await fetchFollowing(`${home.url}/away`, { headers: CREDS, conditional: { accept: 'application/gzip' } });
    assert.equal(await res.text(), 'elsewhere');
    const there = other.seen.at(-1)!;
    assert.equal(there.headers.authorization, undefined);
    assert.equal(there.headers['x-api-key'], undefined);
    assert.equal(there.headers.accept, 'application/gzip');
    // control: fetch's own redirect handling forwards the API key header
    await (await fetch(`${home.url}/away`, { headers: CREDS, redirect: 'follow' })).text();
    assert.equal(other.seen.at(-1)!.headers['x-api-key'], 'secret-key');
  });

  it('refuses redirect loops, non-http schemes and a Location-less redirect', async () => {
    await assert.rejects(fetchFollowing(`${home.url}/loop`, { headers: {} }), (e: unknown) => e instanceof RedirectRefused && /more than 5 redirects/.test((e as Error).message));
    await assert.rejects(fetchFollowing(`${home.url}/file`, { headers: {} }), (e: unknown) => e instanceof RedirectRefused && /file:/.test((e as Error).message));
    await assert.rejects(fetchFollowing(`${home.url}/none`, { headers: {} }), RedirectRefused);
  });

  it('other statuses are answered as they are', async () => {
    assert.equal((await fetchFollowing(`${home.url}/missing`, { headers: CREDS })).status, 404);
  });
});
