import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BundleTarget } from '../../../src/policy/bundle-target.js';
import type { LoadedBundle } from '../../../src/policy/bundle/load.js';
import { RedisHashDataSource } from '../../../src/policy/data/redis-data.js';
import { FileDataSource } from '../../../src/policy/data/file-data.js';
import { readArchive } from '../../../src/policy/bundle/archive.js';
import { applyOverlays } from '../../../src/policy/data/overlay.js';
import { docValue } from '../../../src/policy/data/data-doc.js';
import { FileBundleSource } from '../../../src/policy/sources/file-source.js';
import { HttpBundleSource, nextDelayMs } from '../../../src/policy/sources/http-source.js';
import { DEFAULT_MEMORY } from '../../../src/policy/wasm/engine.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { silent } from '../helpers.js';
import { allowlistTarget } from './allowlist-target.js';
import { metricValue, opaBuild, simpleBundle, until } from './helpers.js';

const v1 = () => simpleBundle('sw', 'default allow := false\n\nallow if input.v == 1', undefined, 'rev-1');
const v2 = () => simpleBundle('sw', 'default allow := false\n\nallow if input.v == 2', undefined, 'rev-2');
const other = () => simpleBundle('elsewhere', 'default allow := true', undefined, 'rev-x');

describe('file bundle source and the engine swap', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'portcullis-src-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a watched file is swapped in after an atomic replace; garbage keeps the last good policy', async () => {
    const file = join(dir, 'b.tar.gz');
    writeFileSync(file, v1());
    const src = new FileBundleSource('k1', 'sw', file, false, {}, silent).retain();
    src.seed(await src.loadNow());
    const target = new BundleTarget('sw', src, [], DEFAULT_MEMORY, silent);
    await target.init();
    src.start();
    try {
      assert.equal(target.active!.revision, 'rev-1');
      assert.equal(target.active!.engine.evaluate('sw/allow', { v: 1 }), true);
      const first = target.active!.engine;

      writeFileSync(`${file}.new`, v2());
      renameSync(`${file}.new`, file);
      await until(() => target.active?.revision === 'rev-2', 'rev-2');
      assert.equal(target.active!.engine.evaluate('sw/allow', { v: 2 }), true);
      assert.equal(first.evaluate('sw/allow', { v: 1 }), true, 'the old engine still answers for checks in flight');

      const failures = await metricValue('portcullis_policy_bundle_failures_total', { bundle: 'sw', reason: 'tar' });
      writeFileSync(file, 'this is not a bundle');
      await until(() => src.status.failures >= 1, 'the failure');
      assert.equal(target.active!.revision, 'rev-2', 'last good kept');
      assert.ok(await metricValue('portcullis_policy_bundle_failures_total', { bundle: 'sw', reason: 'tar' }) > failures);
      assert.match(src.status.lastError!, /tar/);
    } finally {
      target.close();
      await src.release();
    }
  });

  it('a new bundle that lacks an entrypoint a route uses is refused; the current policy stays', async () => {
    const file = join(dir, 'c.tar.gz');
    writeFileSync(file, v1());
    const src = new FileBundleSource('k2', 'sw', file, false, {}, silent).retain();
    src.seed(await src.loadNow());
    const target = new BundleTarget('sw', src, [], DEFAULT_MEMORY, silent);
    await target.init();
    target.requiredEntrypoints.add('sw/allow');
    try {
      writeFileSync(file, other());
      await src.reload('test');
      await target.settled();
      assert.equal(target.active!.revision, 'rev-1');
      assert.match(target.lastError!, /lacks entrypoint\(s\) used by routes: sw\/allow/);
    } finally {
      target.close();
      await src.release();
    }
  });
});

