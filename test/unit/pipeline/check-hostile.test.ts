// Hostile CheckRequests (gen-hostile.ts) and RateLimitRequests (gen-rls.ts) through check() and the
// runtime's ShouldRateLimit, on the full demo config with every threat feature on (hostile-runtime.ts).
// Complements check-fuzz.test.ts (which mangles field types): these requests are what a decoder produces.
// Oracles per request:
//  - the handler answers (never throws, never leaves the call pending);
//  - the check-fuzz oracles (judge): a stable deny code with a JSON body, never ERR_INTERNAL, no allow on an
//    identity route without a valid credential, the response survives the service's serializer;
//  - no fixture secret (JWT signing key, HMAC secret, SAML secrets, API key, admin token) in the response
//    or in any log line, no error-level log line;
//  - placement does not change a refusal into an allow: the same request with its headers in the other
//    map (headers ↔ header_map), its body in the other field (raw_body ↔ body) is not allowed when the
//    original was refused for a reason that is not counting state (rate limits, bans, anomalies).
// Seeded. PORTCULLIS_FUZZ_N raises the count (deep local runs) and prints the slowest inputs (CPU).
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Logger } from 'pino';
import { parseConfig } from '../../../src/config/loader.js';
import { check } from '../../../src/pipeline/check.js';
import { buildRuntime, closeRuntime, type Runtime } from '../../../src/pipeline/runtime.js';
import { AUTH_SERVICE } from '../../../src/server/grpc.js';
import { serviceDef } from '../../../src/server/protos.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { createLogger } from '../../../src/telemetry/logger.js';
import { genRlsRequest } from '../ratelimit/fuzz/gen-rls.js';
import { judgeRls } from '../ratelimit/fuzz/oracles.js';
import type { CredEnv } from './fuzz/gen-credentials.js';
import { genHostile } from './fuzz/gen-hostile.js';
import { hostileSetup, type HostileSetup } from './fuzz/hostile-runtime.js';
import { judge, logProblems } from './fuzz/oracles.js';
import { Rng } from './fuzz/prng.js';

const method = serviceDef(AUTH_SERVICE).Check!;
const SEEDS = process.env.PORTCULLIS_FUZZ_SEEDS?.split(',').map(Number) ?? [0x4057_0001, 0x4057_0002];
const PER_SEED = Number(process.env.PORTCULLIS_FUZZ_N ?? 150);
/** Refusals that depend on what came before (counters, bans, anomaly windows), not on the request. */
const STATEFUL = /^ERR_(RATE_LIMITED|BANNED|UNAVAILABLE)$/;

/**
 * Settles `p`, counting the event-loop turns it took (reported with the slowest inputs, not asserted: an
 * ES256 verification runs on libuv's thread pool, so the count depends on the machine). A request that
 * never settles hangs this test, which is the failure.
 */
async function settle<T>(p: Promise<T>): Promise<{ value?: T; error?: unknown; turns: number }> {
  let state: 0 | 1 | 2 = 0;
  let value: T | undefined;
  let error: unknown;
  p.then((v) => { state = 1; value = v; }, (e) => { state = 2; error = e; });
  let turns = 0;
  while (state === 0) { await new Promise((r) => setImmediate(r)); turns++; }
  return { value, error, turns };
}

