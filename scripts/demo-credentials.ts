// Demo credentials for scripts/demo.sh and docker-compose: an ES256 issuer key pair, tokens for a few
// users, an API key, and an HMAC secret for signed requests. Written to envoy/demo/ (git-ignored), or the
// folder given as the first argument / PORTCULLIS_DEMO_DIR.
// Existing keys are kept; tokens are minted fresh (valid 12 h). Prints nothing secret to logs: the
// tokens go to envoy/demo/env.sh, which you `source`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { exportPKCS8, exportSPKI, generateKeyPair, importPKCS8, SignJWT } from 'jose';
import { hashKey, mintKey } from '../src/identity/api-key-format.js';
import { idpMetadata } from '../test/unit/identity/saml-idp.js';

const dir = resolve(process.argv[2] ?? process.env.PORTCULLIS_DEMO_DIR ?? resolve(import.meta.dirname, '..', 'envoy', 'demo'));
mkdirSync(dir, { recursive: true, mode: 0o700 });
const privFile = join(dir, 'issuer-private.pem');
const pubFile = join(dir, 'issuer-public.pem');
if (!existsSync(privFile)) {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  writeFileSync(privFile, await exportPKCS8(privateKey), { mode: 0o600 });
  writeFileSync(pubFile, await exportSPKI(publicKey));
}
const key = await importPKCS8(readFileSync(privFile, 'utf8'), 'ES256');
const token = (sub: string, roles: string[], extra: Record<string, unknown> = {}) =>
  new SignJWT({ roles, ...extra }).setProtectedHeader({ alg: 'ES256', kid: 'demo-1', typ: 'JWT' })
    .setIssuer('https://issuer.demo.portcullis.test/').setAudience('portcullis-demo').setSubject(sub)
    .setIssuedAt().setExpirationTime('12h').setJti(randomBytes(8).toString('hex')).sign(key);

const apiKey = mintKey();
const created = new Date().toISOString();
writeFileSync(join(dir, 'apikeys.jsonl'), `${JSON.stringify({ hash: `sha256:${hashKey(apiKey)}`, owner: 'acme-integration', roles: ['reader'], plan: 'gold', created, disabled: false })}\n`, { mode: 0o600 });
const secretFile = join(dir, 'partner-1.secret');
if (!existsSync(secretFile)) writeFileSync(secretFile, randomBytes(32).toString('base64url'), { mode: 0o600 });

// the demo SAML IdP (scripts/demo-idp.ts): its signing key and certificate, its metadata for Portcullis,
// and the secret that seals Portcullis's session cookies
if (!existsSync(join(dir, 'saml-idp.key'))) {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '365', '-subj', '/CN=demo-idp.portcullis.test',
    '-keyout', join(dir, 'saml-idp.key'), '-out', join(dir, 'saml-idp.crt')], { stdio: 'ignore' });
}
const idpUrl = process.env.PORTCULLIS_DEMO_IDP_URL ?? 'http://localhost:8090';
writeFileSync(join(dir, 'saml-idp-metadata.xml'), idpMetadata('https://idp.demo.portcullis.test/', `${idpUrl}/sso`, readFileSync(join(dir, 'saml-idp.crt'), 'utf8')));
const samlSecret = join(dir, 'saml-session.secret');
if (!existsSync(samlSecret)) writeFileSync(samlSecret, randomBytes(32).toString('base64url'), { mode: 0o600 });

const env = {
  ALICE_TOKEN: await token('alice', ['reader']),
  WRITER_TOKEN: await token('bob', ['writer']),
  ADMIN_TOKEN: await token('carol', ['admin'], { amr: ['pwd', 'mfa'] }),
  API_KEY: apiKey,
};
writeFileSync(join(dir, 'env.sh'), Object.entries(env).map(([k, v]) => `export ${k}='${v}'`).join('\n') + '\n', { mode: 0o600 });
console.log(`demo credentials in ${dir} (source ${join(dir, 'env.sh')} for $ALICE_TOKEN, $WRITER_TOKEN, $ADMIN_TOKEN, $API_KEY)`);
