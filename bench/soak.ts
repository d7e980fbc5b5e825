// Memory soak: the whole demo pipeline (envoy/portcullis-full.yaml: identity, policy, rate limits, threat)
// in-process on the in-memory store. Sends N Checks (and N ShouldRateLimit calls) twice, each run in its own
// process: once N identical requests, once N requests whose attacker-controlled fields all differ (client
// address, path, query names, tokens, API keys, cookies, user agent; every 16th carries an injection, so
// gets its address banned). Prints heap (after a GC), RSS and the size of the main caches at intervals, side
// by side, so growth is visible. Numbers only: no thresholds.
//   npm run bench:soak            (SOAK_REQUESTS=200000, SOAK_SAMPLES=10)
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { importPKCS8, SignJWT } from 'jose';
import { parseConfig } from '../src/config/loader.js';
import type { IdentityInstance } from '../src/identity/module.js';
import { check } from '../src/pipeline/check.js';
import { buildRuntime, closeRuntime } from '../src/pipeline/runtime.js';
import type { RatelimitInstance } from '../src/ratelimit/instance.js';
import { tallyCount } from '../src/ratelimit/metrics.js';
import { MemoryStore } from '../src/store/memory.js';
import { registry } from '../src/telemetry/metrics.js';
import { createLogger } from '../src/telemetry/logger.js';
import type { ThreatModule } from '../src/threat/module.js';
import { checkRequest } from '../test/unit/helpers.js';
import { machine } from './lib.js';

const N = Number(process.env.SOAK_REQUESTS ?? 200_000);
const SAMPLES = Math.max(1, Number(process.env.SOAK_SAMPLES ?? 10));
const ROOT = resolve(import.meta.dirname, '..');
const CONFIG = join(ROOT, 'envoy/portcullis-full.yaml');

type Mode = 'identical' | 'varied';
interface Sample { requests: number; [column: string]: number }
const COLUMNS: Array<[key: string, title: string]> = [
  ['heapMB', 'heap MB'], ['rssMB', 'RSS MB'], ['storeKeys', 'store keys'], ['rlCounters', 'RL counters'], ['nearCache', 'near cache'],
  ['offenders', 'offenders'], ['rlTallies', 'RL tallies'], ['anomaly', 'anomaly clients'], ['cadence', 'cadence clients'],
  ['banCache', 'ban cache'], ['tokenCache', 'token cache'], ['series', 'metric series'], ['checksPerS', 'checks/s'],
];

if (process.env.SOAK_CHILD) await child(process.env.SOAK_CHILD as Mode, process.env.PORTCULLIS_DEMO_DIR!);
else parent();

