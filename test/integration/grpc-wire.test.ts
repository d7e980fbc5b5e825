// Portcullis's gRPC surface without Envoy in front: what arrives on the wire when a client is broken or
// hostile (bytes that are not UTF-8, oversized messages), health Watch during drain, SIGHUP reload.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { clientCtor, PROTO_FILES, protoDir } from '../../src/server/protos.js';
import { startPortcullis, type PortcullisProc } from './harness/portcullis.js';
import { waitFor } from './harness/proc.js';

const dir = mkdtempSync(join(tmpdir(), 'pc-wire-'));
const CONFIG = (v: string) => `
server: { grpc: { max_receive_message_bytes: 65536 } }
routes:
  - name: all
    upstream_headers: { x-portcullis-version: "${v}" }
`;

const root = new protobuf.Root();
root.resolvePath = (_o, t) => (t.startsWith('google/protobuf/') ? t : join(protoDir(), t));
root.loadSync(PROTO_FILES, { keepCase: true });
const CheckRequest = root.lookupType('envoy.service.auth.v3.CheckRequest');
const CheckResponse = root.lookupType('envoy.service.auth.v3.CheckResponse');

/** Raw unary call: we encode the bytes ourselves, so the request can carry anything. */
function rawCheck(p: PortcullisProc, bytes: Buffer): Promise<any> {
  const client = new grpc.Client(p.grpcAddress, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest('/envoy.service.auth.v3.Authorization/Check', (b: Buffer) => b, (b: Buffer) => CheckResponse.toObject(CheckResponse.decode(b), { enums: String, longs: Number }),
      bytes, (err, value) => { client.close(); if (err) reject(err); else resolve(value); });
  });
}

function encode(path: string | Buffer, extra: Record<string, string> = {}): Buffer {
  const msg = CheckRequest.fromObject({ attributes: { request: { http: { method: 'GET', path: typeof path === 'string' ? path : 'PLACEHOLDER', host: 'h', headers: extra } } } });
  let buf = Buffer.from(CheckRequest.encode(msg).finish());
  if (typeof path !== 'string') {
    // splice raw (non-UTF-8) bytes in place of the placeholder; same length keeps the framing valid
    const i = buf.indexOf('PLACEHOLDER');
    buf = Buffer.concat([buf.subarray(0, i), path, buf.subarray(i + 11)]);
  }
  return buf;
}

describe('gRPC wire behaviour', () => {
  let p: PortcullisProc;
  before(async () => { p = await startPortcullis({ dir, config: CONFIG('v1') }); });
  after(async () => { await p?.stop('SIGKILL'); rmSync(dir, { recursive: true, force: true }); });

  it('a well-formed request is allowed', async () => {
    const r = await rawCheck(p, encode('/ok'));
    assert.equal(r.status.code, 0);
  });

  it('a path that is not valid UTF-8 is denied ERR_BAD_REQUEST', async () => {
    const bad = Buffer.from('/\xff\xfe\xfdabcdefg', 'latin1'); // 11 bytes, invalid UTF-8
    assert.equal(bad.length, 11);
    const r = await rawCheck(p, encode(bad));
    assert.equal(r.denied_response.status.code, 'BadRequest');
    assert.equal(JSON.parse(r.denied_response.body).error, 'ERR_BAD_REQUEST');
  });

  it('a message over max_receive_message_bytes is refused by the server (Envoy then fails closed)', async () => {
    await assert.rejects(rawCheck(p, encode('/big', { big: 'x'.repeat(100_000) })), (e: any) => e.code === grpc.status.RESOURCE_EXHAUSTED);
  });

  it('garbage bytes are a gRPC error, never an allow, and the server stays up', async () => {
    await assert.rejects(rawCheck(p, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01])), (e: any) => e.code === grpc.status.INTERNAL || e.code === grpc.status.INVALID_ARGUMENT);
    assert.equal((await rawCheck(p, encode('/still-up'))).status.code, 0);
  });

  it('SIGHUP reloads the config file', async () => {
    p.writeConfig(CONFIG('v2'));
    process.kill(p.proc.child.pid!, 'SIGHUP');
    await waitFor('reload', async () => {
      const r = await rawCheck(p, encode('/x'));
      return r.ok_response.headers.some((h: any) => h.header.key === 'x-portcullis-version' && h.header.value === 'v2');
    }, 10000);
  });

  it('health Watch streams NOT_SERVING when draining, then the process exits 0', async () => {
    const Health = clientCtor('grpc.health.v1.Health') as any;
    const c = new Health(p.grpcAddress, grpc.credentials.createInsecure());
    const seen: string[] = [];
    const call = c.Watch({ service: 'envoy.service.auth.v3.Authorization' });
    call.on('data', (m: any) => seen.push(m.status));
    call.on('error', () => undefined);
    await waitFor('SERVING', async () => seen.includes('SERVING'), 5000);
    const exit = p.stop('SIGTERM');
    await waitFor('NOT_SERVING', async () => seen.includes('NOT_SERVING'), 5000);
    assert.equal(await exit, 0);
    c.close();
  });
});
