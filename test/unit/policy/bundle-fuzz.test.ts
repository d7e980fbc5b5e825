// Seeded fuzz of OPA bundle updates from a hostile bundle server (src/policy/sources/http-source.ts →
// bundle/archive.ts, bundle.ts, signature.ts, wasm/engine.ts → bundle-target.ts): bundles generated from
// real `opa build` output (test/unit/policy/bundle-variants.ts: garbage, truncated or corrupted gzip, path
// traversal and absolute names, symlinks and hardlinks, duplicate files, data within and past the limits,
// a gzip bomb, .manifest fields of the wrong type, overlapping roots, roots not covering the data, a wrong
// rego_version, Wasm that is not Wasm / exports nothing / has other entrypoints / needs a builtin we lack),
// signed bundles with a missing, malformed or foreign .signatures.json or files outside the signature, and
// HTTP-level hostility (test/unit/fuzz-remote/hostile-http.ts plus 304 without a previous bundle, 200 with
// the old ETag, redirects, slow bodies). Oracles: every poll returns (awaited; the fetch timeout is 250 ms);
// a bad bundle never replaces the last good one and requests keep the old policy's decisions; every rejected
// update is counted in portcullis_policy_bundle_failures_total; before any good bundle the route denies with
// ERR_POLICY (503); logs name the bundle and the problem and never carry the bundle server's token; nothing
// is written or read outside (traversal and absolute names aim at marker files that must not appear, and a
// symlink to /etc/passwd never puts its content in the data).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Deny } from '../../../src/pipeline/deny.js';
import { readArchive } from '../../../src/policy/bundle/archive.js';
import { BundleTarget } from '../../../src/policy/bundle-target.js';
import { PolicyStage } from '../../../src/policy/policy-stage.js';
import { HttpBundleSource, type HttpSourceOptions } from '../../../src/policy/sources/http-source.js';
import { DEFAULT_MEMORY } from '../../../src/policy/wasm/engine.js';
import { dataValue, type LoadOptions } from '../../../src/policy/bundle/load.js';
import { registry } from '../../../src/telemetry/metrics.js';
import { hostilePlan, writePlan, type Plan } from '../fuzz-remote/hostile-http.js';
import { fixtureServer } from '../identity/helpers.js';
import { Rng } from '../pipeline/fuzz/prng.js';
import { hostileBundle, tarOf, type Ingredients } from './bundle-variants.js';
import { ctxFor, opaBuild } from './helpers.js';

const ROUNDS = Number(process.env.PORTCULLIS_FUZZ_N ?? 60);
const TOKEN = 'bundle-t0ken-never-in-logs-0123456789';
const SIGNING_SECRET = 'bundle-signing-secret-0123456789abcdef';
const LIMITS = { maxBytes: 2 * 1024 * 1024, maxFiles: 100 };
const POLICY = 'package fz\n\ndefault allow := false\n\nallow if input.attributes.request.http.headers["x-v"] == data.fz.want\n';

const build = (want: string, revision: string, signingKey?: string): Buffer =>
  opaBuild({ files: { 'fz/p.rego': POLICY, 'data.json': JSON.stringify({ fz: { want } }) }, entrypoints: ['fz/allow'], revision, signingKey, signingAlg: signingKey ? 'HS256' : undefined });

async function failuresOf(bundle: string): Promise<number> {
  const v = await registry.getSingleMetric('portcullis_policy_bundle_failures_total')!.get();
  return v.values.filter((x) => x.labels.bundle === bundle).reduce((a, x) => a + x.value, 0);
}

/** What the route answers for x-v: 1 and x-v: 2 ("allow" / a deny code). */
function decisions(stage: PolicyStage): string {
  return ['1', '2'].map((v) => {
    const d = stage.run(ctxFor({ headers: { 'x-v': v } }));
    return d instanceof Deny ? `${d.code}/${d.status}` : 'allow';
  }).join(' ');
}
const V1 = 'allow ERR_POLICY_DENIED/403';
const V2 = 'ERR_POLICY_DENIED/403 allow';
const NOT_LOADED = 'ERR_POLICY/503 ERR_POLICY/503';

