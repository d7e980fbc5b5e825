// The hostile-request generator (test/unit/pipeline/fuzz/gen-hostile.ts) through a real Portcullis process
// (the full demo config with every threat feature on and an admin token, hostile-runtime.ts) over grpc-js,
// as bytes: each request encoded by the service's own proto, then sent as it is, with unknown fields merged
// in at every message level (a newer Envoy's fields), with a known field repeated in the wrong wire type,
// truncated, or grown past max_receive_message_length; and ShouldRateLimit requests damaged the same ways.
// Complements grpc-wire-fuzz.test.ts (random and corrupted bytes of gen-request.ts requests).
// Every call is answered (a CheckResponse passing the unit fuzzer's oracles, or a gRPC error a live server
// gives: never UNAVAILABLE or DEADLINE_EXCEEDED), no fixture secret appears in an answer or the process's
// log or its policy decision log, nothing is logged as uncaught, and the process serves a well-formed
// request afterwards. Seeded.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { AUTH_SERVICE, RLS_SERVICE } from '../../src/server/grpc.js';
import { serviceDef } from '../../src/server/protos.js';
import type { CredEnv } from '../unit/pipeline/fuzz/gen-credentials.js';
import { genHostile } from '../unit/pipeline/fuzz/gen-hostile.js';
import { hostileSetup, type HostileSetup } from '../unit/pipeline/fuzz/hostile-runtime.js';
import { judge } from '../unit/pipeline/fuzz/oracles.js';
import { Rng } from '../unit/pipeline/fuzz/prng.js';
import { genRlsRequest } from '../unit/ratelimit/fuzz/gen-rls.js';
import { judgeRls } from '../unit/ratelimit/fuzz/oracles.js';
import { startPortcullis, type PortcullisProc } from './harness/portcullis.js';

const check = serviceDef(AUTH_SERVICE).Check!;
const rls = serviceDef(RLS_SERVICE).ShouldRateLimit!;
const SEED = 0x4057_1e57;
const N = Number(process.env.PORTCULLIS_FUZZ_N ?? 250);
/** What a live server answers for bytes it cannot use; UNAVAILABLE / DEADLINE_EXCEEDED would mean it went away or hung. */
const ERROR_STATUSES = new Set([grpc.status.INTERNAL, grpc.status.INVALID_ARGUMENT, grpc.status.RESOURCE_EXHAUSTED]);

type Outcome = { err: grpc.ServiceError } | { resp: any };

function call(client: grpc.Client, path: string, decode: (b: Buffer) => any, bytes: Buffer): Promise<Outcome> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(path, (b: Buffer) => b, decode, bytes, { deadline: Date.now() + 20_000 }, (err, value) => resolve(err ? { err } : { resp: value }));
  });
}

const w = () => protobuf.Writer.create();
const ld = (tag: number, b: Uint8Array): Buffer => Buffer.from(w().uint32((tag << 3) | 2).bytes(b).finish());

/** Fields no version of the proto has, in every wire type (a decoder must skip them). */
function unknownFields(r: Rng): Buffer {
  const parts: Uint8Array[] = [];
  for (let i = 0, n = 1 + r.int(4); i < n; i++) {
    const tag = r.pick([15, 99, 1000, 536_870_911]);
    switch (r.int(4)) {
      case 0: parts.push(w().uint32(tag << 3).uint64(r.pick([0, 1, 2 ** 53])).finish()); break;
      case 1: parts.push(w().uint32((tag << 3) | 1).fixed64(7).finish()); break;
      case 2: parts.push(w().uint32((tag << 3) | 5).fixed32(7).finish()); break;
      default: parts.push(ld(tag, r.bytes(r.int(64)))); break;
    }
  }
  return Buffer.concat(parts);
}

/**
 * Merged into the message at one level: a CheckRequest followed by more fields of `attributes` (1) is one
 * message, and the later fields merge into the earlier ones (protobuf's embedded-message merge).
 */
function mergeAt(r: Rng, payload: Buffer): Buffer {
  switch (r.int(4)) {
    case 0: return payload; // CheckRequest
    case 1: return ld(1, payload); // AttributeContext
    case 2: return ld(1, ld(4, payload)); // Request
    default: return ld(1, ld(4, ld(2, payload))); // HttpRequest
  }
}

