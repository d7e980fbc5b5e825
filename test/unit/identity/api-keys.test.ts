import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { hashKey, keyId, mintKey, parseRecord, recordLine } from '../../../src/identity/api-key-format.js';
import { ApiKeySource, parseKeyFile, API_KEYS_CHANNEL } from '../../../src/identity/api-key-store.js';
import { ApiKeyVerifier } from '../../../src/identity/api-keys.js';
import { AuthFailure } from '../../../src/identity/failure.js';
import { TokenSources } from '../../../src/identity/token-source.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { ctxOf, fakeClock, silent } from './helpers.js';

const clock = fakeClock();
const day = 86_400_000;

function fileWith(lines: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'pc-keys-'));
  const f = join(dir, 'keys.jsonl');
  writeFileSync(f, `# hashed API keys\n${lines.join('\n')}\n`);
  return f;
}

function verifierFor(file: string) {
  const src = new ApiKeySource({ file }, 10_000, 2, silent, clock.now);
  src.loadFileNow();
  return new ApiKeyVerifier(new TokenSources([{ header: 'x-api-key' }, { query: 'api_key' }]), src, clock.now);
}

async function code(v: ApiKeyVerifier, req: Parameters<typeof ctxOf>[0]): Promise<string> {
  const ctx = ctxOf(req);
  const p = v.extract(ctx);
  if (p === undefined) return 'ABSENT';
  if (p instanceof AuthFailure) return p.code;
  const r = await v.verify(ctx, p);
  return r instanceof AuthFailure ? r.code : `OK ${r.identity.subject} ${r.identity.plan ?? ''} ${r.identity.roles.join(',')}`;
}