describe('policy bundles from a hostile bundle server', () => {
  let plan: Plan | ((path: string) => Plan);
  let srv: Awaited<ReturnType<typeof fixtureServer>>;
  let dir: string;
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, new Writable({ write(c, _e, cb) { lines.push(String(c)); cb(); } }));
  let ing: Ingredients;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-bundle-fuzz-'));
    srv = await fixtureServer((req, res) => writePlan(res, typeof plan === 'function' ? plan(req.url ?? '/') : plan));
    const other = opaBuild({ files: { 'other/p.rego': 'package other\n\nallow := true\n' }, entrypoints: ['other/allow'] });
    const needs = opaBuild({ files: { 'fz/p.rego': 'package fz\n\nallow if http.send({"method": "GET", "url": "http://127.0.0.1:9/"}).status_code == 200\n' }, entrypoints: ['fz/allow'] });
    ing = {
      otherWasm: (await readArchive(other)).get('policy.wasm')!,
      missingBuiltinWasm: (await readArchive(needs)).get('policy.wasm')!,
      markers: [join(dir, 'x'), join(dir, 'policy.wasm'), join(tmpdir(), `portcullis-fuzz-marker-${process.pid}`)],
      ...LIMITS,
    };
  });
  after(async () => {
    await srv?.close();
    for (const m of ing?.markers ?? []) assert.equal(existsSync(m), false, `${m} was written`);
    rmSync(dir, { recursive: true, force: true });
  });

  /** A source + target + route for bundle `name`, polled by hand. */
  async function rig(name: string, over: Partial<HttpSourceOptions> = {}, load: LoadOptions = {}) {
    const http: HttpSourceOptions = { url: `${srv.url}/bundles/${name}`, headers: { authorization: `Bearer ${TOKEN}` }, minDelayMs: 600_000, maxDelayMs: 600_000, timeoutMs: 250, maxBytes: 1024 * 1024, ...over };
    const src = new HttpBundleSource(`k-${name}`, name, http, { limits: LIMITS, ...load }, logger).retain();
    const target = new BundleTarget(name, src, [], DEFAULT_MEMORY, logger);
    target.requiredEntrypoints.add('fz/allow');
    await target.init();
    const stage = new PolicyStage({ route: 'r', target, entrypoint: 'fz/allow', targets: new Map([[name, target]]), input: { parseBody: false }, shadow: false, logger });
    const poll = async (): Promise<void> => { await src.poll(); await target.settled(); };
    return { src, target, stage, poll, close: async () => { target.close(); await src.release(); } };
  }

  const body = (bytes: Buffer, etag?: string): Plan => ({ what: 'bundle', status: 200, headers: { 'content-type': 'application/gzip', ...(etag ? { etag } : {}) }, body: bytes });

  /** Wrap a bundle (good or hostile) in an HTTP-level answer. */
  function httpPlan(r: Rng, bytes: Buffer, goodBytes: Buffer, oldEtag: string): { plan: Plan | ((path: string) => Plan); httpWhat: string; sameAsGood: boolean } {
    switch (r.int(12)) {
      case 0: return { plan: body(bytes, oldEtag), httpWhat: '200 with the old ETag', sameAsGood: false };
      case 1: return { plan: (p) => (p.startsWith('/elsewhere') ? body(bytes, `"r${r.int(1e9)}"`) : { what: 'redirect', status: r.pick([301, 302, 307, 308]), headers: { location: '/elsewhere/b.tar.gz' }, body: Buffer.alloc(0) }), httpWhat: 'redirect to the bundle', sameAsGood: false };
      case 2: {
        const h = hostilePlan(r, goodBytes.toString('latin1'), () => 'mutated', 1024 * 1024);
        // a hostile answer whose body is the good bundle's bytes is still the good bundle
        const good = Buffer.isBuffer(h.body) && h.body.equals(Buffer.from(goodBytes.toString('latin1'), 'latin1')) && h.status === 200;
        return { plan: h, httpWhat: `hostile HTTP: ${h.what}`, sameAsGood: good };
      }
      case 3: return { plan: { what: 'slow body', status: 200, headers: { 'content-type': 'application/gzip' }, body: { trickle: bytes } }, httpWhat: 'slow body', sameAsGood: false };
      case 4: return { plan: { what: 'redirect loop', status: 302, headers: { location: r.pick(['/bundles/fz', 'http://127.0.0.1:9/b', 'file:///etc/passwd']) }, body: Buffer.alloc(0) }, httpWhat: 'bad redirect', sameAsGood: false };
      default: return { plan: body(bytes, `"r${r.int(1e9)}"`), httpWhat: '200', sameAsGood: false };
    }
  }

  it(`${ROUNDS} hostile bundles: the last good policy keeps deciding, every rejection is counted, nothing leaks`, async () => {
    const r = new Rng(0xb0d1e);
    const good = build('1', 'rev-1');
    const v2 = build('2', 'rev-2');
    const files = new Map([...(await readArchive(good))].map(([k, v]) => [`/${k}`, v]));
    const fz = await rig('fz');
    const problems: string[] = [];
    try {
      // before any good bundle: fail closed, counted
      for (let i = 0; i < 4; i++) {
        const v = await hostileBundle(r, good, files, ing);
        if (v.verdict !== 'bad') continue;
        plan = body(v.bytes, '"bad"');
        const f0 = await failuresOf('fz');
        await fz.poll();
        if (decisions(fz.stage) !== NOT_LOADED) problems.push(`before a good bundle, ${v.what}: ${decisions(fz.stage)}`);
        if (await failuresOf('fz') <= f0) problems.push(`before a good bundle, ${v.what}: not counted`);
      }
      plan = body(good, '"good-1"');
      await fz.poll();
      assert.equal(decisions(fz.stage), V1, 'the good bundle is activated');

      let accepted = 0;
      for (let i = 0; i < ROUNDS && problems.length < 10; i++) {
        if (i % 10 === 9) {
          // a real update still goes through (the oracle is not vacuous), then back to v1
          plan = body(v2, `"v2-${i}"`);
          await fz.poll();
          if (decisions(fz.stage) !== V2) problems.push(`#${i} a good update was not activated`);
          plan = body(good, `"good-${i}"`);
          await fz.poll();
          if (decisions(fz.stage) !== V1) problems.push(`#${i} back to v1 failed`);
          continue;
        }
        const v = await hostileBundle(r, good, files, ing);
        const h = httpPlan(r, v.bytes, good, '"good-1"');
        plan = h.plan;
        const what = `#${i} ${v.what} (${h.httpWhat})`;
        const before = fz.target.active;
        const f0 = await failuresOf('fz');
        await fz.poll();
        const changed = fz.target.active !== before;
        if (changed) accepted++;
        const d = decisions(fz.stage);
        if (d !== V1) problems.push(`${what}: decisions changed to ${d}`);
        if (v.verdict === 'bad' && !h.sameAsGood && changed) problems.push(`${what}: accepted (revision ${fz.target.active?.revision})`);
        if (!changed && !h.sameAsGood && (v.verdict === 'bad' || h.httpWhat !== '200') && await failuresOf('fz') <= f0) problems.push(`${what}: rejected but not counted`);
        const data = JSON.stringify(fz.src.latest ? dataValue(fz.src.latest.data) : {});
        if (data.includes('root:') || data.includes('written?')) problems.push(`${what}: outside content in the data: ${data.slice(0, 100)}`);
      }
      assert.ok(accepted > 0, 'some harmless variants were accepted (the generator is not all-bad)');
    } finally {
      await fz.close();
    }
    assert.deepEqual(problems, []);
    for (const l of lines) assert.ok(!l.includes(TOKEN), `a log line carries the bundle server's token: ${l.slice(0, 200)}`);
    assert.ok(lines.some((l) => l.includes('"bundle":"fz"') && l.includes('"reason":"manifest"') && l.includes('keeping the last good bundle')), 'failures are logged with the bundle and the problem');
  });

  it('HTTP: a 304 before any bundle is a counted failure and the route stays closed; 200 with the old ETag is checked', async () => {
    const good = build('1', 'rev-1');
    const z = await rig('fz304');
    try {
      plan = { what: '304', status: 304, headers: { etag: '"whatever"' }, body: Buffer.alloc(0) };
      const f0 = await failuresOf('fz304');
      await z.poll();
      assert.equal(decisions(z.stage), NOT_LOADED);
      assert.ok(await failuresOf('fz304') > f0, 'a 304 to a request without If-None-Match is counted as a failure');
      assert.match(z.src.status.lastError ?? '', /304/);

      plan = body(good, '"e1"');
      await z.poll();
      assert.equal(decisions(z.stage), V1);
      // the same ETag with a broken body: the body is what counts
      plan = body(Buffer.from('garbage'), '"e1"');
      const f1 = await failuresOf('fz304');
      await z.poll();
      assert.equal(decisions(z.stage), V1);
      assert.ok(await failuresOf('fz304') > f1);
      plan = { what: '304', status: 304, headers: { etag: '"e1"' }, body: Buffer.alloc(0) };
      await z.poll();
      assert.equal(decisions(z.stage), V1);
    } finally {
      await z.close();
    }
  });

  it('signed bundles: a missing, malformed or foreign signature, or a file outside it, never replaces the signed policy', async () => {
    const r = new Rng(0x5167);
    const signed = build('1', 'rev-1', SIGNING_SECRET);
    const signedV2 = build('2', 'rev-2', SIGNING_SECRET);
    const foreign = build('2', 'rev-2', 'some-other-secret-0123456789abcdef');
    const files = new Map([...(await readArchive(signed))].map(([k, v]) => [`/${k}`, v]));
    const foreignSig = (await readArchive(foreign)).get('.signatures.json')!;
    const v2Files = await readArchive(signedV2);
    const keys = new Map([['k1', { algorithm: 'HS256', key: SIGNING_SECRET }]]);
    const s = await rig('fzsig', {}, { signing: { keys, keyid: 'k1' } });
    const base = () => [...files].map(([name, content]) => ({ name, content }));
    const sig = JSON.parse(files.get('/.signatures.json')!.toString('utf8')) as { signatures: string[] };
    const variants: Array<[string, () => Promise<Buffer>]> = [
      ['no .signatures.json', () => tarOf(base().filter((e) => e.name !== '/.signatures.json'))],
      ['.signatures.json garbage', () => tarOf(base().map((e) => (e.name === '/.signatures.json' ? { ...e, content: Buffer.from(r.pick(['{', '[]', '{"signatures":[]}', '{"signatures":"x"}', '{"signatures":[1]}', '{"signatures":["a.b.c"]}'])) } : e)))],
      ['two signatures', () => tarOf(base().map((e) => (e.name === '/.signatures.json' ? { ...e, content: Buffer.from(JSON.stringify({ signatures: [sig.signatures[0], sig.signatures[0]] })) } : e)))],
      ['signed with another key', () => tarOf(base().map((e) => (e.name === '/.signatures.json' ? { ...e, content: foreignSig } : e)))],
      ['another bundle\'s data under this signature', () => tarOf(base().map((e) => (e.name === '/data.json' ? { ...e, content: v2Files.get('data.json')! } : e)))],
      ['a file not covered by the signature', () => tarOf([...base(), { name: r.pick(['/extra.rego', '/fz/data.json', '/notes.txt']), content: Buffer.from('{"fz2":1}') }])],
      ['signed file missing', () => tarOf(base().filter((e) => !e.name.endsWith('.rego')))],
      ['alg none', () => {
        const [, payload] = sig.signatures[0]!.split('.');
        const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
        return tarOf(base().map((e) => (e.name === '/.signatures.json' ? { ...e, content: Buffer.from(JSON.stringify({ signatures: [none] })) } : e)));
      }],
      ['duplicate .signatures.json', () => tarOf([...base(), { name: '.signatures.json', content: foreignSig }])],
    ];
    try {
      plan = body(signed, '"s1"');
      await s.poll();
      assert.equal(decisions(s.stage), V1);
      const problems: string[] = [];
      for (let i = 0; i < 3 * variants.length; i++) {
        const [what, make] = variants[i % variants.length]!;
        plan = body(await make(), `"s-bad-${i}"`);
        const before = s.target.active;
        const f0 = await failuresOf('fzsig');
        await s.poll();
        if (s.target.active !== before) problems.push(`${what}: accepted`);
        if (decisions(s.stage) !== V1) problems.push(`${what}: decisions changed`);
        if (await failuresOf('fzsig') <= f0) problems.push(`${what}: not counted`);
      }
      assert.deepEqual(problems, []);
      assert.ok(lines.some((l) => l.includes('"bundle":"fzsig"') && l.includes('"reason":"signature"')));
      plan = body(signedV2, '"s2"');
      await s.poll();
      assert.equal(decisions(s.stage), V2, 'a correctly signed update is activated');
    } finally {
      await s.close();
    }
  });

  it('a policy that traps at evaluation (out of Wasm memory) denies with ERR_POLICY and the engine keeps answering', async () => {
    const trap = opaBuild({
      files: { 'fz/p.rego': 'package fz\n\ndefault allow := false\n\nallow if count([x | some x in numbers.range(1, to_number(input.attributes.request.http.headers["x-n"]))]) > 0\n' },
      entrypoints: ['fz/allow'],
    });
    const t = await rig('fztrap');
    const target = new BundleTarget('fztrap', t.src, [], { initialPages: 5, maxPages: 12 }, logger);
    const stage = new PolicyStage({ route: 'r', target, entrypoint: 'fz/allow', targets: new Map([['fztrap', target]]), input: { parseBody: false }, shadow: false, logger });
    await target.init();
    try {
      plan = body(trap, '"t"');
      await t.poll();
      await target.settled();
      const run = (n: string): string => { const d = stage.run(ctxFor({ headers: { 'x-n': n } })); return d instanceof Deny ? `${d.code}/${d.status}` : 'allow'; };
      for (let i = 0; i < 3; i++) {
        assert.equal(run('10'), 'allow');
        assert.equal(run('5000000'), 'ERR_POLICY/403', 'a trap is a deny, not an allow or a crash');
      }
      assert.equal(run('10'), 'allow');
    } finally {
      target.close();
      await t.close();
    }
  });
});

describe('directory bundles with links', () => {
  it('a data.json that is a symlink out of the directory is refused, not skipped; one to a file inside is followed', async () => {
    const { mkdirSync, symlinkSync, writeFileSync } = await import('node:fs');
    const { readBundleDir, BundleFormatError } = await import('../../../src/policy/bundle/archive.js');
    const root = mkdtempSync(join(tmpdir(), 'portcullis-bdir-link-'));
    try {
      for (const [i, target] of ['/etc/passwd', 'real.json'].entries()) {
        const d = join(root, `b${i}`);
        mkdirSync(d);
        for (const [name, content] of await readArchive(build('1', 'rev-1'))) if (name !== 'data.json') { mkdirSync(join(d, name, '..'), { recursive: true }); writeFileSync(join(d, name), content); }
        writeFileSync(join(d, 'real.json'), '{"fz":{"want":"1"}}');
        symlinkSync(target, join(d, 'data.json'));
        if (target.startsWith('/')) {
          await assert.rejects(readBundleDir(d), (e: unknown) => e instanceof BundleFormatError && /data\.json.*symbolic link to outside/.test(e.message), target);
        } else {
          assert.equal((await readBundleDir(d)).get('data.json')!.toString(), '{"fz":{"want":"1"}}');
        }
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
