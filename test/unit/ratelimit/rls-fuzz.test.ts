// A seeded, structure-aware fuzzer of ShouldRateLimit (RlsHandler on the memory store, the fixture
// envoyproxy/ratelimit configs). Requests are JS objects with odd shapes (missing, null, wrong-typed domain,
// descriptors, entries, keys and values; empty, huge, unicode and control-character strings; thousands of
// entries and descriptors; odd hits_addend and per-descriptor UInt64Value; overrides with odd units and
// values), each also sent through the real proto (encode + decode) when it encodes. Oracles: the handler
// only ever refuses with RlsRequestError (the gRPC error envoyproxy/ratelimit gives), never another
// exception; the response encodes with the service's own serializer and decodes to the same codes; one
// status per descriptor; overall_code is OVER_LIMIT exactly when a status is; limit_remaining is a uint32;
// the counter store grows by at most what the request's descriptors could create; metric series stay
// bounded; and a normal request is answered correctly afterwards.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { loadDomainDir } from '../../../src/ratelimit/envoy-config/loader.js';
import type { ConfigState } from '../../../src/ratelimit/envoy-config/watcher.js';
import { tallyCount } from '../../../src/ratelimit/metrics.js';
import { RlsHandler, RlsRequestError } from '../../../src/ratelimit/rls/handler.js';
import { RLS_SERVICE } from '../../../src/server/grpc.js';
import { serviceDef } from '../../../src/server/protos.js';
import { Rng } from '../pipeline/fuzz/prng.js';
import { genRlsRequest } from './fuzz/gen-rls.js';
import { judgeRls } from './fuzz/oracles.js';
import { testLimiter, type TestLimiter } from './helpers.js';

const VALID = join(import.meta.dirname, '../../fixtures/ratelimit/valid');
const method = serviceDef(RLS_SERVICE).ShouldRateLimit!;
const SEEDS = process.env.PORTCULLIS_FUZZ_SEEDS?.split(',').map(Number) ?? [0x71500001, 0x71500002, 0x71500003];
const PER_SEED = Number(process.env.PORTCULLIS_FUZZ_N ?? 400);

/** The request as the gRPC server would hand it over, or undefined when the object cannot be encoded. */
function throughProto(req: any): any {
  try { return method.requestDeserialize(method.requestSerialize(req)); } catch { return undefined; }
}

describe('ShouldRateLimit under fuzzed RateLimitRequests (memory store)', () => {
  let t: TestLimiter;
  let state: ConfigState;

  beforeEach(() => {
    const r = loadDomainDir(VALID, { strict: false, failureMode: 'closed' });
    assert.deepEqual(r.problems, []);
    state = { current: r.set!, lastAttempt: 0 };
    t = testLimiter();
  });
  afterEach(() => t.close());

  for (const seed of SEEDS) {
    it(`seed ${seed.toString(16)}: ${PER_SEED} requests (and their proto-decoded forms)`, async () => {
      const rng = new Rng(seed);
      const h = new RlsHandler(state, t.limiter, { headers: rng.pick(['none', 'ietf', 'ietf-draft-03', 'x-ratelimit'] as const), globalShadowMode: false, failureMode: 'closed' });
      const problems: string[] = [];
      let answered = 0;
      let refused = 0;
      let over = 0;
      for (let i = 0; i < PER_SEED && problems.length < 10; i++) {
        const raw = genRlsRequest(rng);
        const forms = [raw, throughProto(raw)].filter((x) => x !== undefined);
        for (const req of forms) {
          const before = t.local.size;
          let resp: any;
          try {
            resp = await h.handle(req);
          } catch (err) {
            if (err instanceof RlsRequestError) { refused++; continue; }
            problems.push(`#${i}: ${(err as Error)?.stack?.split('\n').slice(0, 3).join(' ')} for ${JSON.stringify(req, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))?.slice(0, 300)}`);
            continue;
          }
          answered++;
          if (resp.overall_code === 'OVER_LIMIT') over++;
          for (const q of judgeRls(req, resp)) problems.push(`#${i}: ${q}`);
          const grown = t.local.size - before;
          const n = Array.isArray(req?.descriptors) ? req.descriptors.length : 0;
          if (grown > 2 * n) problems.push(`#${i}: ${grown} counter keys for ${n} descriptors`);
        }
        t.clock.advance(rng.int(3) === 0 ? rng.int(120_000) : 0);
      }
      assert.deepEqual(problems, []);
      assert.ok(answered > PER_SEED / 2 && over > 0, `answered ${answered} (${over} over the limit), refused ${refused}`);
      assert.ok(refused > 0, 'some requests are malformed enough to be refused');
      assert.ok(tallyCount() < 500, `metric series: ${tallyCount()}`);
      // the service still answers a normal request correctly: messaging to_number (100 per day) for a new number
      const normal = await h.handle({ domain: 'messaging', descriptors: [{ entries: [{ key: 'to_number', value: `after-${seed}` }] }] });
      assert.deepEqual(normal.statuses.map((s: any) => [s.code, s.current_limit.requests_per_unit, s.limit_remaining]), [['OK', 100, 99]]);
    });
  }
});
