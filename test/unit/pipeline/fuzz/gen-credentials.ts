// Credentials for the fuzzer: valid demo tokens/keys/signatures (so allow paths run too), the same
// credentials damaged, and hostile junk (alg none, key confusion, JWE, jku, garbage PEM, SAML posts).
import { signRequest } from '../../../../src/identity/sign.js';
import type { Rng } from './prng.js';

export interface CredEnv {
  tokens: string[];
  apiKey: string;
  partnerSecret: Buffer;
}

/** What a credential generator did to the request. */
export interface CredOut {
  headers: Record<string, string>;
  principal?: string;
  certificate?: string;
  secrets: string[];
  /** an intact valid credential was included (an allow is only legitimate then) */
  valid: boolean;
  /** sign the final request (valid RFC 9421 signature) once method/host/path/body are known */
  sign?: boolean;
}

const b64 = (x: string | Buffer) => Buffer.from(x).toString('base64url');

const JWT_HEADERS: unknown[] = [
  { alg: 'ES256', kid: 'demo-1', typ: 'JWT' }, { alg: 'none' }, { alg: 'none', kid: 'demo-1' }, { alg: 'HS256', kid: 'demo-1' },
  { alg: 'RS256', kid: 'demo-1' }, { alg: 'ES256' }, {}, { alg: 'ES256', kid: 'nope' }, { alg: 'ES256', kid: 'demo-1', crit: ['exp'] },
  { alg: 'ES256', kid: 'demo-1', jku: 'http://127.0.0.1:1/jwks' }, { alg: 'ES256', kid: 'demo-1', x5u: 'http://127.0.0.1:1/x' },
  { alg: 'ES256', kid: 'demo-1', jwk: { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' } }, { alg: 'ES256', kid: {} }, { alg: ['ES256'] },
  { alg: 'ES256', kid: 'demo-1', b64: false, crit: ['b64'] }, { alg: 'ES256', kid: 'demo-1', zip: 'DEF' }, { alg: 'dir', enc: 'A128GCM' },
  { alg: 'ES256', kid: '../../../etc/passwd' }, { alg: 'ES256', kid: 'demo-1', typ: 'at+jwt' }, null, 'str', [], 1,
];

function payload(r: Rng): unknown {
  const now = Math.floor(Date.now() / 1000);
  return r.pick<unknown>([
    {}, { iss: 'https://issuer.demo.portcullis.test/', aud: 'portcullis-demo', sub: 'mallory', exp: now + 3600, roles: ['admin'] },
    { exp: 'soon' }, { sub: {} }, { aud: 5 }, { roles: 'admin' }, { roles: [{}], sub: 'x' }, { nbf: 1e20 }, { exp: -1 }, { exp: 1e300 },
    { iss: 'https://issuer.demo.portcullis.test/', aud: ['portcullis-demo'], sub: 'x', exp: now + 60, iat: 'x', amr: 'mfa' },
    JSON.parse('{"__proto__":{"admin":true},"sub":"proto"}'), null, [], 'str', { a: '{'.repeat(1000) },
  ]);
}

function junkJwt(r: Rng): string {
  const head = r.chance(0.8) ? b64(JSON.stringify(r.pick(JWT_HEADERS))) : r.pick(['', b64('{'), b64('null'), b64(r.bytes(20)), '!!!', 'e30']);
  const body = r.chance(0.8) ? b64(JSON.stringify(payload(r))) : r.pick(['', b64('['), '%%%', b64(r.bytes(40))]);
  const sig = r.pick(['', b64(r.bytes(64)), b64(r.bytes(32)), '!!!', b64(r.bytes(1000)), 'AA']);
  switch (r.int(8)) {
    case 0: return `${head}.${body}`;
    case 1: return `${head}.${body}.${sig}.x.y`;
    case 2: return `${head}..${sig}`;
    case 3: return r.pick(['.', '..', '...', '....', ' . . ', 'a.b.c', '']);
    default: return `${head}.${body}.${sig}`;
  }
}

function damaged(r: Rng, t: string): string {
  const [h, p, s] = t.split('.') as [string, string, string];
  switch (r.int(7)) {
    case 0: { const i = r.int(t.length); return t.slice(0, i) + (t[i] === 'A' ? 'B' : 'A') + t.slice(i + 1); }
    case 1: return t.slice(0, r.int(t.length));
    case 2: return `${b64(JSON.stringify({ alg: 'none', kid: 'demo-1', typ: 'JWT' }))}.${p}.`;
    case 3: { const claims = JSON.parse(Buffer.from(p, 'base64url').toString()); claims.roles = ['admin']; claims.sub = 'mallory'; return `${h}.${b64(JSON.stringify(claims))}.${s}`; }
    case 4: return `${h}.${p}.${s}=`;
    case 5: return `${b64(JSON.stringify({ alg: 'HS256', kid: 'demo-1' }))}.${p}.${s}`;
    default: return `${h}.${p}`;
  }
}

function authorization(r: Rng, token: string): string {
  return r.pick([`Bearer ${token}`, `Bearer ${token}`, `bearer ${token}`, `Bearer  ${token}`, `Bearer ${token}\u0000`, `Bearer ${token}, Bearer ${token}`,
    `Basic ${b64('alice:pw')}`, token, `DPoP ${token}`, 'Bearer', 'Bearer ', `Bearer ${'A'.repeat(65_536)}`]);
}

const SIG_INPUTS = ['sig1=(', 'sig1=("@method" "@authority");created=1;keyid="partner-1"', 'sig1=();keyid="partner-1"',
  'sig1=("@method" "@authority" "@path" "@query");keyid="partner-1";alg="hmac-sha256";created=99999999999',
  'sig1=("@query-param";name="a");keyid="partner-1"', 'sig1=("content-digest" "@request-response");keyid="partner-1"',
  '=', 'a'.repeat(10_000), '(((', 'sig1=("@method");keyid="nope";created=1', 'sig1=("@method");keyid=partner-1',
  'sig1=("@method" "@authority" "@path" "@query");keyid="partner-1";created=' + Math.floor(Date.now() / 1000) + ';nonce="n"'];
const SIGS = ['sig1=:AAAA:', 'sig1=:!!!:', 'sig1=AAAA', 'sig2=:AAAA:', '', 'sig1=:' + 'A'.repeat(10_000) + ':', 'sig1=:' + b64(Buffer.alloc(32)) + ':'];
const DIGESTS = ['sha-256=:xx:', 'sha-512=:AAAA:', 'md5=:x:', 'sha-256=:' + Buffer.alloc(32).toString('base64') + ':', '=', 'sha-256'];

function pem(r: Rng): string {
  const inner = r.pick([r.bytes(r.int(600)).toString('base64'), '', '!!!!', 'MIIB' + 'A'.repeat(2000)]);
  const p = `-----BEGIN CERTIFICATE-----\n${inner}\n-----END CERTIFICATE-----\n`;
  return r.pick([encodeURIComponent(p), p, '%', '%zz%', encodeURIComponent('-----BEGIN CERTIFICATE-----'), r.bytes(300).toString('latin1'),
    encodeURIComponent(p).repeat(3), encodeURIComponent(p.repeat(200))]);
}

export function genCredential(r: Rng, env: CredEnv): CredOut {
  const out: CredOut = { headers: {}, secrets: [], valid: false };
  const kinds = 1 + (r.chance(0.2) ? 1 : 0);
  for (let k = 0; k < kinds; k++) {
    switch (r.int(14)) {
      case 0: { const t = r.pick(env.tokens); out.headers.authorization = `Bearer ${t}`; out.secrets.push(t); out.valid = true; break; }
      case 1: case 2: { const t = damaged(r, r.pick(env.tokens)); out.headers.authorization = authorization(r, t); out.secrets.push(t); break; }
      case 3: case 4: { const t = junkJwt(r); out.headers.authorization = authorization(r, t); out.secrets.push(t); break; }
      case 5: // HTTP header values carry no leading/trailing whitespace: " key " is the key
        out.headers['x-api-key'] = r.pick([env.apiKey, `${env.apiKey} `, ` ${env.apiKey}`]); out.secrets.push(env.apiKey); out.valid = true; break;
      case 6: {
        const key = r.pick([env.apiKey.slice(0, -1) + (env.apiKey.endsWith('A') ? 'B' : 'A'), env.apiKey.toUpperCase(), `${env.apiKey},${env.apiKey}`,
          'pck_', `pck_${r.text(43, 'abcdefABCDEF0123456789-_')}`, '', 'x'.repeat(70_000), `${env.apiKey}\u0000`]);
        out.headers['x-api-key'] = key; out.secrets.push(key); break;
      }
      case 7: out.sign = true; out.valid = true; break;
      case 8: {
        out.headers['signature-input'] = r.pick(SIG_INPUTS);
        out.headers.signature = r.pick(SIGS);
        if (r.chance(0.5)) out.headers['content-digest'] = r.pick(DIGESTS);
        break;
      }
      case 9: out.principal = 'spiffe://portcullis.test/ns/demo/fuzz'; out.valid = true; break;
      case 10: {
        out.principal = r.pick(['spiffe://portcullis.test/ns/other/x', 'spiffe://portcullis.test/ns/demo', 'spiffe://evil/ns/demo/x', '', 'CN=alice\r\n', r.text(300)]);
        out.certificate = pem(r);
        break;
      }
      case 11: out.headers['x-forwarded-client-cert'] = r.pick(['By=spiffe://x;Hash=00;URI=spiffe://portcullis.test/ns/demo/fuzz',
        'URI=spiffe://portcullis.test/ns/demo/x;Cert="' + pem(r) + '"', ';;;', '"', 'a'.repeat(70_000)]); break;
      case 12: {
        const v = r.pick(['portcullis_session=' + b64(r.bytes(r.int(300))), 'portcullis_session=', 'portcullis_session=a; portcullis_session=b',
          'portcullis_saml_request=' + b64(r.bytes(80)), 'portcullis_session=' + 'x'.repeat(65_536), 'csrf=abc', '\u0000=\u0000', ';', '=', 'a']);
        out.headers.cookie = v;
        out.secrets.push(...v.split(/[;=]/).filter((s) => s.length >= 24));
        break;
      }
      default: break; // no credential
    }
  }
  return out;
}

/** A valid RFC 9421 signature by the demo partner over the final request. */
export function signFor(env: CredEnv, method: string, host: string, path: string, body: Buffer | undefined): Record<string, string> {
  try {
    return signRequest({ method, url: `http://${host}${path.startsWith('/') ? path : '/' + path}`, body: body && body.length > 0 ? body : undefined,
    keyId: 'partner-1', algorithm: 'hmac-sha256', key: env.partnerSecret, created: Math.floor(Date.now() / 1000) });
  } catch {
    return {}; // host/path that make no URL: unsigned (the request still counts as carrying a credential)
  }
}