/** A known field at the chosen level in a wire type it is not (a varint where a string or message goes). */
function wrongWireType(r: Rng): Buffer {
  const field = r.pick([1, 2, 3, 4, 10, 11, 12, 13]);
  return Buffer.from(w().uint32((field << 3) | r.pick([0, 1, 5])).fixed64(0x41414141).finish()).subarray(0, r.pick([2, 5, 9]));
}

function damage(r: Rng, bytes: Buffer): { what: string; bytes: Buffer } {
  switch (r.int(6)) {
    case 0: return { what: 'as encoded', bytes };
    case 1: return { what: 'unknown fields', bytes: Buffer.concat([bytes, mergeAt(r, unknownFields(r))]) };
    case 2: return { what: 'wrong wire type', bytes: Buffer.concat([bytes, mergeAt(r, wrongWireType(r))]) };
    case 3: return { what: 'truncated', bytes: bytes.subarray(0, r.int(bytes.length)) };
    case 4: return { what: 'length past the end', bytes: Buffer.concat([bytes, Buffer.from([0x0a, 0xf0, 0xff, 0x03]), r.bytes(r.int(100))]) };
    default: return { what: 'unknown fields and a repeated path', bytes: Buffer.concat([bytes, mergeAt(r, Buffer.concat([unknownFields(r), ld(4, Buffer.from('/api/v1/users/alice'))]))]) };
  }
}