describe('a refused bundle does not hold back data updates', () => {
  it('new data is laid over the bundle the target serves while the source\'s latest is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-refused-'));
    try {
      const lacking = opaBuild({ files: { 'rf/q.rego': 'package rf\n\ndefault other := true\n' }, entrypoints: ['rf/other'], revision: 'lacking' });
      const { src, data, target, file } = await allowlistTarget(dir, 'rf', { dataFile: 'allow.json', dataText: '["10.0.0.1"]', revision: 'good' });
      await target.init();
      target.requiredEntrypoints.add('rf/allow');
      data.start();
      try {
        writeFileSync(join(dir, 'b.tar.gz'), lacking);
        await src.reload('test');
        await target.settled();
        assert.equal(target.active!.revision, 'good', 'the bundle without rf/allow is refused');
        writeFileSync(file, '["10.0.0.2"]');
        await until(() => target.active!.engine.evaluate('rf/allow', { ip: '10.0.0.2' }) === true, 'the new data on the good bundle');
        assert.equal(target.active!.revision, 'good');
        assert.equal(target.active!.engine.evaluate('rf/allow', { ip: '10.0.0.1' }), false);
      } finally {
        target.close();
        await data.release();
        await src.release();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('directory bundles and data files, watched', () => {
  it('an extracted bundle directory: a changed data.json is swapped in; a broken one keeps the last good', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-dirsrc-'));
    const bdir = join(dir, 'bundle');
    try {
      const files = await readArchive(opaBuild({ files: { 'dd/p.rego': 'package dd\n\ndefault allow := false\n\nallow if input.user in data.dd.users\n', 'data.json': '{"dd": {"users": ["alice"]}}' }, entrypoints: ['dd/allow'], revision: 'dir-1' }));
      for (const [name, content] of files) {
        mkdirSync(join(bdir, name, '..'), { recursive: true });
        writeFileSync(join(bdir, name), content);
      }
      const src = new FileBundleSource('kd', 'dd', bdir, true, {}, silent).retain();
      src.seed(await src.loadNow());
      const target = new BundleTarget('dd', src, [], DEFAULT_MEMORY, silent);
      await target.init();
      src.start();
      try {
        assert.equal(target.active!.engine.evaluate('dd/allow', { user: 'bob' }), false);
        writeFileSync(join(bdir, 'data.json'), '{"dd": {"users": ["alice", "bob"]}}');
        await until(() => target.active!.engine.evaluate('dd/allow', { user: 'bob' }) === true, 'the new data.json');
        writeFileSync(join(bdir, 'data.json'), '{"dd": ');
        await until(() => src.status.failures > 0, 'the failure');
        assert.equal(target.active!.engine.evaluate('dd/allow', { user: 'bob' }), true, 'last good kept');
      } finally {
        target.close();
        await src.release();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a watched data file (JSON or YAML) is applied live; an unparsable edit keeps the last good document', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-datafile-'));
    try {
      const { src, data, target, file } = await allowlistTarget(dir, 'df', { dataFile: 'allow.yaml', dataText: '- 10.0.0.1\n' });
      await target.init();
      data.start();
      try {
        assert.equal(target.active!.engine.evaluate('df/allow', { ip: '10.0.0.1' }), true);
        writeFileSync(file, '- 10.0.0.2\n');
        await until(() => target.active!.engine.evaluate('df/allow', { ip: '10.0.0.2' }) === true, 'the edited list');
        assert.equal(target.active!.engine.evaluate('df/allow', { ip: '10.0.0.1' }), false);
        writeFileSync(file, '- [unclosed\n');
        await until(() => data.status.failures > 0, 'the failure');
        assert.equal(target.active!.engine.evaluate('df/allow', { ip: '10.0.0.2' }), true, 'last good kept');
      } finally {
        target.close();
        await data.release();
        await src.release();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('HTTP bundle source (OPA bundle protocol)', () => {
  let server: Server;
  let base: string;
  let handler: (req: IncomingMessage, res: ServerResponse) => void = () => undefined;
  const seen: Array<{ inm?: string; auth?: string }> = [];
  before(async () => {
    server = createServer((req, res) => { seen.push({ inm: req.headers['if-none-match'] as string | undefined, auth: req.headers.authorization }); handler(req, res); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => { await new Promise((r) => server.close(r)); });

  const opts = (url: string) => ({ url, headers: { authorization: 'Bearer t0k' }, minDelayMs: 60_000, maxDelayMs: 60_000, timeoutMs: 2000, maxBytes: 1024 * 1024 });

  it('sends If-None-Match, treats 304 as unchanged, and keeps the last good bundle on 500, garbage and timeouts', async () => {
    let body = v1();
    let status = 200;
    const etag = () => `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
    handler = (req, res) => {
      if (status === 200 && req.headers['if-none-match'] === etag()) { res.writeHead(304).end(); return; }
      if (status === 0) return; // hang: the client times out
      res.writeHead(status, { etag: etag(), 'content-type': 'application/gzip' }).end(status === 200 ? body : 'oops');
    };
    const src = new HttpBundleSource('h1', 'remote', opts(`${base}/bundles/remote`), {}, silent).retain();
    const target = new BundleTarget('remote', src, [], DEFAULT_MEMORY, silent);
    await target.init();
    try {
      assert.equal(target.active, undefined, 'nothing until the first download');
      await src.poll();
      await target.settled();
      assert.equal(target.active!.revision, 'rev-1');
      assert.equal(seen.at(-1)!.auth, 'Bearer t0k');

      await src.poll();
      assert.equal(seen.at(-1)!.inm, etag());
      assert.equal(src.status.failures, 0);

      status = 500;
      body = v2();
      await src.poll();
      assert.equal(src.status.failures, 1);
      assert.match(src.status.lastError!, /HTTP 500/);

      status = 200;
      body = Buffer.from('<html>surprise</html>');
      await src.poll();
      assert.equal(src.status.failures, 2);
      await src.poll();
      assert.notEqual(seen.at(-1)!.inm, etag(), 'the ETag of a rejected bundle is not remembered');
      assert.equal(src.status.failures, 3);

      status = 0;
      const slow = new HttpBundleSource('h2', 'remote', { ...opts(`${base}/bundles/remote`), timeoutMs: 200 }, {}, silent).retain();
      await slow.poll();
      assert.equal(slow.status.failures, 1);
      assert.match(slow.status.lastError!, /reach|abort/i);
      await slow.release();

      await target.settled();
      assert.equal(target.active!.revision, 'rev-1', 'last good kept through every failure');
      status = 200;
      body = v2();
      await src.poll();
      await target.settled();
      assert.equal(target.active!.revision, 'rev-2');
    } finally {
      target.close();
      await src.release();
    }
  });

  it('with signing configured, an unsigned or wrongly signed bundle from the server is refused', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const evil = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const files = { 's/p.rego': 'package s\n\ndefault allow := true\n' };
    const good = opaBuild({ files, entrypoints: ['s/allow'], revision: 'signed', signingKey: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() });
    const forged = opaBuild({ files, entrypoints: ['s/allow'], revision: 'forged', signingKey: evil.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() });
    let body = forged;
    handler = (_req, res) => res.writeHead(200).end(body);
    const signing = { keys: new Map([['default', { algorithm: 'RS256', key: rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString() }]]) };
    const src = new HttpBundleSource('h3', 'signed', opts(`${base}/b`), { signing }, silent).retain();
    try {
      await src.poll();
      assert.equal(src.latest, undefined);
      assert.match(src.status.lastError!, /signature is invalid/);
      body = good;
      await src.poll();
      assert.equal((src.latest as LoadedBundle | undefined)?.bundle.revision, 'signed');
    } finally {
      await src.release();
    }
  });

  it('poll delays are jittered within [min, max]; failures back off exponentially up to max', () => {
    const o = { minDelayMs: 1000, maxDelayMs: 5000 };
    assert.equal(nextDelayMs(o, 0, () => 0), 1000);
    assert.equal(nextDelayMs(o, 0, () => 1), 5000);
    assert.equal(nextDelayMs(o, 1, () => 0.5), 500);
    assert.equal(nextDelayMs(o, 3, () => 0.5), 2000);
    assert.equal(nextDelayMs(o, 30, () => 0.5), 5000);
  });
});

describe('data documents over a bundle', () => {
  it('overlays replace at their path without touching the bundle\'s data', () => {
    const base = { portcullis: { rbac: { role_permissions: { a: 1 } }, other: { keep: true } } };
    const out = applyOverlays(base, [{ path: ['portcullis', 'rbac', 'role_permissions'], value: { b: 2 } }, { path: ['x'], value: undefined }]);
    assert.deepEqual(out, { portcullis: { rbac: { role_permissions: { b: 2 } }, other: { keep: true } } });
    assert.deepEqual(base.portcullis.rbac.role_permissions, { a: 1 });
    assert.equal((out.portcullis as any).other, base.portcullis.other, 'untouched subtrees are shared');
  });

  it('re-reads asked for while one is running (a flapping subscriber, a burst of notifications) are one more read, not one each', async () => {
    const store = new MemoryStore();
    await store.hset('perms', 'reader', '["/a"]');
    let resubscribed: (() => void) | undefined;
    const realSubscribe = store.subscribe.bind(store);
    store.subscribe = async (channel, handler, onResubscribed) => { resubscribed = onResubscribed; return realSubscribe(channel, handler); };
    const realHgetall = store.hgetall.bind(store);
    let reads = 0;
    let gate: Promise<void> | undefined;
    store.hgetall = async (key) => { reads++; await gate; return realHgetall(key); };
    const data = new RedisHashDataSource('d3', 'perms', ['rt', 'perms'], store, { hash: 'perms', values: 'json', refreshMs: 60_000, channel: 'perms-changed' }, silent).retain();
    try {
      data.start();
      await until(() => data.loaded && resubscribed !== undefined, 'first refresh and the subscription');
      await new Promise((r) => setTimeout(r, 50)); // the read after subscribing
      let open!: () => void;
      gate = new Promise((r) => { open = r; });
      reads = 0;
      const first = data.reload('poll'); // a big hash: the read takes a while
      await until(() => reads === 1, 'the read running');
      const asked: Array<Promise<void>> = [];
      for (let i = 0; i < 50; i++) { resubscribed!(); asked.push(data.reload('notification')); }
      await store.hset('perms', 'reader', '["/b"]');
      open();
      await Promise.all([first, ...asked]);
      assert.equal(reads, 2, 'the read running, then one more for every ask made meanwhile');
      assert.deepEqual(docValue(data.latest!), { reader: ['/b'] }, 'the last read saw the change');
    } finally {
      await data.release();
      await store.close();
    }
  });

  it('a Redis hash change announced before the data source had subscribed is read once it has', async () => {
    const store = new MemoryStore();
    const realSubscribe = store.subscribe.bind(store);
    let subscribed = false;
    store.subscribe = async (channel, handler) => {
      await new Promise((r) => setTimeout(r, 100));   // Redis still connecting
      const u = await realSubscribe(channel, handler);
      subscribed = true;
      return u;
    };
    const data = new RedisHashDataSource('d2', 'perms', ['rt', 'perms'], store, { hash: 'perms', values: 'json', refreshMs: 60_000, channel: 'perms-changed' }, silent).retain();
    try {
      data.start();
      await until(() => data.loaded, 'first refresh');
      assert.equal(subscribed, false);
      await store.hset('perms', 'reader', '["/a"]');
      await store.publish('perms-changed', 'x');   // nobody listens yet
      await until(() => subscribed, 'the subscription');
      await until(() => data.latest !== undefined && JSON.stringify(docValue(data.latest)) === '{"reader":["/a"]}', 'the change, read after subscribing', 2000);
    } finally {
      await data.release();
      await store.close();
    }
  });

  it('a Redis hash (role → permissions) is applied live; a bad field keeps the last good table', async () => {
    const store = new MemoryStore();
    const bundle = opaBuild({
      files: { 'rt/p.rego': 'package rt\n\ndefault allow := false\n\nallow if {\n\tsome g in data.rt.perms[input.role]\n\tg == input.path\n}\n', 'data.json': '{"rt": {"perms": {"reader": ["/a"]}}}' },
      entrypoints: ['rt/allow'],
    });
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-data-'));
    const file = join(dir, 'b.tar.gz');
    writeFileSync(file, bundle);
    const src = new FileBundleSource('k3', 'rt', file, false, {}, silent).retain();
    src.seed(await src.loadNow());
    const data = new RedisHashDataSource('d1', 'perms', ['rt', 'perms'], store, { hash: 'perms', values: 'json', refreshMs: 60_000, channel: 'perms-changed' }, silent).retain();
    const target = new BundleTarget('rt', src, [data], DEFAULT_MEMORY, silent);
    await target.init();
    try {
      assert.equal(target.active!.engine.evaluate('rt/allow', { role: 'reader', path: '/a' }), true, 'bundle data until Redis answers');
      await store.hset('perms', 'reader', '["/b"]');
      data.start();
      await until(() => data.loaded, 'first refresh');
      await target.settled();
      assert.equal(target.active!.engine.evaluate('rt/allow', { role: 'reader', path: '/a' }), false);
      assert.equal(target.active!.engine.evaluate('rt/allow', { role: 'reader', path: '/b' }), true);

      await store.hset('perms', 'writer', '["/c"]');
      await store.publish('perms-changed', 'x');
      await until(() => target.active!.engine.evaluate('rt/allow', { role: 'writer', path: '/c' }) === true, 'the notified refresh');

      await store.hset('perms', 'broken', '{not json');
      await data.reload('test');
      await target.settled();
      assert.equal(data.status.failures, 1);
      assert.match(data.status.lastError!, /broken/);
      assert.equal(target.active!.engine.evaluate('rt/allow', { role: 'writer', path: '/c' }), true, 'last good table kept');
    } finally {
      target.close();
      await data.release();
      await src.release();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
