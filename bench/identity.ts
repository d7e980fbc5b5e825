// Identity benchmark, one run:
//  1. verifications/s and latency per credential kind, in-process, cached vs uncached; a SAML session cookie
//     next to JWT (verifier alone and a whole in-process Check), and one SAML ACS post (XML signature);
//  2. Check throughput through a real Envoy: static rules only vs JWT (token cache on) vs JWT (every
//     request fully verified: token cache off).
//   node --import tsx bench/identity.ts   (BENCH_MS=1500 per in-process case, BENCH_SECONDS=8, BENCH_CONNECTIONS=32)
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashKey, mintKey, recordLine } from '../src/identity/api-key-format.js';
import { ApiKeySource } from '../src/identity/api-key-store.js';
import { ApiKeyVerifier } from '../src/identity/api-keys.js';
import { factsOf } from '../src/identity/certificate.js';
import { AuthFailure } from '../src/identity/failure.js';
import { IntrospectionEndpoint, IntrospectionVerifier } from '../src/identity/introspection.js';
import { JwtVerifier } from '../src/identity/jwt.js';
import { MtlsVerifier } from '../src/identity/mtls.js';
import { signRequest } from '../src/identity/sign.js';
import { compileSaml } from '../src/identity/saml-compile.js';
import { SessionSealer } from '../src/identity/saml-session.js';
import { compileSigningKeys } from '../src/identity/signature-keys.js';
import { SignatureVerifier } from '../src/identity/signature.js';
import { TokenCache } from '../src/identity/token-cache.js';
import { TokenSources } from '../src/identity/token-source.js';
import type { CredentialVerifier } from '../src/identity/verifier.js';
import type { RequestContext } from '../src/pipeline/context.js';
import { check } from '../src/pipeline/check.js';
import { MemoryStore } from '../src/store/memory.js';
import { checkRequest, ctxOf, fixtureServer, json, runtimeFor, silent } from '../test/unit/identity/helpers.js';
import { ISS, issuer, keyPair, sign } from '../test/unit/identity/jwt-fixtures.js';
import { buildResponse, idpLogoutRequest, idpRedirectQuery, makeIdpKeys } from '../test/unit/identity/saml-idp.js';
import { RevocationList } from '../src/identity/revocation.js';
import { startStack } from '../test/integration/harness/stack.js';
import { machine, measureOps, printTable, wrk, type LoadResult, type OpRow } from './lib.js';

const budgetMs = Number(process.env.BENCH_MS ?? 1500);
const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const nowS = () => Math.floor(Date.now() / 1000);

type Row = OpRow;

const measure = (name: string, op: (i: number) => unknown, limit?: number): Promise<Row> => measureOps(name, op, { budgetMs, limit });

/** extract + verify of one verifier on a prepared context; throws if it did not verify. */
function verifyOp(v: CredentialVerifier, ctx: RequestContext): unknown {
  const p = v.extract(ctx);
  if (p === undefined || p instanceof AuthFailure) throw new Error(`${v.kind}: credential not found`);
  const check = (r: unknown) => { if (r instanceof AuthFailure) throw new Error(`${v.kind}: ${r.code}`); };
  const r = v.verify(ctx, p);
  return r instanceof Promise ? r.then(check) : check(r);
}

const rows: Row[] = [];
const dir = mkdtempSync(join(tmpdir(), 'pc-bench-id-'));

// ---- JWT ----
for (const alg of ['RS256', 'ES256'] as const) {
  const kp = await keyPair(alg, `${alg}-1`);
  const token = await sign(kp, nowS(), { exp: nowS() + 3600 });
  const ctx = ctxOf({ headers: { authorization: `Bearer ${token}` } });
  const iss = issuer({ keys: [{ jwk: kp.jwk as any }], algorithms: [alg] }, Date.now);
  const uncached = new JwtVerifier([iss], { maxTokenBytes: 8192, cache: new TokenCache(0, 1, Date.now), clock: Date.now, skipOpaque: false });
  const cached = new JwtVerifier([iss], { maxTokenBytes: 8192, cache: new TokenCache(10_000, 3_600_000, Date.now), clock: Date.now, skipOpaque: false });
  rows.push(await measure(`jwt ${alg} uncached (signature every time)`, () => verifyOp(uncached, ctx)));
  rows.push(await measure(`jwt ${alg} cached (token hash → LRU)`, () => verifyOp(cached, ctx)));
}

