/**
 * docker-compose.yml cannot be run here (no Docker engine), so what it refers to is checked instead: every
 * script, config and mounted file exists in the repository, and it starts the same processes as
 * scripts/demo.sh (the native demo that the integration tests walk), on the same ports.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';

const REPO = resolve(import.meta.dirname, '..', '..', '..');
const compose = parse(readFileSync(join(REPO, 'docker-compose.yml'), 'utf8')) as { services: Record<string, { command?: string | string[]; image?: string; environment?: Record<string, string>; volumes?: string[]; '<<'?: unknown }> };
const demo = readFileSync(join(REPO, 'scripts', 'demo.sh'), 'utf8');
const commandOf = (s: { command?: string | string[] }) => (Array.isArray(s.command) ? s.command.join(' ') : s.command ?? '');

describe('docker-compose.yml', () => {
  it('every script and file a service names exists', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      const cmd = commandOf(s);
      for (const m of cmd.matchAll(/(?:^|\s)((?:scripts|src)\/[\w./-]+\.(?:ts|mjs|sh))/g)) assert.ok(existsSync(join(REPO, m[1]!)), `${name}: ${m[1]} exists`);
      const cfg = s.environment?.PORTCULLIS_CONFIG;
      if (cfg) assert.ok(existsSync(join(REPO, cfg.replace(/^\/app\//, ''))), `${name}: ${cfg} exists`);
      for (const v of s.volumes ?? []) {
        const host = v.split(':')[0]!;
        if (host.startsWith('./')) assert.ok(existsSync(join(REPO, host)), `${name}: volume ${host} exists`);
      }
      if (s.image) assert.match(s.image, /:[\w.-]+$/, `${name}: the image has a tag`);
    }
  });

  it('runs the processes scripts/demo.sh runs, with the same arguments', () => {
    const commands = Object.values(compose.services).map(commandOf).join('\n');
    for (const line of ['scripts/echo-upstream.mjs users=8081 payments=8082 orders=8083 inventory=8084 web=8085', 'scripts/demo-idp.ts --port 8090', 'src/cli.ts serve', 'scripts/demo-credentials.ts envoy/demo', 'scripts/render-envoy.ts']) {
      assert.ok(demo.includes(line), `demo.sh runs ${line}`);
      assert.ok(commands.includes(line), `docker-compose.yml runs ${line}`);
    }
    assert.ok(/--file-flush-interval-msec 1000/.test(demo) && /"--file-flush-interval-msec", "1000"/.test(readFileSync(join(REPO, 'docker-compose.yml'), 'utf8')), 'Envoy flushes its access log every second in both');
  });

  it('Envoy can read the private keys it is given: the official image drops to uid 101 unless ENVOY_UID is 0', () => {
    // envoyproxy/envoy's docker-entrypoint.sh runs `su-exec envoy …` (uid 101) whenever ENVOY_UID is not "0";
    // scripts/gen-certs.sh writes the keys 0600 (owned by root from the prepare service, or by whoever ran
    // scripts/demo.sh), so uid 101 could not read server.key and Envoy would not start its TLS listeners.
    const gen = readFileSync(join(REPO, 'scripts', 'gen-certs.sh'), 'utf8');
    const envoy = compose.services.envoy!;
    assert.match(envoy.image ?? '', /^envoyproxy\/envoy:/);
    assert.match(readFileSync(join(REPO, 'scripts', 'render-envoy.ts'), 'utf8') + readFileSync(join(REPO, 'envoy', 'envoy.yaml'), 'utf8'), /server\.key/);
    if (/chmod 600 .*\.key/.test(gen)) assert.equal(envoy.environment?.ENVOY_UID, '0', 'keys are 0600: the envoy service must run Envoy as root (ENVOY_UID: "0")');
  });

  it('serves the demo config the README and the demo test use', () => {
    assert.equal(compose.services.portcullis?.environment?.PORTCULLIS_CONFIG, '/app/envoy/portcullis-full.yaml');
    assert.ok(demo.includes('envoy/portcullis-full.yaml'));
  });
});
