import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigLoadError } from '../../../src/config/errors.js';
import { runtimeFrom } from '../helpers.js';

const config = (host: string) => `threat:\n  events:\n    sinks:\n      - { type: syslog, host: ${JSON.stringify(host)}, port: 514 }\nroutes:\n  - name: api\n    match: { path: { prefix: / } }\n`;

async function problem(host: string): Promise<string> {
  try {
    const rt = await runtimeFrom(config(host));
    for (const m of rt.modules.values()) await m.close?.();
  } catch (e) { assert.ok(e instanceof ConfigLoadError, String(e)); return e.message; }
  return '';
}

describe('syslog sink: host is a name or an address, the port goes in port', () => {
  it('a URL, a host:port or a name with a path is a config error at /threat/events/sinks/0/host (was accepted, then every lookup failed and every event was dropped)', async () => {
    for (const host of ['udp://[::1]:514', 'tcp://collector.example', '[::1]:514', 'collector.example:514', '127.0.0.1:514', 'collector.example/syslog', 'collector example']) {
      const msg = await problem(host);
      assert.match(msg, /\/threat\/events\/sinks\/0\/host/, host);
      assert.match(msg, /port/, host);
    }
  });

  it('names, IPv4, bare and bracketed IPv6 are accepted', async () => {
    for (const host of ['collector.example', 'syslog-1.internal.', 'localhost', '127.0.0.1', '::1', '[::1]', '[2001:db8::514]', 'fe80::1%eth0']) {
      assert.equal(await problem(host), '', host);
    }
  });
});
