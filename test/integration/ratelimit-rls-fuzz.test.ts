// The ShouldRateLimit fuzzer (test/unit/ratelimit/fuzz/gen-rls.ts) against a real Portcullis process on a
// real Redis, through a grpc-js client with the service's own proto: every request the proto can encode is
// answered with a sound RateLimitResponse (test/unit/ratelimit/fuzz/oracles.ts) or refused with
// INVALID_ARGUMENT naming the problem (what envoyproxy/ratelimit refuses: empty domain, no descriptors, too
// many); Redis gains at most two keys per descriptor sent; no error is logged; the process stays up and a
// normal request is counted correctly afterwards. Seeded and bounded (a smaller count than the unit fuzzer).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { RLS_SERVICE } from '../../src/server/grpc.js';
import { serviceDef } from '../../src/server/protos.js';
import { Rng } from '../unit/pipeline/fuzz/prng.js';
import { genRlsRequest } from '../unit/ratelimit/fuzz/gen-rls.js';
import { judgeRls } from '../unit/ratelimit/fuzz/oracles.js';
import { REPO, startPortcullis, type PortcullisProc } from './harness/portcullis.js';
import { startRedis, type RedisNode } from './harness/redis.js';
import { rlsClient, shouldRateLimit, type RlsClient } from './ratelimit-helpers.js';

const method = serviceDef(RLS_SERVICE).ShouldRateLimit!;
const SEED = 0x71500abc;
const N = Number(process.env.PORTCULLIS_FUZZ_N ?? 150);

describe('ShouldRateLimit under fuzzed RateLimitRequests (real process, real Redis)', () => {
  let dir: string;
  let redis: RedisNode;
  let p: PortcullisProc;
  let client: RlsClient;
  let r: Redis;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rls-fuzz-'));
    redis = await startRedis(dir);
    p = await startPortcullis({ dir, config: `
store: { kind: redis, url: "${redis.url}", command_timeout_ms: 2000 }
ratelimit:
  config_dir: ${join(REPO, 'test/fixtures/ratelimit/valid')}
  response_headers: ietf
default_action: { action: allow }
routes:
  - name: any
    match: { path: { prefix: / } }
` });
    client = rlsClient(p.grpcAddress);
    r = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  });
  after(async () => {
    client?.close();
    r?.disconnect();
    await p?.stop('SIGKILL');
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`answers ${N} fuzzed requests soundly, grows Redis only by what they could create, and stays up`, async () => {
    const rng = new Rng(SEED);
    const problems: string[] = [];
    const tally = { answered: 0, refused: 0, unencodable: 0 };
    for (let i = 0; i < N && problems.length < 10; i++) {
      const raw = genRlsRequest(rng);
      let req: any;
      try { req = method.requestDeserialize(method.requestSerialize(raw)); } catch { tally.unencodable++; continue; }
      const before = await r.dbsize();
      try {
        const resp = await shouldRateLimit(client, req, 10_000);
        tally.answered++;
        for (const q of judgeRls(req, resp)) problems.push(`#${i}: ${q}`);
      } catch (err) {
        const e = err as grpc.ServiceError;
        tally.refused++;
        if (e.code !== grpc.status.INVALID_ARGUMENT || !/domain|descriptor/.test(e.details)) problems.push(`#${i}: gRPC ${e.code} (${e.details})`);
      }
      const grown = (await r.dbsize()) - before;
      const n = req.descriptors?.length ?? 0;
      if (grown > 2 * n) problems.push(`#${i}: Redis grew by ${grown} keys for ${n} descriptors`);
    }
    assert.deepEqual(problems, []);
    assert.ok(tally.answered > N / 2 && tally.refused > 0, JSON.stringify(tally));
    assert.equal(p.proc.child.exitCode, null, 'the process is still running');
    assert.doesNotMatch(p.logs(), /"level":(50|60)/);
    // a normal request afterwards: messaging to_number is 100 per day, a new number has 99 left
    const normal = await shouldRateLimit(client, { domain: 'messaging', descriptors: [{ entries: [{ key: 'to_number', value: `after-${process.pid}` }] }] });
    assert.equal(normal.overall_code, 'OK');
    assert.equal(normal.statuses[0].current_limit.requests_per_unit, 100);
    assert.equal(normal.statuses[0].limit_remaining, 99);
  });
});
