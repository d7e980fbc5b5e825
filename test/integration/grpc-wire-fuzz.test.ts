// Random, truncated and corrupted protobuf bytes sent to a real Portcullis process (the full demo config,
// in-memory store) through a grpc-js client with a pass-through serializer. The server must stay up and
// answer every call with a gRPC error status or a CheckResponse that passes the same oracles as the
// check() fuzzer (never ERR_INTERNAL, no allow on an identity route without a valid credential…); then a
// well-formed request still works. Seeded: the same bytes every run.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { AUTH_SERVICE } from '../../src/server/grpc.js';
import { serviceDef } from '../../src/server/protos.js';
import { demoSetup, type DemoSetup } from '../unit/pipeline/fuzz/demo-runtime.js';
import type { CredEnv } from '../unit/pipeline/fuzz/gen-credentials.js';
import { genRequest } from '../unit/pipeline/fuzz/gen-request.js';
import { judge } from '../unit/pipeline/fuzz/oracles.js';
import { Rng } from '../unit/pipeline/fuzz/prng.js';
import { startPortcullis, type PortcullisProc } from './harness/portcullis.js';

const method = serviceDef(AUTH_SERVICE).Check!;
const SEED = 0x77e1f00d;
/** What a server that is up answers for bytes it cannot use. UNAVAILABLE would mean it went away. */
const ERROR_STATUSES = new Set([grpc.status.INTERNAL, grpc.status.INVALID_ARGUMENT, grpc.status.RESOURCE_EXHAUSTED]);

type Outcome = { err: grpc.ServiceError } | { resp: any };

function call(client: grpc.Client, bytes: Buffer): Promise<Outcome> {
  return new Promise((resolve) => {
    client.makeUnaryRequest('/envoy.service.auth.v3.Authorization/Check', (b: Buffer) => b, (b: Buffer) => method.responseDeserialize(b),
      bytes, { deadline: Date.now() + 10_000 }, (err, value) => resolve(err ? { err } : { resp: value }));
  });
}

const ld = (tag: number, b: Uint8Array): Buffer => Buffer.from(protobuf.Writer.create().uint32((tag << 3) | 2).bytes(b).finish());

/** A metadata_context Struct nested n levels deep, written by hand (the encoder refuses the nesting). */
function deepStructRequest(n: number): Buffer {
  let s: Buffer = Buffer.alloc(0);
  for (let i = 0; i < n; i++) s = ld(1, Buffer.concat([ld(1, Buffer.from('a')), ld(2, ld(5, s))]));
  return ld(1, ld(11, ld(1, Buffer.concat([ld(1, Buffer.from('x')), ld(2, s)]))));
}

/** Damage a valid encoding the ways a broken or hostile peer would. */
function corrupt(r: Rng, b: Buffer): Buffer {
  const out = Buffer.from(b);
  switch (r.int(6)) {
    case 0: return out.subarray(0, r.int(out.length)); // truncated
    case 1: { for (let i = 0, n = 1 + r.int(8); i < n && out.length > 0; i++) out[r.int(out.length)] = r.int(256); return out; } // byte flips
    case 2: { const at = r.int(out.length + 1); return Buffer.concat([out.subarray(0, at), r.bytes(1 + r.int(32)), out.subarray(at)]); } // inserted junk
    case 3: { const at = r.int(out.length + 1); return Buffer.concat([out.subarray(0, at), Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), out.subarray(at)]); } // a 4 GiB length
    case 4: { if (out.length > 0) out[r.int(out.length)] = (r.int(16) << 3) | r.pick([3, 4, 6, 7]); return out; } // group / invalid wire types
    default: return Buffer.concat([out, out.subarray(r.int(out.length))]); // a tail repeated
  }
}