/** The same request with its headers in the other map, or its body in the other field. */
function variants(req: any): Array<[string, any]> {
  const out: Array<[string, any]> = [];
  const http = req.attributes.request.http;
  const clone = () => ({ ...req, attributes: { ...req.attributes, request: { ...req.attributes.request, http: { ...http } } } });
  if (http.header_map) {
    const v = clone();
    const m: Record<string, string> = {};
    for (const x of http.header_map.headers) {
      const k = String(x.key).toLowerCase();
      const val = x.raw_value && x.raw_value.length > 0 ? Buffer.from(x.raw_value).toString('utf8') : (x.value ?? '');
      m[k] = m[k] === undefined ? val : `${m[k]},${val}`;
    }
    delete v.attributes.request.http.header_map;
    v.attributes.request.http.headers = m;
    out.push(['headers map', v]);
  } else if (http.headers) {
    const v = clone();
    delete v.attributes.request.http.headers;
    v.attributes.request.http.header_map = { headers: Object.entries(http.headers).map(([key, value]) => ({ key, value })) };
    out.push(['header_map', v]);
  }
  const raw: Buffer | undefined = http.raw_body;
  if (raw && raw.length > 0 && (http.body === undefined || http.body === '') && Buffer.from(raw.toString('utf8'), 'utf8').equals(raw)) {
    const v = clone();
    delete v.attributes.request.http.raw_body;
    v.attributes.request.http.body = raw.toString('utf8');
    out.push(['body string', v]);
  } else if (!raw && typeof http.body === 'string' && http.body !== '') {
    const v = clone();
    delete v.attributes.request.http.body;
    v.attributes.request.http.raw_body = Buffer.from(http.body, 'utf8');
    out.push(['raw_body', v]);
  }
  return out;
}