// ---- introspection (loopback HTTP server in this process) ----
const as = await fixtureServer((_req, res, body) => {
  const token = new URLSearchParams(body).get('token');
  json(res, 200, token?.startsWith('t') ? { active: true, sub: 'svc', scope: 'a b', exp: nowS() + 3600 } : { active: false });
});
const ep = new IntrospectionEndpoint({ name: 'as', url: `${as.url}/introspect`, client_id: 'c', client_secret: 's' }, '/x', dir, silent, Date.now);
const iv = new IntrospectionVerifier(ep, 8192);
const introCtxs = Array.from({ length: 50_000 }, (_, i) => ctxOf({ headers: { authorization: `Bearer t-${i}` } }));
rows.push(await measure('introspection uncached (HTTP call, loopback)', (i) => verifyOp(iv, introCtxs[i]!), introCtxs.length));
const sameIntro = ctxOf({ headers: { authorization: 'Bearer t-cached' } });
rows.push(await measure('introspection cached', () => verifyOp(iv, sameIntro)));
await as.close();

// ---- API key ----
const key = mintKey();
writeFileSync(join(dir, 'keys.jsonl'), recordLine(key, { owner: 'acme', plan: 'gold' }));
const src = new ApiKeySource({ file: join(dir, 'keys.jsonl') }, 60_000, 2, silent);
src.loadFileNow();
const akv = new ApiKeyVerifier(new TokenSources([{ header: 'x-api-key' }]), src, Date.now);
const akCtx = ctxOf({ headers: { 'x-api-key': key } });
rows.push(await measure('api_key (SHA-256 + map + constant-time compare)', () => verifyOp(akv, akCtx)));
void hashKey;