describe('API keys', () => {
  const alice1 = mintKey();
  const alice2 = mintKey();
  const off = mintKey();
  const old = mintKey();
  const file = fileWith([
    recordLine(alice1, { owner: 'alice', roles: ['reader', 'writer'], plan: 'gold' }),
    recordLine(alice2, { owner: 'alice', plan: 'gold', expires: new Date(clock.now() + 30 * day) }),
    JSON.stringify({ ...JSON.parse(recordLine(off, { owner: 'bob' })), disabled: true }),
    recordLine(old, { owner: 'carol', expires: new Date(clock.now() - day) }),
  ]);

  it('mints high-entropy keys and stores only their SHA-256', () => {
    assert.match(alice1, /^pck_[A-Za-z0-9_-]{43}$/);
    assert.notEqual(alice1, alice2);
    const line = recordLine(alice1, { owner: 'alice' });
    assert.ok(!line.includes(alice1), 'the key itself is never in the stored line');
    assert.ok(!line.includes(alice1.slice(4, 20)));
    assert.equal(JSON.parse(line).hash, `sha256:${hashKey(alice1)}`);
  });

  it('accepts a valid key from the header or the query, with owner, plan and roles', async () => {
    const v = verifierFor(file);
    assert.equal(await code(v, { headers: { 'x-api-key': alice1 } }), 'OK alice gold reader,writer');
    assert.equal(await code(v, { path: `/x?api_key=${alice1}` }), 'OK alice gold reader,writer');
  });

  it('two keys of one owner are valid at once (rotation)', async () => {
    const v = verifierFor(file);
    assert.match(await code(v, { headers: { 'x-api-key': alice1 } }), /^OK alice/);
    assert.match(await code(v, { headers: { 'x-api-key': alice2 } }), /^OK alice/);
  });

  it('rejects a disabled key', async () => {
    assert.equal(await code(verifierFor(file), { headers: { 'x-api-key': off } }), 'ERR_API_KEY_DISABLED');
  });

  it('rejects an expired key', async () => {
    assert.equal(await code(verifierFor(file), { headers: { 'x-api-key': old } }), 'ERR_API_KEY_EXPIRED');
  });

  it('rejects an unknown key and a malformed one', async () => {
    const v = verifierFor(file);
    assert.equal(await code(v, { headers: { 'x-api-key': mintKey() } }), 'ERR_API_KEY_INVALID');
    assert.equal(await code(v, { headers: { 'x-api-key': 'short' } }), 'ERR_API_KEY_MALFORMED');
    assert.equal(await code(v, { headers: { 'x-api-key': `${alice1} ` + 'x' } }), 'ERR_API_KEY_MALFORMED');
  });

  it('rejects a key sent in both the header and the query', async () => {
    assert.equal(await code(verifierFor(file), { path: `/?api_key=${alice1}`, headers: { 'x-api-key': alice1 } }), 'ERR_TOKEN_AMBIGUOUS');
  });

  it('refuses a third usable key for one owner, naming the lines', () => {
    const f = fileWith([recordLine(mintKey(), { owner: 'dave' }), recordLine(mintKey(), { owner: 'dave' }), recordLine(mintKey(), { owner: 'dave' })]);
    assert.throws(() => verifierFor(f), /owner "dave" has 3 usable keys \(.*keys.jsonl:2, .*keys.jsonl:3, .*keys.jsonl:4\)/);
  });

  it('reports bad lines with file:line and the problem', () => {
    assert.throws(() => parseKeyFile('{"hash":"sha256:zz","owner":"a"}', 'k.jsonl', 2, 0), /k.jsonl:1: "hash" must be/);
    assert.throws(() => parseKeyFile('\n{oops', 'k.jsonl', 2, 0), /k.jsonl:2: not valid JSON/);
    assert.throws(() => parseRecord({ hash: `sha256:${'a'.repeat(64)}`, owner: 'a', secret: 'x' }), /unknown field "secret"/);
    assert.throws(() => parseRecord({ hash: `sha256:${'a'.repeat(64)}`, owner: 'a', expires: 'soon' }), /"expires"/);
  });

  it('loads keys from a store hash, and reloads on the change channel', async () => {
    const store = new MemoryStore();
    const k = mintKey();
    const h = hashKey(k);
    await store.hset('apikeys', `sha256:${h}`, JSON.stringify({ owner: 'erin', plan: 'free' }));
    const src = new ApiKeySource({ hash: 'apikeys', store }, 60_000, 2, silent, clock.now);
    const v = new ApiKeyVerifier(new TokenSources([{ header: 'x-api-key' }]), src, clock.now);
    src.start();
    try {
      assert.equal(await code(v, { headers: { 'x-api-key': k } }), 'OK erin free ');
      const k2 = mintKey();
      await store.hset('apikeys', hashKey(k2), JSON.stringify({ owner: 'frank' }));
      await store.publish(API_KEYS_CHANNEL, 'changed');
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(await code(v, { headers: { 'x-api-key': k2 } }), 'OK frank  ');
      assert.equal(src.findById(keyId(h)), h);
    } finally { src.stop(); await store.close(); }
  });

  it('a change announced while a load is in flight is read by one more load after it', async () => {
    const store = new MemoryStore();
    const src = new ApiKeySource({ hash: 'apikeys', store }, 60_000, 2, silent, clock.now);
    const v = new ApiKeyVerifier(new TokenSources([{ header: 'x-api-key' }]), src, clock.now);
    // the first read is slow and sees the hash as it was when it started: empty
    const realHgetall = store.hgetall.bind(store);
    let reads = 0;
    store.hgetall = async (key: string) => {
      reads++;
      const snapshot = await realHgetall(key);
      if (reads === 1) await new Promise((r) => setTimeout(r, 30));
      return snapshot;
    };
    const first = src.load();
    const k = mintKey();
    await store.hset('apikeys', `sha256:${hashKey(k)}`, JSON.stringify({ owner: 'gina' }));
    const second = src.load();   // what a "changed" message does
    const third = src.load();
    assert.equal(second, third, 'calls during one load share the one load after it');
    await first;
    await second;
    assert.equal(reads, 2);
    assert.equal(await code(v, { headers: { 'x-api-key': k } }), 'OK gina  ');
    await store.close();
  });

  it('a store hash that cannot be loaded leaves keys unavailable (503), never accepted', async () => {
    const store = new MemoryStore();
    store.hgetall = async () => { throw new Error('down'); };
    const src = new ApiKeySource({ hash: 'apikeys', store }, 60_000, 2, silent, clock.now);
    const v = new ApiKeyVerifier(new TokenSources([{ header: 'x-api-key' }]), src, clock.now);
    assert.equal(await code(v, { headers: { 'x-api-key': mintKey() } }), 'ERR_API_KEYS_UNAVAILABLE');
    await store.close();
  });
});