function parent(): void {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-soak-'));
  try {
    execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/demo-credentials.ts'), dir], { stdio: 'ignore' });
    console.log(`soak: ${N} Checks + ${N} ShouldRateLimit per run, ${SAMPLES} samples; ${machine()}`);
    const runs = new Map<Mode, Sample[]>();
    for (const mode of ['identical', 'varied'] as const) {
      const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', import.meta.filename], {
        env: { ...process.env, SOAK_CHILD: mode, PORTCULLIS_DEMO_DIR: dir }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
      });
      if (r.status !== 0) throw new Error(`${mode} run failed (${r.status}):\n${r.stderr}`);
      runs.set(mode, r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Sample));
    }
    const a = runs.get('identical')!, b = runs.get('varied')!;
    console.log('\nEach cell: identical requests | attacker-varied requests.');
    console.log(`| requests | ${COLUMNS.map(([, t]) => t).join(' | ')} |`);
    console.log(`| ---: | ${COLUMNS.map(() => '---:').join(' | ')} |`);
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const cell = (s: Sample | undefined, k: string) => s === undefined ? '-' : k.endsWith('MB') ? s[k]!.toFixed(1) : String(Math.round(s[k]!));
      console.log(`| ${(a[i] ?? b[i])!.requests} | ${COLUMNS.map(([k]) => `${cell(a[i], k)} \\| ${cell(b[i], k)}`).join(' | ')} |`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function child(mode: Mode, demoDir: string): Promise<void> {
  const logger = createLogger('silent');
  const store = new MemoryStore();
  const rt = await buildRuntime(parseConfig(readFileSync(CONFIG, 'utf8'), CONFIG, { ...process.env, PORTCULLIS_DEMO_DIR: demoDir }), store, logger);
  for (const m of rt.modules.values()) await m.start?.();
  const identity = rt.modules.get('identity') as IdentityInstance;
  const rl = rt.modules.get('ratelimit') as RatelimitInstance;
  const threat = (rt.modules.get('threat') as ThreatModule).state;

  const demoEnv = Object.fromEntries(readFileSync(join(demoDir, 'env.sh'), 'utf8').split('\n').filter(Boolean)
    .map((l) => { const m = /^export (\w+)='(.*)'$/.exec(l)!; return [m[1]!, m[2]!]; }));
  const key = await importPKCS8(readFileSync(join(demoDir, 'issuer-private.pem'), 'utf8'), 'ES256');
  const mint = (sub: string) => new SignJWT({ roles: ['reader'] }).setProtectedHeader({ alg: 'ES256', kid: 'demo-1', typ: 'JWT' })
    .setIssuer('https://issuer.demo.portcullis.test/').setAudience('portcullis-demo').setSubject(sub)
    .setIssuedAt().setExpirationTime('2h').sign(key);
  // distinct valid tokens (each a new token-cache entry), minted before the clock starts
  const pool: string[] = [];
  if (mode === 'varied') for (let i = 0; i < Math.min(20_000, Math.ceil(N / 8)); i++) pool.push(await mint(`user-${i}`));

  const services = ['users', 'payments', 'orders', 'inventory', 'web', 'web'];
  const identical = {
    check: checkRequest({
      path: '/api/v1/orders/42?expand=items', source: '192.0.2.10', contextExtensions: { service: 'orders' },
      headers: { authorization: `Bearer ${demoEnv.ALICE_TOKEN}`, 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0 Safari/537.36', accept: 'application/json', cookie: 'theme=dark' },
    }),
    rls: { domain: 'portcullis', descriptors: [{ entries: [{ key: 'remote_address', value: '192.0.2.10' }] }, { entries: [{ key: 'path', value: '/api/v1/orders/42' }] }] },
  };
  const varied = (i: number) => {
    const ip = i % 2 === 0 ? `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}` : `2001:db8:${(i >>> 16).toString(16)}::${(i & 0xffff).toString(16)}`;
    const path = `/api/v1/orders/${i}${i % 16 === 0 ? `?q=${encodeURIComponent("' OR 1=1 UNION SELECT password FROM users--")}` : `?f${i}=x&g${i.toString(36)}=y`}`;
    const headers: Record<string, string> = {
      'user-agent': `Mozilla/5.0 (soak ${i}; ${randomBytes(4).toString('hex')}) Chrome/126.0 Safari/537.36`,
      accept: 'application/json',
      cookie: `portcullis_session=${randomBytes(24).toString('base64url')}; c${i}=${randomBytes(6).toString('hex')}`,
      [`x-custom-${i % 1000}`]: randomBytes(8).toString('hex'),
    };
    switch (i % 4) {
      case 0: headers.authorization = `Bearer eyJhbGciOiJFUzI1NiIsImtpZCI6ImRlbW8tMSJ9.${randomBytes(48).toString('base64url')}.${randomBytes(64).toString('base64url')}`; break;
      case 1: headers.authorization = `Bearer ${pool[i % pool.length]}`; break;
      case 2: headers['x-api-key'] = `pk_${randomBytes(24).toString('base64url')}`; break;
      default: break;
    }
    return {
      check: checkRequest({ path, source: ip, headers, contextExtensions: { service: services[i % services.length]! } }),
      rls: { domain: 'portcullis', descriptors: [{ entries: [{ key: 'remote_address', value: ip }] }, { entries: [{ key: 'path', value: path }] }, { entries: [{ key: 'remote_address', value: ip }, { key: 'path', value: path }] }] },
    };
  };

  const every = Math.max(1, Math.floor(N / SAMPLES));
  let t0 = process.hrtime.bigint(), since = 0;
  const sample = async (i: number) => {
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const rate = i === 0 ? 0 : (i - since) / secs;
    (globalThis as { gc?: () => void }).gc?.();
    const mem = process.memoryUsage();
    const text = await registry.metrics();
    const s: Sample = {
      requests: i,
      heapMB: mem.heapUsed / 2 ** 20, rssMB: mem.rss / 2 ** 20,
      storeKeys: store.size, rlCounters: rl.state.local.size, nearCache: rl.state.nearCache.size, offenders: rl.state.offenders.size,
      rlTallies: tallyCount(), anomaly: threat.anomaly?.size ?? 0, cadence: threat.cadence?.size ?? 0, banCache: threat.bans.cacheSize,
      tokenCache: identity.tokenCache.size, series: text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length, checksPerS: rate,
    };
    console.log(JSON.stringify(s));
    t0 = process.hrtime.bigint(); since = i;
  };

  await sample(0);
  for (let i = 1; i <= N; i++) {
    const r = mode === 'identical' ? identical : varied(i);
    await check(rt, r.check, logger);
    await rl.shouldRateLimit(r.rls);
    if (i % every === 0 || i === N) await sample(i);
  }
  await closeRuntime(rt);
  await store.close();
  process.exit(0);
}