describe('gRPC Check under random and corrupted protobuf bytes (real process, full demo config)', () => {
  let setup: DemoSetup;
  let p: PortcullisProc;
  let client: grpc.Client;
  let env: CredEnv;

  before(async () => {
    setup = demoSetup();
    env = { tokens: [setup.cred.ALICE_TOKEN!, setup.cred.WRITER_TOKEN!, setup.cred.ADMIN_TOKEN!], apiKey: setup.cred.API_KEY!, partnerSecret: setup.partnerSecret };
    p = await startPortcullis({ dir: setup.dir, config: setup.yaml.replace(/^log: .*$/m, 'log: { level: info }') });
    client = new grpc.Client(p.grpcAddress, grpc.credentials.createInsecure());
  });
  after(async () => {
    client?.close();
    await p?.stop('SIGKILL');
    if (setup) rmSync(setup.dir, { recursive: true, force: true });
  });

  it('answers every call with an error status or a sound CheckResponse, and stays up', async () => {
    const r = new Rng(SEED);
    const problems: string[] = [];
    const tally = { errors: 0, denies: 0, allows: 0 };
    const judgeOne = (what: string, o: Outcome, secrets: readonly string[], validCred: boolean) => {
      if ('err' in o) {
        tally.errors++;
        if (!ERROR_STATUSES.has(o.err.code)) problems.push(`${what}: gRPC status ${o.err.code} (${o.err.details})`);
        return;
      }
      const j = judge(o.resp, secrets, validCred);
      if (j.verdict?.allowed) tally.allows++; else tally.denies++;
      for (const x of j.problems) problems.push(`${what}: ${x}`);
    };

    const cases: Array<{ what: string; bytes: Buffer; secrets: readonly string[]; validCred: boolean }> = [
      { what: 'empty message', bytes: Buffer.alloc(0), secrets: [], validCred: false },
      { what: 'Struct nested 3000 deep', bytes: deepStructRequest(3000), secrets: [], validCred: false },
      { what: 'over max_receive_message_length', bytes: Buffer.concat([ld(1, Buffer.alloc(9 * 1024 * 1024))]), secrets: [], validCred: false },
    ];
    for (let i = 0; i < 300; i++) cases.push({ what: `random #${i}`, bytes: r.bytes(r.int(2048)), secrets: [], validCred: false });
    for (let i = 0; i < 600; i++) {
      const g = genRequest(r, env, 'wire');
      cases.push({ what: `corrupted #${i}`, bytes: corrupt(r, method.requestSerialize(g.req)), secrets: g.secrets, validCred: g.validCred });
    }
    // a few at a time, as Envoy multiplexes them on one connection
    for (let i = 0; i < cases.length; i += 8) {
      const batch = cases.slice(i, i + 8);
      const t0 = Date.now();
      const outcomes = await Promise.all(batch.map((c) => call(client, c.bytes)));
      if (process.env.PORTCULLIS_FUZZ_N && Date.now() - t0 > 500) console.log(`slow batch ${i}: ${Date.now() - t0} ms`, batch.map((c) => c.what).join(', '));
      outcomes.forEach((o, k) => judgeOne(batch[k]!.what, o, batch[k]!.secrets, batch[k]!.validCred));
    }
    const kinds = new Map<string, string>();
    for (const x of problems) { const k = x.replace(/^[^:]*: /, ''); if (!kinds.has(k)) kinds.set(k, x); }
    assert.deepEqual([...kinds.values()].slice(0, 20), []);
    // the bytes decoded into requests often enough for the pipeline to be exercised, not only the decoder
    assert.ok(tally.denies > 100 && tally.errors > 100, JSON.stringify(tally));
    if (process.env.PORTCULLIS_FUZZ_N) console.log(JSON.stringify(tally));

    assert.equal(p.proc.child.exitCode, null, 'the process is still running');
    const ok = await call(client, method.requestSerialize({ attributes: {
      source: { address: { socket_address: { address: '10.1.2.3', port_value: 5000 } } },
      request: { http: { method: 'GET', path: '/items/1', host: 'api.test', headers: { ':authority': 'api.test' } } },
      context_extensions: { service: 'inventory' },
    } }));
    assert.ok('resp' in ok && ok.resp.ok_response, `a well-formed anonymous read on inventory is allowed: ${JSON.stringify(ok).slice(0, 300)}`);
    assert.doesNotMatch(p.logs(), /uncaught exception|unhandled rejection|check rejected/);
  });
});
