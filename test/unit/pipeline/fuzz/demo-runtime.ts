// The full demo config (envoy/portcullis-full.yaml) as test/integration/demo-config.ts prepares it, on the
// in-memory store, plus one route that turns on what the demo leaves off (CSRF, form/multipart
// validation, threat inspection of bodies), so the fuzzer reaches every module.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { secretBytes } from '../../../../src/identity/signature-keys.js';
import { demoConfig, demoEnv } from '../../../integration/demo-config.js';

export const FORMS_ROUTE = `
  - name: forms
    match: { context_extensions: { service: forms } }
    identity: { accept: [jwt, api_key, signature] }
    ratelimit: { limits: [per-ip, per-user] }
    policy: { entrypoint: portcullis/rbac/allow }
    threat:
      csrf: { allowed_origins: ["https://app.demo.test"], session_cookies: [portcullis_session], token: { cookie: csrf, header: x-csrf-token } }
      validation:
        content_types: [application/json, application/x-www-form-urlencoded, multipart/form-data]
        max_body_bytes: 262144
`;

/** Routes whose requests carry no valid credential must never be allowed. */
export const IDENTITY_REQUIRED = new Set(['users', 'payments', 'orders', 'portal', 'forms']);
export const SERVICES = ['users', 'payments', 'orders', 'inventory', 'web', 'forms'] as const;

export interface DemoSetup {
  dir: string;
  yaml: string;
  /** ALICE_TOKEN, WRITER_TOKEN, ADMIN_TOKEN, API_KEY */
  cred: Record<string, string>;
  /** the demo partner's HMAC secret (signatures) */
  partnerSecret: Buffer;
}

export function demoSetup(): DemoSetup {
  const dir = mkdtempSync(join(tmpdir(), 'pc-fuzz-'));
  const cred = demoEnv(join(dir, 'demo'));
  const yaml = demoConfig({ dir, certDir: dir, redisUrl: 'redis://127.0.0.1:1' })
    .replace(/^store: .*$/m, 'store: { kind: memory }')
    .replace(/^log: .*$/m, 'log: { level: debug }') + FORMS_ROUTE;
  return { dir, yaml, cred, partnerSecret: secretBytes(readFileSync(join(dir, 'demo', 'partner-1.secret'), 'utf8').trim()) };
}

