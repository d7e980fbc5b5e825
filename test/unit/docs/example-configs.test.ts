/**
 * The example configs the README tells users to run load and compile as `portcullis validate-config` does
 * (schema, every module's create()/stages(), the files they name): `envoy/portcullis.yaml`
 * (`PORTCULLIS_CONFIG=envoy/portcullis.yaml scripts/demo.sh`, with the envoyproxy/ratelimit files in
 * `envoy/ratelimit/`) and `policies/portcullis.example.yaml` (`npm start -- --config …`, with the committed
 * bundle). `envoy/portcullis-full.yaml` needs the credentials scripts/demo.sh generates: the demo tests
 * (test/integration/demo-full.test.ts, the fuzz runtime) load it.
 */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigLoadError } from '../../../src/config/errors.js';
import { loadConfigFile } from '../../../src/config/loader.js';
import { buildRuntime, closeRuntime } from '../../../src/pipeline/runtime.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { createLogger } from '../../../src/telemetry/logger.js';
import { REPO } from './readme-blocks.js';

async function problems(rel: string): Promise<{ errors: string[]; routes: string[] }> {
  const store = new MemoryStore();
  try {
    const loaded = loadConfigFile(resolve(REPO, rel), process.env);
    const rt = await buildRuntime(loaded, store, createLogger('silent'));
    const routes = (loaded.config.routes ?? []).map((r: { name: string }) => r.name);
    await closeRuntime(rt);
    return { errors: [], routes };
  } catch (err) {
    if (err instanceof ConfigLoadError) return { errors: err.problems.map((p) => `${p.path}: ${p.message}`), routes: [] };
    return { errors: [(err as Error).message], routes: [] };
  } finally {
    await store.close();
  }
}

describe('example configs', () => {
  it('envoy/portcullis.yaml (static rules and rate limits) loads and compiles', async () => {
    const r = await problems('envoy/portcullis.yaml');
    assert.deepEqual(r.errors, []);
    assert.ok(r.routes.includes('payments'), r.routes.join(' '));
  });

  it('policies/portcullis.example.yaml (the example policies) loads and compiles with the committed bundle', async () => {
    const r = await problems('policies/portcullis.example.yaml');
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.routes, ['users', 'api', 'envoy-style']);
  });

  it('a config that does not load is reported (the check can fail)', async () => {
    const r = await problems('test/unit/docs/example-configs.test.ts');
    assert.notDeepEqual(r.errors, []);
  });
});
