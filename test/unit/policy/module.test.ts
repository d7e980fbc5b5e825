import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigLoadError } from '../../../src/config/errors.js';
import { checkBundle, buildBundle } from '../../../src/policy/cli/build.js';
import { policyModule } from '../../../src/policy/module.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { decide, runtimeFrom, silent, upstreamHeaders } from '../helpers.js';
import type { Deny } from '../../../src/pipeline/deny.js';
import { closeRuntime } from '../../../src/pipeline/runtime.js';
import { ctxFor, EXAMPLES_BUNDLE, REPO, simpleBundle } from './helpers.js';

async function configProblems(yaml: string): Promise<string> {
  try {
    const rt = await runtimeFrom(yaml);
    await closeRuntime(rt);
  } catch (err) {
    assert.ok(err instanceof ConfigLoadError, String(err));
    return err.message;
  }
  assert.fail('expected a config error');
}

describe('policy config', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-pcfg-'));
    writeFileSync(join(dir, 'needs-http.tar.gz'), simpleBundle('needs.http', 'allow if http.send({"method": "GET", "url": "http://127.0.0.1:1"}).status_code == 200'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('problems point at the config path (and line): missing file, unsupported builtin, unknown entrypoint, bad combinations', async () => {
    assert.match(await configProblems(`policy:\n  bundles:\n    main: { file: ${join(dir, 'nope.tar.gz')} }\n`), /test\.yaml:3:\d+: \/policy\/bundles\/main\/file: cannot load bundle .*ENOENT/);
    assert.match(await configProblems(`policy:\n  bundles:\n    h: { file: ${join(dir, 'needs-http.tar.gz')} }\n`), /\/policy\/bundles\/h\/file: .*builtin function\(s\) not available .*http\.send/);
    assert.match(await configProblems(`policy:\n  bundles:\n    main: { file: ${EXAMPLES_BUNDLE} }\nroutes:\n  - name: a\n    policy: { entrypoint: portcullis/nope/allow }\n`),
      /test\.yaml:6:\d+: \/routes\/0\/policy\/entrypoint: entrypoint "portcullis\/nope\/allow" is not in bundle "main" \(it has: .*portcullis\/rbac\/allow/);
    assert.match(await configProblems(`policy:\n  bundles:\n    main: { file: a.tar.gz, url: "http://127.0.0.1:1" }\n`), /\/policy\/bundles\/main: set exactly one of file, directory and url/);
    assert.match(await configProblems(`policy:\n  bundles:\n    main: { url: "http://127.0.0.1:1", signing: { keyid: k } }\n`), /\/policy\/bundles\/main\/signing: signature verification needs policy.keys/);
    assert.match(await configProblems(`policy:\n  bundles:\n    main: { file: ${EXAMPLES_BUNDLE} }\n  decision_logs: {}\n`), /\/policy\/decision_logs: set at least one of console, file and service/);
    assert.match(await configProblems(`policy:\n  bundles:\n    main: { file: ${EXAMPLES_BUNDLE} }\n  bundle: main\n`), /\/policy\/bundle: unknown key "bundle"/);
    assert.match(await configProblems(`policy:\n  keys:\n    k: { algorithm: RS256, key: "not a pem" }\n`), /\/policy\/keys\/k\/key: a RS256 key must be a PEM/);
    assert.match(await configProblems(`routes:\n  - name: a\n    policy: {}\n`), /\/policy\/bundles: routes use policy but no bundle is configured/);
  });

  it('a route with a policy gets a 403 with the decision id, the allowed path reaches upstream with policy headers', async () => {
    const rt = await runtimeFrom(`
policy:
  bundles:
    examples: { file: ${EXAMPLES_BUNDLE} }
  default_entrypoint: envoy/authz/result
routes:
  - name: all
    match: { path: { prefix: / } }
    policy: {}
`);
    try {
      const denied = await decide(rt, { method: 'DELETE', path: '/people/1' });
      assert.equal(denied.denied_response.status.code, 403);
      assert.equal(denied.denied_response.body, 'Unauthorized Request');
      assert.ok(denied.denied_response.headers.some((h: any) => h.header.key === 'x-portcullis-decision-id'));
      assert.equal(denied.status.message, 'ERR_POLICY_DENIED');
      const allowed = await decide(rt, { path: '/public/readme' });
      assert.equal(allowed.status.code, 0);
      assert.ok(upstreamHeaders(allowed)['x-portcullis-decision-id']);
    } finally {
      await closeRuntime(rt);
    }
  });

  it('a bundle missing at request time denies with ERR_POLICY 503 and readiness says so', async () => {
    const store = new MemoryStore();
    const inst = await policyModule.create({ bundles: { remote: { url: 'http://127.0.0.1:9/never' } } }, { store, logger: silent, configPath: join(dir, 'c.yaml'), configDir: dir });
    try {
      assert.equal(inst.ready?.(), false);
      const stage = inst.stages({ entrypoint: 'a/allow' }, { name: 'r', index: 0 })[0]!;
      const d = stage.run(ctxFor()) as Deny;
      assert.equal(d.code, 'ERR_POLICY');
      assert.equal(d.status, 503);
    } finally {
      await inst.close?.();
      await store.close();
    }
  });

  it('a config reload with the same bundle config adopts the running source; it stops with the last user', async () => {
    const store = new MemoryStore();
    const env = { store, logger: silent, configPath: join(dir, 'c.yaml'), configDir: dir };
    const cfg = { bundles: { main: { file: EXAMPLES_BUNDLE } } };
    const a: any = await policyModule.create(cfg, env);
    const b: any = await policyModule.create(cfg, { ...env, previous: a });
    const c: any = await policyModule.create({ bundles: { main: { directory: dir } }, data: [] } as any, { ...env, previous: b }).catch((e: Error) => e);
    try {
      assert.equal(b.sources[0], a.sources[0], 'same source object');
      assert.notEqual(b.targets.get('main'), a.targets.get('main'), 'each instance has its own engine target');
      assert.ok(c instanceof ConfigLoadError || c instanceof Error, 'a directory without a bundle is a config error');
      await a.close();
      assert.equal(b.sources[0].isStopped, false);
      await b.close();
      assert.equal(b.sources[0].isStopped, true);
    } finally {
      await store.close();
    }
  });
});

describe('policy build --check (the committed bundle must not be stale)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-build-'));
    cpSync(join(REPO, 'policies', 'src'), join(dir, 'src'), { recursive: true });
    cpSync(EXAMPLES_BUNDLE, join(dir, 'bundle.tar.gz'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the committed bundle matches its sources; an edited source makes it stale; a syntax error names file and line', async () => {
    const o = { src: join(dir, 'src'), out: join(dir, 'bundle.tar.gz'), entrypoints: [] };
    const fresh = await checkBundle(o);
    assert.equal(fresh.stale, false, fresh.lines.join('\n'));
    writeFileSync(join(dir, 'src', 'portcullis', 'rbac', 'extra.rego'), 'package portcullis.rbac\n\nextra_rule if input.x == 1\n');
    const stale = await checkBundle(o);
    assert.equal(stale.stale, true);
    assert.match(stale.lines.join('\n'), /built from other sources/);
    assert.match(stale.lines.join('\n'), /differs from a fresh build in: .*portcullis\/rbac\/extra\.rego/);
    writeFileSync(join(dir, 'src', 'portcullis', 'rbac', 'extra.rego'), 'package portcullis.rbac\n\nextra_rule if {\n  input.x ==\n}\n');
    const broken = buildBundle({ ...o, out: join(dir, 'broken.tar.gz') });
    assert.equal(broken.ok, false);
    assert.match(broken.output, /extra\.rego:5: rego_parse_error/);
  });
});
