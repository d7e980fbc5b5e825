import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigLoadError } from '../../../src/config/errors.js';
import { parseConfig } from '../../../src/config/loader.js';
import { buildRuntime } from '../../../src/pipeline/runtime.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { createLogger } from '../../../src/telemetry/logger.js';

/**
 * Compile errors (regexes, module settings, a route's module config) are all reported in one load, as the
 * schema's are: fixing a file one error per run is slow, and `validate-config` promises every error.
 */
async function problems(yaml: string): Promise<string[]> {
  const store = new MemoryStore();
  try {
    await buildRuntime(parseConfig(yaml, '/cfg/portcullis.yaml'), store, createLogger('silent'));
  } catch (err) {
    assert.ok(err instanceof ConfigLoadError, String(err));
    return err.message.split('\n');
  } finally {
    await store.close();
  }
  assert.fail('the config compiled');
}

describe('config compile errors are all reported', () => {
  it('errors in several routes and modules come together, each with its line and pointer', async () => {
    const got = await problems(`
ratelimit:
  limits:
    per-ip: { by: ip, requests_per_unit: 10, unit: minute }
routes:
  - name: a
    match: { path: { regex: "^/api/(v1$" } }
  - name: b
    ratelimit: { limits: [nope] }
  - name: c
    ratelimit: { limits: [{ by: ip, requests_per_unit: 1, unit: minute, burst: 2 }] }
  - name: d
    match: { headers: [{ name: x-tenant, regex: "(?=x)" }] }
`);
    assert.equal(got.length, 4, got.join('\n'));
    assert.match(got[0]!, /^\/cfg\/portcullis\.yaml:7:\d+: \/routes\/0\/match\/path\/regex: invalid regex .*missing \): \^\/api\/\(v1\$$/);
    assert.match(got[1]!, /:9:\d+: \/routes\/1\/ratelimit\/limits\/0: unknown limit "nope"/);
    assert.match(got[2]!, /:11:\d+: \/routes\/2\/ratelimit\/limits\/0\/burst: burst applies to algorithm: gcra only/);
    assert.match(got[3]!, /:13:\d+: \/routes\/3\/match\/headers\/0\/regex: invalid regex/);
  });

  it('a module whose settings fail is reported once; the other modules\' route errors still come', async () => {
    const got = await problems(`
ratelimit:
  limits:
    per-ip: { by: ip, requests_per_unit: 10, unit: minute, burst: 5 }
routes:
  - name: a
    ratelimit: { limits: [per-ip] }
    match: { path: { regex: "^/x/(y$" } }
`);
    assert.equal(got.length, 2, got.join('\n'));
    assert.match(got[0]!, /\/ratelimit\/limits\/per-ip\/burst: burst applies to algorithm: gcra only/);
    assert.match(got[1]!, /\/routes\/0\/match\/path\/regex: invalid regex/);
  });
});
