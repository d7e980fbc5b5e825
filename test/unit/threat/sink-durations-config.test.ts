import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigLoadError } from '../../../src/config/errors.js';
import { runtimeFrom } from '../helpers.js';

const load = async (threat: string): Promise<string> => {
  try {
    const rt = await runtimeFrom(`threat:\n${threat}\nroutes:\n  - name: api\n    match: { path: { prefix: / } }\n`);
    await Promise.all([...rt.modules.values()].map((m) => m.close?.()));
    return '';
  } catch (e) { assert.ok(e instanceof ConfigLoadError, String(e)); return e.message; }
};

/**
 * Node's timers (and AbortSignal.timeout) take at most 2^31-1 ms; a longer one fires after 1 ms. A webhook
 * `timeout_ms` of 2147483648 loaded and then aborted every POST at once: every event dropped as `failed`.
 */
describe('sink durations have maxima', () => {
  it('a webhook or syslog timeout_ms, or a backoff_ms, beyond the maximum is a config error at its JSON path', async () => {
    for (const [sink, key] of [
      ['{ type: webhook, url: "http://127.0.0.1:9/hook", timeout_ms: 2147483648 }', 'timeout_ms'],
      ['{ type: webhook, url: "http://127.0.0.1:9/hook", backoff_ms: 2147483648 }', 'backoff_ms'],
      ['{ type: syslog, host: 127.0.0.1, port: 514, timeout_ms: 2147483648 }', 'timeout_ms'],
      ['{ type: webhook, url: "http://127.0.0.1:9/hook", timeout_ms: 60001 }', 'timeout_ms'],
    ] as const) {
      assert.match(await load(`  events:\n    sinks:\n      - ${sink}\n`), new RegExp(`/threat/events/sinks/0/${key}`), sink);
    }
  });

  it('timeout_ms and backoff_ms of up to a minute load', async () => {
    assert.equal(await load('  events:\n    sinks:\n      - { type: webhook, url: "http://127.0.0.1:9/hook", timeout_ms: 60000, backoff_ms: 60000 }\n'), '');
  });
});

describe('feed timeout_ms has a maximum', () => {
  it('a feed timeout_ms beyond 600000 is a config error (it aborted every download after 1 ms); 600000 loads', async () => {
    assert.match(await load('  feeds:\n    - { name: f, url: "http://127.0.0.1:9/f.txt", format: plain, timeout_ms: 2147483648 }\n'), /\/threat\/feeds\/0\/timeout_ms/);
    assert.equal(await load('  feeds:\n    - { name: f, url: "http://127.0.0.1:9/f.txt", format: plain, timeout_ms: 600000 }\n'), '');
  });
});
