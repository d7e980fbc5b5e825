import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigLoadError } from '../../../src/config/errors.js';
import { runtimeFrom } from '../helpers.js';

const load = async (sinks: string): Promise<string> => {
  try {
    await runtimeFrom(`threat:\n  events:\n    sinks:\n${sinks}\nroutes:\n  - name: api\n    match: { path: { prefix: / } }\n`);
    return '';
  } catch (e) { assert.ok(e instanceof ConfigLoadError, String(e)); return e.message; }
};

describe('security event sink names', () => {
  it('two sinks with one name (their metrics would share a label) are a config error naming the second', async () => {
    const msg = await load('      - { type: file, name: siem, path: /tmp/a.jsonl }\n      - { type: syslog, name: siem, host: 127.0.0.1, port: 514 }\n');
    assert.match(msg, /\/threat\/events\/sinks\/1\/name: .*duplicate sink name "siem"/);
    // a name equal to another sink's default name too
    assert.match(await load('      - { type: file, path: /tmp/a.jsonl }\n      - { type: file, name: file-0, path: /tmp/b.jsonl }\n'), /sinks\/1\/name: .*duplicate sink name "file-0"/);
    assert.equal(await load('      - { type: file, path: /tmp/a.jsonl }\n      - { type: file, path: /tmp/b.jsonl }\n'), '');
  });
});