// ---- HTTP message signatures: a fresh nonce per request (signing is done beforehand) ----
const secret = 'bench-shared-secret-0123456789abcdef0123';
const { generateKeyPairSync } = await import('node:crypto');
const ed = generateKeyPairSync('ed25519');
const sigKeys = compileSigningKeys([
  { id: 'h', algorithm: 'hmac-sha256', secret },
  { id: 'e', algorithm: 'ed25519', public_key: ed.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
], dir, '/k');
for (const [label, keyId, algorithm, k] of [['hmac-sha256', 'h', 'hmac-sha256', Buffer.from(secret)], ['ed25519', 'e', 'ed25519', ed.privateKey]] as const) {
  const sv = new SignatureVerifier({ keys: sigKeys, maxSkewS: 300, requiredComponents: ['@method', '@authority', '@path', '@query'], requireContentDigest: true, requireNonce: true, store: new MemoryStore(), clock: Date.now });
  const body = '{"amount":10,"currency":"EUR"}';
  const ctxs = Array.from({ length: 60_000 }, () => {
    const hs = signRequest({ method: 'POST', url: 'http://api.test/pay?x=1', body, keyId, algorithm, key: k as any });
    return ctxOf({ method: 'POST', path: '/pay?x=1', host: 'api.test', headers: hs, body });
  });
  rows.push(await measure(`signature ${label} (with content-digest, nonce SET NX in memory)`, (i) => verifyOp(sv, ctxs[i]!), ctxs.length));
}

// ---- mTLS ----
execFileSync('bash', ['scripts/gen-certs.sh', join(dir, 'certs')], { stdio: 'pipe' });
const pem = readFileSync(join(dir, 'certs', 'client.crt'), 'utf8');
const certCtx = ctxOf({ certificate: encodeURIComponent(pem) });
const mtls = new MtlsVerifier({ allow: [{ spiffe_id: 'spiffe://portcullis.test/ns/demo/*' }] }, '/m', Date.now);
rows.push(await measure('mtls uncached (decode + X509Certificate parse)', () => factsOf(new X509Certificate(decodeURIComponent(certCtx.source.certificate)))));
rows.push(await measure('mtls cached (parsed-certificate LRU + allow-list)', () => verifyOp(mtls, certCtx)));

// ---- SAML: the session cookie on every request (vs JWT), and one ACS post ----
{
  const idp = makeIdpKeys('bench-idp');
  const [IDP, SP, ACS, SECRET] = ['https://idp.test', 'https://app.test/saml/metadata', 'https://app.test/saml/acs', 'b'.repeat(40)];
  const saml = compileSaml({
    sp_entity_id: SP, acs_url: ACS, allow_idp_initiated: true, roles_attribute: 'Role',
    idp: { entity_id: IDP, sso_url: `${IDP}/sso`, certificate_files: [idp.certFile] }, session: { secret: SECRET },
  }, { dir: idp.dir, store: new MemoryStore(), logger: silent, clock: Date.now, skewS: 60 });
  const session = new SessionSealer([SECRET], '__Host-portcullis_session').seal({
    sid: 'bench', sub: 'alice@example.com', iss: IDP, iat: Date.now(), exp: Date.now() + 3_600_000,
    roles: ['admin', 'buyer'], attrs: { email: 'alice@example.com', Role: ['admin', 'buyer'] },
  });
  const cookie = `__Host-portcullis_session=${session}`;
  const samlCtx = ctxOf({ headers: { cookie } });
  rows.push(await measure('saml session cookie cached (cookie parse + opened-session LRU + expiry)', () => verifyOp(saml, samlCtx)));
  // 20,000 distinct cookies in turn, twice the opened-session LRU: every look-up misses, as the first request of a session does
  const sealer = new SessionSealer([SECRET], '__Host-portcullis_session');
  const fresh = Array.from({ length: 20_000 }, (_, i) => ctxOf({ headers: { cookie: `__Host-portcullis_session=${sealer.seal({
    sid: `bench-${i}`, sub: 'alice@example.com', iss: IDP, iat: Date.now(), exp: Date.now() + 3_600_000, roles: ['admin'], attrs: { email: 'alice@example.com' },
  })}` } }));
  rows.push(await measure('saml session cookie uncached (+ AES-256-GCM open + JSON)', (i) => verifyOp(saml, fresh[i % fresh.length]!)));

  // a whole Check in-process (context, route match, identity, forwarding, response), JWT beside SAML
  const kp = await keyPair('RS256', 'kc');
  writeFileSync(join(dir, 'check-rsa.pub'), kp.pem);
  const jwt = await sign(kp, nowS(), { exp: nowS() + 3600 });
  const h = await runtimeFor(`
identity:
  issuers: [ { name: idp, issuer: "${ISS}", keys: [ { file: check-rsa.pub, kid: kc } ], algorithms: [RS256] } ]
  saml:
    sp_entity_id: ${SP}
    acs_url: ${ACS}
    idp: { entity_id: "${IDP}", sso_url: "${IDP}/sso", certificate_files: ["${idp.certFile}"] }
    session: { secret: "${SECRET}" }
routes:
  - { name: jwt, match: { path: { prefix: /jwt } }, identity: { accept: [jwt], forward: { claims: { sub: x-user-id, roles: x-user-roles } } } }
  - { name: saml, match: { path: { prefix: /saml-app } }, identity: { accept: [saml], forward: { claims: { subject: x-user-id, roles: x-user-roles } } } }
`, dir);
  for (const [name, req] of [
    ['whole Check, jwt RS256 route (token cache on)', checkRequest({ path: '/jwt/orders/1', headers: { authorization: `Bearer ${jwt}` } })],
    ['whole Check, saml route (session cookie)', checkRequest({ path: '/saml-app/orders/1', headers: { cookie } })],
  ] as const) {
    const op = () => check(h.rt, req, silent).then((r) => { if (!r.ok_response) throw new Error(`${name}: ${r.status?.message}`); });
    rows.push(await measure(name, op));
  }
  await h.close();

  // an ACS post: base64 + XML parse + signature (RSA-SHA256, exclusive c14n) + conditions + replay claim + seal
  const posts = Array.from({ length: 1500 }, () => ctxOf({
    method: 'POST', path: '/saml/acs', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ SAMLResponse: buildResponse(idp, { idpEntityId: IDP, spEntityId: SP, acsUrl: ACS, nameId: 'alice@example.com', attributes: { Role: ['admin', 'buyer'] } }).base64 }).toString(),
  }));
  rows.push(await measure('saml ACS post (signed assertion, IdP-initiated)', async (i) => {
    const d = await saml.intercept(posts[i]!);
    if (d?.code !== 'SAML_SIGNED_IN') throw new Error(`ACS: ${d?.code}`);
  }, posts.length));

  // the sign-in redirect, unsigned vs signed (identity.saml.signing: one RSA-2048 SHA-256 signature per redirect)
  const sp = makeIdpKeys('bench-sp');
  const signedSaml = compileSaml({
    sp_entity_id: SP, acs_url: ACS, idp: { entity_id: IDP, sso_url: `${IDP}/sso`, certificate_files: [idp.certFile], slo_url: `${IDP}/slo` },
    signing: { key_file: sp.dir + '/idp.key', certificate_file: sp.certFile }, session: { secret: SECRET },
  }, { dir: idp.dir, store: new MemoryStore(), logger: silent, clock: Date.now, skewS: 60, revocations: new RevocationList(new MemoryStore(), 30_000, silent) });
  const nav = ctxOf({ path: '/app/orders', headers: { accept: 'text/html', 'sec-fetch-dest': 'document' } });
  for (const [name, v] of [['saml sign-in redirect, unsigned AuthnRequest', saml], ['saml sign-in redirect, signed AuthnRequest (rsa-sha256)', signedSaml]] as const) {
    rows.push(await measure(name, async () => {
      const d = await v.loginRedirect(nav);
      if (d?.code !== 'SAML_LOGIN_REDIRECT') throw new Error(`login: ${d?.code}`);
    }));
  }
  // an IdP LogoutRequest at the SLO endpoint: signature over the query + inflate + XML + replay claim + revoke + signed LogoutResponse
  const logoutReqs = Array.from({ length: 3000 }, (_, i) => ctxOf({ path: `/saml/slo?${idpRedirectQuery('SAMLRequest', idpLogoutRequest({ issuer: IDP, destination: 'https://app.test/saml/slo', nameId: `user${i}@example.com` }), idp.key)}` }));
  rows.push(await measure('saml IdP LogoutRequest at the SLO endpoint (verify, revoke, signed LogoutResponse)', async (i) => {
    const d = await signedSaml.intercept(logoutReqs[i]!);
    if (d?.code !== 'SAML_LOGGED_OUT_BY_IDP') throw new Error(`SLO: ${d?.code}`);
  }, logoutReqs.length));
}

