// A SAML identity provider for the demo only: it signs in anyone who clicks a name. Portcullis sends the
// browser here (HTTP-Redirect AuthnRequest); the page posts a signed Response back to the ACS (HTTP-POST).
// Keys and metadata come from scripts/demo-credentials.ts (saml-idp.key/.crt, saml-idp-metadata.xml).
//   node --import tsx scripts/demo-idp.ts [--port 8090] [--dir envoy/demo] [--sp-cert FILE]
// --sp-cert: the SP's signing certificate (identity.saml.signing.certificate_file): every AuthnRequest must
// then be signed with its key (like a Keycloak client with "Client signature required"); others get a 400.
// Env: PORTCULLIS_DEMO_ACS (the only ACS URL it posts to; default http://localhost:10000/saml/acs).
import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import { buildResponse, checkRedirect } from '../test/unit/identity/saml-idp.js';

export const DEMO_IDP_ENTITY = 'https://idp.demo.portcullis.test/';
export const DEMO_SP_ENTITY = 'https://portcullis.demo/saml/metadata';

const USERS: Record<string, { roles: string[]; email: string; name: string }> = {
  alice: { roles: ['reader'], email: 'alice@example.com', name: 'Alice (reader)' },
  bob: { roles: ['writer'], email: 'bob@example.com', name: 'Bob (writer)' },
  carol: { roles: ['admin'], email: 'carol@example.com', name: 'Carol (admin)' },
};

const { values: args } = parseArgs({ options: { port: { type: 'string', default: '8090' }, dir: { type: 'string' }, 'sp-cert': { type: 'string' } } });
const spCert = args['sp-cert'] === undefined ? undefined : readFileSync(resolve(args['sp-cert']), 'utf8');
const dir = resolve(args.dir ?? process.env.PORTCULLIS_DEMO_DIR ?? resolve(import.meta.dirname, '..', 'envoy', 'demo'));
const acs = process.env.PORTCULLIS_DEMO_ACS ?? 'http://localhost:10000/saml/acs';
const keys = { key: readFileSync(join(dir, 'saml-idp.key'), 'utf8'), cert: readFileSync(join(dir, 'saml-idp.crt'), 'utf8'), certFile: join(dir, 'saml-idp.crt'), dir };
const metadata = readFileSync(join(dir, 'saml-idp-metadata.xml'), 'utf8');

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (res: ServerResponse, status: number, body: string) => {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><meta charset="utf-8"><title>Demo IdP</title><body style="font-family:sans-serif;margin:3em">${body}</body>`);
};

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://idp');
  if (req.method === 'GET' && url.pathname === '/metadata') { res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' }); res.end(metadata); return; }
  if (req.method === 'GET' && url.pathname === '/sso') {
    let request = '';
    try { request = inflateRawSync(Buffer.from(url.searchParams.get('SAMLRequest') ?? '', 'base64')).toString('utf8'); } catch { /* below */ }
    if (spCert !== undefined) {
      let signed = false;
      try { signed = checkRedirect(`http://idp${req.url ?? '/'}`, spCert).ok; } catch { /* not a redirect message */ }
      if (!signed) { page(res, 400, '<h1>Bad sign-in request</h1><p>This IdP requires AuthnRequests signed with the SP key (--sp-cert); the signature is missing or does not verify.</p>'); return; }
    }
    const id = /\bID="(_[0-9a-f]+)"/.exec(request)?.[1];
    const asked = /AssertionConsumerServiceURL="([^"]+)"/.exec(request)?.[1];
    if (id === undefined || asked !== acs) { page(res, 400, `<h1>Bad sign-in request</h1><p>Expected an AuthnRequest for ${esc(acs)}.</p>`); return; }
    const relay = url.searchParams.get('RelayState') ?? '';
    const buttons = Object.entries(USERS).map(([u, x]) => `<button name="user" value="${u}" style="display:block;margin:.5em 0;padding:.5em 1em">Sign in as ${esc(x.name)}</button>`).join('');
    page(res, 200, `<h1>Demo identity provider</h1><p>Portcullis asked who you are.</p><form method="post" action="/sso/login"><input type="hidden" name="id" value="${esc(id)}"><input type="hidden" name="relay" value="${esc(relay)}">${buttons}</form>`);
    return;
  }
  if (req.method === 'POST' && url.pathname === '/sso/login') {
    let body = '';
    req.on('data', (c: Buffer) => { if (body.length < 8192) body += c.toString('utf8'); });
    req.on('end', () => {
      const f = new URLSearchParams(body);
      const user = USERS[f.get('user') ?? ''];
      const id = f.get('id') ?? '';
      if (user === undefined || !/^_[0-9a-f]{20,64}$/.test(id)) { page(res, 400, '<h1>Unknown user</h1>'); return; }
      const built = buildResponse(keys, {
        idpEntityId: DEMO_IDP_ENTITY, spEntityId: DEMO_SP_ENTITY, acsUrl: acs, nameId: f.get('user')!, inResponseTo: id,
        attributes: { Role: user.roles, email: user.email, displayName: user.name },
      });
      page(res, 200, `<p>Signing you in…</p><form id="f" method="post" action="${esc(acs)}"><input type="hidden" name="SAMLResponse" value="${built.base64}"><input type="hidden" name="RelayState" value="${esc(f.get('relay') ?? '')}"><noscript><button>Continue</button></noscript></form><script>document.getElementById('f').submit()</script>`);
    });
    return;
  }
  page(res, 404, '<h1>Not found</h1>');
});
server.listen(Number(args.port), '127.0.0.1', () => console.log(`demo SAML IdP on http://localhost:${args.port} (metadata: /metadata), posting to ${acs}`));
for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, () => server.close(() => process.exit(0)));
