// The demo runtime (demo-runtime.ts) with every optional threat feature on as well: paranoia 2, every
// detector, bots with a good-bot list (CIDR-verified; DNS off: unit tests use no network), anomalies,
// an IP block list, risk headers upstream, one trusted X-Forwarded-For hop, and an admin token file —
// so the fixture secrets an attacker must never see back are all loaded: the JWT signing key, the
// partner's HMAC secret, the SAML session secret, the SAML IdP key, the demo API key, the admin token.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoSetup, type DemoSetup } from './demo-runtime.js';

export interface HostileSetup extends DemoSetup {
  /** every secret the running config holds, as text an attacker could find in a response or a log line */
  fixtureSecrets: string[];
  /** the policy's decision log (JSON lines): credentials masked, fixture secrets never there */
  decisionLog: string;
}

const THREAT = `threat:
  mode: enforce
  paranoia: 2
  inspect:
    families: [sqli, xss, traversal, cmdi]
    headers: [user-agent, referer, cookie, x-forwarded-host, x-original-url, x-rewrite-url, origin, x-api-version]
  scoring: { block: 0.8, throttle: 0.5 }
  ban: { ttl_ms: 60000 }
  ip: { block: ["203.0.113.0/24", "2001:db8:bad::/48"] }
  bot:
    enabled: true
    dns: { enabled: false }
    good_bots: [ { token: Googlebot, cidrs: ["66.249.64.0/19"] } ]
  anomaly: { enabled: true }
  upstream_header: true
`;

/** The PEM body lines of a key file (each 64 characters: any of them in a response is a leak). */
function pemLines(text: string): string[] {
  return text.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----'));
}

export function hostileSetup(): HostileSetup {
  const s = demoSetup();
  const adminToken = `adm-${'k'.repeat(8)}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  writeFileSync(join(s.dir, 'admin-token'), `${adminToken}\n`, { mode: 0o600 });
  const yaml = s.yaml
    .replace(/^threat:\n(?: {2}.*\n)*/m, THREAT)
    .replace(/^ {2}admin: \{ address: "([^"]+)" \}$/m, `  admin: { address: "$1", token_file: ${join(s.dir, 'admin-token')} }`)
    .replace(/^default_action: /m, 'client_ip: { trusted_hops: 1 }\ndefault_action: ')
    .replace(/^( {2}default_entrypoint: .*)$/m, `$1\n  decision_logs: { file: ${join(s.dir, 'decisions.jsonl')}, reporting: { max_delay_ms: 20 } }`);
  if (!yaml.includes('decisions.jsonl') || !yaml.includes('token_file: ') || !yaml.includes('paranoia: 2') || !yaml.includes('trusted_hops: 1')) throw new Error('the demo config changed shape: hostile-runtime.ts no longer applies');
  const demo = join(s.dir, 'demo');
  const read = (f: string) => readFileSync(join(demo, f), 'utf8').trim();
  const fixtureSecrets = [
    adminToken, s.cred.API_KEY!, read('partner-1.secret'), s.partnerSecret.toString('base64'), s.partnerSecret.toString('hex'),
    read('saml-session.secret'), ...pemLines(read('issuer-private.pem')), ...pemLines(read('saml-idp.key')),
  ];
  return { ...s, yaml, fixtureSecrets, decisionLog: join(s.dir, 'decisions.jsonl') };
}