describe('gRPC Check and ShouldRateLimit: hostile requests as bytes, real process, every feature on', () => {
  let setup: HostileSetup;
  let p: PortcullisProc;
  let client: grpc.Client;
  let env: CredEnv;

  before(async () => {
    setup = hostileSetup();
    env = { tokens: [setup.cred.ALICE_TOKEN!, setup.cred.WRITER_TOKEN!, setup.cred.ADMIN_TOKEN!], apiKey: setup.cred.API_KEY!, partnerSecret: setup.partnerSecret };
    p = await startPortcullis({ dir: setup.dir, config: setup.yaml.replace(/^log: .*$/m, 'log: { level: debug }') });
    client = new grpc.Client(p.grpcAddress, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': 64 * 1024 * 1024 });
  });
  after(async () => {
    client?.close();
    await p?.stop('SIGKILL');
    if (setup) rmSync(setup.dir, { recursive: true, force: true });
  });

  it('answers every call, leaks no fixture secret, stays up', async () => {
    const r = new Rng(SEED);
    const problems: string[] = [];
    const tally: Record<string, number> = {};
    const count = (k: string) => { tally[k] = (tally[k] ?? 0) + 1; };
    const errorOk = (what: string, o: { err: grpc.ServiceError }) => {
      count(`error ${grpc.status[o.err.code]}`);
      if (!ERROR_STATUSES.has(o.err.code)) problems.push(`${what}: gRPC status ${grpc.status[o.err.code]} (${o.err.details})`);
      const leak = setup.fixtureSecrets.find((s) => o.err.details?.includes(s));
      if (leak) problems.push(`${what}: error details carry a fixture secret`);
    };

    type Case = { what: string; service: 'check' | 'rls'; bytes: Buffer; req?: any; secrets: readonly string[]; validCred: boolean };
    const cases: Case[] = [
      // just past the 8 MiB default, and a header map of 100 000 small entries within it (decode cost, then ERR_BAD_REQUEST)
      { what: 'past max_receive_message_length', service: 'check', bytes: mergeAt(r, ld(12, Buffer.alloc(8 * 1024 * 1024 + 1))), secrets: [], validCred: false },
      { what: '100k header_map entries', service: 'check', bytes: ld(1, ld(4, ld(2, Buffer.concat(Array.from({ length: 100_000 }, (_, i) => ld(13, ld(1, Buffer.concat([ld(1, Buffer.from(`x-h${i}`)), ld(2, Buffer.from('v'))])))))))), secrets: [], validCred: false },
      { what: '100k context_extensions', service: 'check', bytes: ld(1, Buffer.concat(Array.from({ length: 100_000 }, (_, i) => ld(10, Buffer.concat([ld(1, Buffer.from(`k${i}`)), ld(2, Buffer.from('v'))]))))), secrets: [], validCred: false },
    ];
    for (let i = 0; i < N; i++) {
      const g = genHostile(r, env);
      const d = damage(r, check.requestSerialize(g.req));
      cases.push({ what: `check #${i} ${d.what} [${g.label}]`, service: 'check', bytes: d.bytes, secrets: g.secrets, validCred: g.validCred });
    }
    for (let i = 0; i < N; i++) {
      const req = genRlsRequest(r);
      if (req && typeof req === 'object' && r.chance(0.7)) req.domain = 'portcullis';
      let bytes: Buffer;
      try { bytes = rls.requestSerialize(req); } catch { continue; }
      const d = r.chance(0.5) ? { what: 'as encoded', bytes } : damage(r, bytes);
      cases.push({ what: `rls #${i} ${d.what}`, service: 'rls', bytes: d.bytes, req: d.what === 'as encoded' ? rls.requestDeserialize(bytes) : undefined, secrets: [], validCred: false });
    }

    // a few at a time, as Envoy multiplexes them on one connection
    for (let i = 0; i < cases.length; i += 6) {
      const batch = cases.slice(i, i + 6);
      const outcomes = await Promise.all(batch.map((c) => (c.service === 'check'
        ? call(client, '/envoy.service.auth.v3.Authorization/Check', (b) => check.responseDeserialize(b), c.bytes)
        : call(client, '/envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit', (b) => rls.responseDeserialize(b), c.bytes))));
      outcomes.forEach((o, k) => {
        const c = batch[k]!;
        if ('err' in o) { errorOk(c.what, o); return; }
        if (c.service === 'rls') {
          count('rls answer');
          if (c.req) for (const x of judgeRls(c.req, o.resp)) problems.push(`${c.what}: ${x}`);
          return;
        }
        const j = judge(o.resp, [...c.secrets, ...setup.fixtureSecrets], c.validCred);
        count(j.verdict?.allowed ? 'check allow' : 'check deny');
        for (const x of j.problems) problems.push(`${c.what}: ${x}`);
      });
    }
    const kinds = new Map<string, string>();
    for (const x of problems) { const k = x.replace(/^[^:]*: /, ''); if (!kinds.has(k)) kinds.set(k, x); }
    assert.deepEqual([...kinds.values()].slice(0, 20), []);
    // the bytes reached the pipeline as well as the decoder, on both services
    for (const k of ['check allow', 'check deny', 'rls answer', 'error INTERNAL']) assert.ok((tally[k] ?? 0) > 0, `${k}: ${JSON.stringify(tally)}`);
    if (process.env.PORTCULLIS_FUZZ_N) console.log(JSON.stringify(tally));

    assert.equal(p.proc.child.exitCode, null, 'the process is still running');
    const ok = await call(client, '/envoy.service.auth.v3.Authorization/Check', (b) => check.responseDeserialize(b), check.requestSerialize({ attributes: {
      source: { address: { socket_address: { address: '10.200.2.3', port_value: 5000 } } },
      request: { http: { method: 'GET', path: '/api/v1/inventory/1', host: 'api.test', headers: { ':authority': 'api.test', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120' } } },
      context_extensions: { service: 'inventory' },
    } }));
    assert.ok('resp' in ok && ok.resp.ok_response, `a well-formed anonymous read on inventory is allowed: ${JSON.stringify(ok).slice(0, 300)}`);
    const logs = p.logs();
    assert.doesNotMatch(logs, /uncaught exception|unhandled rejection|check rejected|ShouldRateLimit failed/);
    assert.deepEqual(setup.fixtureSecrets.filter((s) => logs.includes(s)).map((s) => `${s.slice(0, 6)}…`), [], 'fixture secrets in the log');
    // the policy's decision log, flushed by a graceful stop: no fixture secret, the demo credentials masked
    client.close();
    await p.stop('SIGTERM');
    const decisions = readFileSync(setup.decisionLog, 'utf8');
    const creds = [env.apiKey, ...env.tokens.flatMap((t) => t.split('.').filter((x) => x.length >= 16))];
    assert.ok(decisions.length > 0, 'decisions were logged');
    assert.deepEqual([...setup.fixtureSecrets, ...creds].filter((x) => decisions.includes(x)).map((x) => `${x.slice(0, 6)}…`), [], 'secrets in the decision log');
  });
});