console.log(`\nIdentity verifications in-process, one at a time, ${budgetMs} ms per case (${machine()})`);
console.log('| kind / path | verifications/s | p50 µs | p99 µs | p99.9 µs | samples |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) console.log(`| ${r.name} | ${r.ops.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.p999.toFixed(1)} | ${r.n} |`);

// ---- through Envoy ----
const kp = await keyPair('RS256', 'k1');
writeFileSync(join(dir, 'rsa.pub'), kp.pem);
const token = await sign(kp, nowS(), { exp: nowS() + 3600 });
const config = (cacheEntries: number) => `
log: { level: warn }
identity:
  token_cache: { max_entries: ${cacheEntries} }
  issuers: [ { name: idp, issuer: "${ISS}", keys: [ { file: ${join(dir, 'rsa.pub')}, kid: k1 } ], algorithms: [RS256] } ]
routes:
  - name: static
    match: { path: { prefix: /static } }
    rules: [ { name: no-delete, action: deny, methods: [DELETE] } ]
  - name: jwt
    match: { path: { prefix: /jwt } }
    rules: [ { name: no-delete, action: deny, methods: [DELETE] } ]
    identity: { accept: [jwt], forward: { claims: { sub: x-user-id, roles: x-user-roles } } }
`;
const envoyRows: LoadResult[] = [];
for (const [cacheEntries, runs] of [[10_000, ['static', 'jwt']], [0, ['jwt']]] as const) {
  const stack = await startStack({ config: config(cacheEntries), envoy: { vars: { RATELIMIT: 'false' } }, env: { PORTCULLIS_LOG_LEVEL: 'warn' } });
  try {
    for (const route of runs) {
      const headers: Record<string, string> = route === 'jwt' ? { authorization: `Bearer ${token}` } : {};
      const probe = await stack.request({ path: `/${route}/orders/1`, headers });
      if (probe.status !== 200) throw new Error(`${route}: probe got ${probe.status} ${probe.body}`);
      const url = `http://127.0.0.1:${stack.envoy.httpPort}/${route}/orders/1`;
      const name = route === 'static' ? 'static rules only' : cacheEntries > 0 ? 'JWT RS256 (token cache on)' : 'JWT RS256 (token cache off: full verify)';
      await wrk(`${name} warm-up`, url, { seconds: 2, connections, headers });
      envoyRows.push(await wrk(name, url, { seconds, connections, headers }));
    }
  } finally {
    await stack.stop();
  }
}
printTable(`Check throughput through Envoy — wrk ${connections} connections, ${seconds}s each (${machine()})`, envoyRows);
