import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseKeyFile } from '../../../src/identity/api-key-store.js';
import { apikeyMintCommand, parseWhen, shellQuote, signCommand } from '../../../src/identity/cli.js';
import { compileSigningKeys } from '../../../src/identity/signature-keys.js';
import { SignatureVerifier } from '../../../src/identity/signature.js';
import { AuthFailure } from '../../../src/identity/failure.js';
import { hashKey } from '../../../src/identity/api-key-format.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { ctxOf } from './helpers.js';

async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  const o = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  let out = ''; let err = '';
  (process.stdout as any).write = (s: string) => { out += s; return true; };
  (process.stderr as any).write = (s: string) => { err += s; return true; };
  try { return { code: await fn(), out, err }; } finally { process.stdout.write = o; process.stderr.write = e; }
}

describe('identity CLI', () => {
  it('apikey mint prints a key once and a storable line that accepts exactly that key', async () => {
    const r = await capture(() => apikeyMintCommand.run(['--owner', 'acme', '--roles', 'a,b', '--plan', 'gold', '--expires', '30d']));
    assert.equal(r.code, 0, r.err);
    const key = /^\s+(pck_\S+)$/m.exec(r.out)![1]!;
    const line = r.out.split('\n').find((l) => l.startsWith('{"hash"'))!;
    assert.ok(!line.includes(key));
    const ring = parseKeyFile(line, 'k.jsonl', 2, Date.now());
    const rec = ring.get(hashKey(key))!;
    assert.deepEqual([rec.owner, rec.plan, rec.roles], ['acme', 'gold', ['a', 'b']]);
    assert.ok(rec.expires! > Date.now() + 29 * 86_400_000);
    assert.match(r.out, /redis-cli HSET 'portcullis:apikeys' 'sha256:[0-9a-f]{64}' '\{"owner":"acme"/);
  });

  it('apikey mint without --owner prints usage and exits 2', async () => {
    assert.equal((await capture(() => apikeyMintCommand.run([]))).code, 2);
  });

  it('sign prints a curl command whose headers verify', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pc-cli-'));
    const secret = 'cli-test-shared-secret-0123456789abcdef';
    writeFileSync(join(dir, 's'), `${secret}\n`);
    const r = await capture(() => signCommand.run(['--key-id', 'k', '--secret-file', join(dir, 's'), '-X', 'POST', '-H', 'Content-Type: application/json', '-d', '{"a":1}', 'http://api.test/pay?x=1']));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^curl -X POST 'http:\/\/api.test\/pay\?x=1'/);
    const headers: Record<string, string> = {};
    for (const m of r.out.matchAll(/-H '([^:]+): ([^']*)'/g)) headers[m[1]!.toLowerCase()] = m[2]!;
    assert.ok(headers['signature-input'] && headers.signature && headers['content-digest']);
    const v = new SignatureVerifier({
      keys: compileSigningKeys([{ id: 'k', algorithm: 'hmac-sha256', secret }], dir, '/k'), maxSkewS: 300,
      requiredComponents: ['@method', '@authority', '@path', '@query'], requireContentDigest: true, requireNonce: true, store: new MemoryStore(), clock: Date.now,
    });
    const ctx = ctxOf({ method: 'POST', host: 'api.test', path: '/pay?x=1', headers, body: '{"a":1}' });
    const res = await v.verify(ctx, v.extract(ctx) as any);
    assert.ok(!(res instanceof AuthFailure), res instanceof AuthFailure ? res.code : '');
  });

  it('sign refuses a secret on the command line', async () => {
    const r = await capture(() => signCommand.run(['--key-id', 'k', '--secret', 'x', 'http://a.test/']));
    assert.equal(r.code, 2);
    assert.match(r.err, /never taken from the command line/);
  });

  it('parses relative and absolute times; quotes for the shell', () => {
    assert.equal(parseWhen('2d', 0).getTime(), 2 * 86_400_000);
    assert.equal(parseWhen('2030-01-01T00:00:00Z').toISOString(), '2030-01-01T00:00:00.000Z');
    assert.throws(() => parseWhen('soon'));
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
  });
});