describe('check() and ShouldRateLimit under hostile requests (every feature on)', () => {
  let setup: HostileSetup;
  let rt: Runtime;
  let logger: Logger;
  let env: CredEnv;
  const lines: string[] = [];
  const slow: Array<{ us: number; label: string }> = [];

  before(async () => {
    setup = hostileSetup();
    env = { tokens: [setup.cred.ALICE_TOKEN!, setup.cred.WRITER_TOKEN!, setup.cred.ADMIN_TOKEN!], apiKey: setup.cred.API_KEY!, partnerSecret: setup.partnerSecret };
    const sink = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
    logger = createLogger('debug', sink);
    rt = await buildRuntime(parseConfig(setup.yaml, `${setup.dir}/portcullis.yaml`), new MemoryStore(), logger);
    for (const m of rt.modules.values()) await m.start?.();
  });
  after(async () => {
    if (rt) await closeRuntime(rt);
    if (setup) rmSync(setup.dir, { recursive: true, force: true });
    if (process.env.PORTCULLIS_FUZZ_N) {
      slow.sort((a, b) => b.us - a.us);
      console.log('slowest inputs (CPU µs, label):\n' + slow.slice(0, 25).map((s) => `${s.us}\t${s.label}`).join('\n'));
    }
  });

  /** One Check with every oracle; its verdict, or undefined when it failed one that makes the verdict moot. */
  async function one(req: any, secrets: readonly string[], validCred: boolean, where: string, problems: string[]) {
    lines.length = 0;
    const cpu = process.cpuUsage();
    const r = await settle(check(rt, req, logger));
    const used = process.cpuUsage(cpu);
    slow.push({ us: used.user + used.system, label: `${where} (${r.turns} turns)` });
    if (slow.length > 200) { slow.sort((a, b) => b.us - a.us); slow.length = 50; }
    if (r.error !== undefined) { problems.push(`${where}: check() rejected: ${(r.error as Error)?.stack?.split('\n').slice(0, 3).join(' | ')}`); return undefined; }
    const j = judge(r.value, [...secrets, ...setup.fixtureSecrets], validCred);
    for (const p of [...j.problems, ...logProblems(lines, [...secrets, ...setup.fixtureSecrets])]) problems.push(`${where}: ${p}`);
    return j.verdict;
  }

  function report(problems: string[]): void {
    const seen = new Map<string, string>();
    for (const p of problems) {
      const key = p.replace(/^[^:]*: /, '').replace(/[0-9a-f]{8}-[0-9a-f-]{27}|\d+/g, '').slice(0, 160);
      if (!seen.has(key)) seen.set(key, p);
    }
    assert.deepEqual([...seen.values()].slice(0, 30), []);
  }

  it('Check: hostile requests, directly and through the proto; placement never turns a refusal into an allow', async () => {
    const problems: string[] = [];
    const codes = new Map<string, number>();
    for (const seed of SEEDS) {
      const r = new Rng(seed);
      for (let i = 0; i < PER_SEED; i++) {
        const g = genHostile(r, env);
        const where = `seed ${seed.toString(16)} #${i} [${g.label}]`;
        // what the gRPC server hands over: the proto's own decoding of the request
        let req = g.req;
        if (r.chance(0.5)) {
          try { req = method.requestDeserialize(method.requestSerialize(g.req)); } catch (err) { problems.push(`${where}: the generator made a request the proto cannot encode: ${(err as Error).message}`); continue; }
        }
        const v = await one(req, g.secrets, g.validCred, where, problems);
        if (!v) continue;
        codes.set(v.code, (codes.get(v.code) ?? 0) + 1);
        if (v.allowed || STATEFUL.test(v.code)) continue;
        for (const [name, alt] of variants(req)) {
          const w = await one(alt, g.secrets, g.validCred, `${where} as ${name}`, problems);
          if (w?.allowed) problems.push(`${where}: refused ${v.code}, but allowed with the ${name}`);
        }
      }
    }
    report(problems);
    // worth something only if the requests reach allows and the modules' own refusals
    const seen = [...codes.keys()];
    for (const re of [/^OK$/, /^ERR_BAD_REQUEST$/, /^ERR_UNAUTHENTICATED$/, /^ERR_VALIDATION/, /^ERR_THREAT/]) assert.ok(seen.some((c) => re.test(c)), `${re} in ${seen.join(', ')}`);
    if (process.env.PORTCULLIS_FUZZ_N) console.log([...codes].sort().map(([k, n]) => `${k}: ${n}`).join('\n'));
  });

  it('ShouldRateLimit: hostile RateLimitRequests get an answer or INVALID_ARGUMENT, and never hang', async () => {
    const rl = rt.modules.get('ratelimit');
    assert.ok(rl?.shouldRateLimit);
    const rls = serviceDef('envoy.service.ratelimit.v3.RateLimitService').ShouldRateLimit!;
    const problems: string[] = [];
    let answered = 0;
    for (const seed of SEEDS) {
      const r = new Rng(seed ^ 0x5a5a);
      for (let i = 0; i < PER_SEED; i++) {
        let req = genRlsRequest(r);
        if (r.chance(0.7) && req && typeof req === 'object') req.domain = 'portcullis';
        if (r.chance(0.5)) { try { req = rls.requestDeserialize(rls.requestSerialize(req)); } catch { /* not encodable: sent as it is */ } }
        const where = `rls seed ${seed.toString(16)} #${i}`;
        lines.length = 0;
        const cpu = process.cpuUsage();
        const res = await settle(Promise.resolve().then(() => rl.shouldRateLimit!(req)));
        const used = process.cpuUsage(cpu);
        slow.push({ us: used.user + used.system, label: `${where} (${Array.isArray(req?.descriptors) ? req.descriptors.length : '?'} descriptors)` });
        if (res.error !== undefined) {
          if ((res.error as { grpcStatus?: number }).grpcStatus !== 3) problems.push(`${where}: threw ${(res.error as Error)?.stack?.split('\n').slice(0, 2).join(' | ')}`);
          continue;
        }
        answered++;
        for (const p of judgeRls(req, res.value)) problems.push(`${where}: ${p}`);
        for (const p of logProblems(lines, setup.fixtureSecrets)) problems.push(`${where}: ${p}`);
      }
    }
    report(problems);
    assert.ok(answered > PER_SEED / 2, `answered ${answered}`);
  });

  it('the policy decision log of all those requests holds no fixture secret and no credential of theirs', async () => {
    await closeRuntime(rt); // flushes the decision log
    rt = undefined as unknown as Runtime;
    assert.ok(existsSync(setup.decisionLog), 'the policy logged decisions');
    const text = readFileSync(setup.decisionLog, 'utf8');
    assert.ok(text.split('\n').length > 2, `decisions were logged: ${text.split('\n').length} lines`);
    // the demo's valid credentials, sent in the places the identity config names (masked by default)
    const creds = [env.apiKey, ...env.tokens.flatMap((t) => t.split('.').filter((p) => p.length >= 16))];
    const found = [...setup.fixtureSecrets, ...creds].filter((x) => text.includes(x)).map((x) => `${x.slice(0, 8)}…`);
    assert.deepEqual(found, []);
  });
});
