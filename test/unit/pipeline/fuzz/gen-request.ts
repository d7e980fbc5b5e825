// A structure-aware generator of envoy.service.auth.v3.CheckRequest objects in the shape
// @grpc/proto-loader decodes them (keepCase, longs as numbers, enums as strings, no defaults).
// 'wire' requests only hold what the proto can carry (the caller round-trips them through the real
// message type); 'direct' requests may also hold what no decoder produces (null, wrong types, deep nesting).
import { genBody } from './gen-body.js';
import { genCredential, signFor, type CredEnv } from './gen-credentials.js';
import type { Rng } from './prng.js';
import { SERVICES } from './demo-runtime.js';

export interface Generated {
  req: any;
  secrets: string[];
  validCred: boolean;
  /** the marker to splice invalid UTF-8 over after encoding ('wire' only) */
  marker?: string;
}

export const MARKER = 'ZZINVALIDZZ';
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'CONNECT', 'get', '', 'BREW', 'G\u0000ET', 'A'.repeat(1000), '\uFFFD', 'GET '];
const PATHS = ['/', '/api/v1/users/alice', '/api/v1/orders/1', '/payments', '', 'users', '/%', '/%zz%', '/../../etc/passwd', '/a/%2e%2e/%2f%2e%2e/x',
  '/x\u0000y', '/console/', '/saml/acs', '/saml/metadata', '/saml/logout', '/saml/login', '/orders?id=1&id=2', '/?a=%ff&b=%', '/#frag', '?only',
  '/p?q=' + encodeURIComponent("' or 1=1--"), '/é/ü', '/\uFFFD', '//double//slash', '/.%00./', '/a;b=c/d', '/a\r\nx: y', '/?' + '&'.repeat(5000),
  '/?access_token=abc&api_key=def', '/' + 'a'.repeat(20_000), '/' + 'a/'.repeat(8000), '*', 'http://evil.test/abs'];
const HOSTS = ['api.test', '', 'EXAMPLE.COM:8080', '[::1]:80', 'a'.repeat(300), 'h\r\nx: y', 'api.test:99999', '\uFFFD', 'localhost:10000'];
const ODD_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'X-Upper-Case', ':path', ':method', ':authority', ':scheme',
  'x-portcullis-auth-kind', 'x-user-id', 'x-user-roles', 'x-portcullis-risk-score', 'content-length', 'transfer-encoding', 'x-forwarded-for',
  'x-request-id', 'origin', 'referer', 'sec-fetch-site', 'x-csrf-token', 'user-agent', 'host', 'x-envoy-auth-partial-body', 'a b', 'ü'];
const ODD_VALUES = () => ['', ' ', 'x'.repeat(65_536), '\u0000\u0001\r\n\u007f', '\uFFFD', '1.2.3.4, , ::1, not-ip, ' + 'a'.repeat(5000), 'null',
  'https://app.demo.test', 'https://evil.test', 'sqlmap/1.0', '../../etc', '<script>', '-1', '1e3', 'abc', '10, 20', 'true', '\u00e9\u00e8'];

function service(r: Rng): string | undefined {
  return r.chance(0.85) ? r.pick(SERVICES) : r.pick([undefined, '', 'nope', 'USERS', 'users\u0000', 'web ']);
}

function struct(r: Rng, depth: number, maxDepth: number): any {
  const fields: Record<string, any> = {};
  const n = r.int(4);
  for (let i = 0; i < n; i++) {
    const k = r.pick(['a', 'sub', '__proto__', 'constructor', '', 'x'.repeat(200), 'tenant']);
    const t = depth >= maxDepth ? r.int(4) : r.int(6);
    switch (t) {
      case 0: fields[k] = { stringValue: r.pick(['v', '', 'x'.repeat(2000)]), kind: 'stringValue' }; break;
      case 1: fields[k] = { numberValue: r.pick([0, -1, 1e308, 0.5]), kind: 'numberValue' }; break;
      case 2: fields[k] = { boolValue: true, kind: 'boolValue' }; break;
      case 3: fields[k] = { nullValue: 'NULL_VALUE', kind: 'nullValue' }; break;
      case 4: fields[k] = { structValue: struct(r, depth + 1, maxDepth), kind: 'structValue' }; break;
      default: fields[k] = { listValue: { values: [{ stringValue: 'l', kind: 'stringValue' }, { structValue: struct(r, depth + 1, maxDepth), kind: 'structValue' }] }, kind: 'listValue' };
    }
  }
  return { fields };
}

function deepStruct(n: number): any {
  let s: any = { fields: {} };
  for (let i = 0; i < n; i++) s = { fields: { a: { structValue: s, kind: 'structValue' } } };
  return s;
}

export function genRequest(r: Rng, env: CredEnv, mode: 'wire' | 'direct'): Generated {
  const secrets: string[] = [];
  let method = r.chance(0.85) ? r.pick(['GET', 'POST', 'PUT', 'DELETE', 'HEAD']) : r.pick(METHODS);
  let path = r.chance(0.6) ? r.pick(['/', '/api/v1/users/alice', '/api/v1/orders/1', '/payments', '/console/', '/saml/acs', '/items']) : r.pick(PATHS);
  let host = r.chance(0.85) ? 'api.test' : r.pick(HOSTS);
  const headers: Record<string, string> = { ':authority': host, ':method': method, ':path': path, 'user-agent': 'fuzz/1.0', 'x-request-id': `fz-${r.int(1e9)}` };

  const cred = genCredential(r, env);
  Object.assign(headers, cred.headers);
  secrets.push(...cred.secrets);

  let body: Buffer | undefined;
  if (r.chance(0.55)) {
    const b = genBody(r);
    body = b.body;
    secrets.push(...b.secrets);
    if (b.contentType !== undefined) headers['content-type'] = b.contentType;
    if (method === 'GET' && r.chance(0.7)) method = r.pick(['POST', 'PUT', 'PATCH']);
    if (r.chance(0.8)) headers['content-length'] = r.pick([String(body.length), String(body.length), String(body.length + 100), '0', 'abc', '-5', '1e3', '', '10, 20']);
  }
  if (r.chance(0.15)) { // CSRF-relevant headers
    headers.origin = r.pick(['https://app.demo.test', 'null', 'https://evil.test', '', 'https://app.demo.test.evil.test', 'https://APP.demo.test']);
    if (r.chance(0.5)) headers['x-csrf-token'] = r.pick(['abc', '', 'x'.repeat(5000)]);
    if (r.chance(0.5)) headers.cookie = (headers.cookie ? headers.cookie + '; ' : '') + r.pick(['csrf=abc', 'csrf=', 'csrf=abc; csrf=def']);
  }
  const odd = r.int(10);
  if (odd === 0) for (let i = 0, n = r.pick([50, 199, 201, 3000]); i < n; i++) headers[`x-h-${i}`] = 'v';
  else if (odd <= 3) for (let i = 0, n = 1 + r.int(4); i < n; i++) headers[r.pick(ODD_NAMES)] = r.pick(ODD_VALUES());
  if (mode === 'direct' && r.chance(0.1)) headers[r.pick(['', 'Authorization', 'X-API-KEY'])] = r.pick(['Bearer x', env.apiKey]);
  if (cred.sign) Object.assign(headers, signFor(env, method, host, path, body));

  let marker: string | undefined;
  if (mode === 'wire' && r.chance(0.1)) {
    marker = MARKER;
    const where = r.int(4);
    if (where === 0) path = `/${MARKER}`; else if (where === 1) method = MARKER; else if (where === 2) host = MARKER; else headers['x-bad-utf8'] = MARKER;
  } else if (mode === 'direct' && r.chance(0.05)) {
    headers['x-lone-surrogate'] = '\ud800x';
  }

  const http: any = { id: `id-${r.int(1e6)}`, method, path, host, scheme: r.pick(['http', 'https', '', 'gopher']), protocol: r.pick(['HTTP/1.1', 'HTTP/2', '', 'x']) };
  if (r.chance(0.15)) { // the newer header_map form, with duplicates and raw (non-UTF-8) values
    const list: any[] = Object.entries(headers).map(([key, value]) => (r.chance(0.2) ? { key, raw_value: Buffer.from(value, 'utf8') } : { key, value }));
    const dups = r.int(4);
    for (let i = 0; i < dups; i++) {
      const dup = r.pick([{ key: 'authorization', value: 'Bearer other' }, { key: 'x-api-key', value: env.apiKey }, { key: 'content-type', value: 'text/plain' },
        { key: 'cookie', value: 'a=b' }, { key: 'content-length', value: '7' }, { key: '', value: 'nameless' }, { key: 'X-Up', value: 'v' },
        { key: 'x-raw', raw_value: Buffer.from([0xff, 0xfe, 0x80]) }, { key: 'x-raw-ok', raw_value: Buffer.from('fine') }, { key: 'x-empty' }]);
      if (dup.value === env.apiKey) cred.valid = true; // the demo key itself: an allow is legitimate
      list.push(dup);
    }
    http.header_map = { headers: list };
  } else {
    http.headers = headers;
  }
  if (body !== undefined) {
    const where = r.int(10);
    if (where < 7) http.raw_body = body;
    else if (where < 8) http.body = body.toString('utf8');
    else if (where < 9) { http.raw_body = body; http.body = 'different'; }
    http.size = r.pick([body.length, body.length, body.length - 1, body.length + 1000, -1, 0, 1e12]);
  } else if (r.chance(0.1)) {
    http.size = r.pick([-1, 0, 5, 1e12]);
  }
  if (r.chance(0.1)) http.query = r.pick(['a=1', '%zz', '']);
  if (r.chance(0.05)) http.fragment = 'frag';

  const ext: Record<string, string> = {};
  const svc = service(r);
  if (svc !== undefined) ext.service = svc;
  if (r.chance(0.05)) for (let i = 0; i < 100; i++) ext[`k${i}`] = 'x'.repeat(100);
  const source: any = { address: { socket_address: { address: r.chance(0.9) ? `10.${r.int(256)}.${r.int(256)}.${r.int(256)}` : r.pick(['', '::1', 'not-an-ip', '999.1.1.1', '1.2.3.4%eth0']), port_value: r.pick([40000, 0, 65535]) } } };
  if (r.chance(0.05)) source.address = { pipe: { path: '/tmp/sock' } };
  if (cred.principal !== undefined) source.principal = cred.principal;
  if (cred.certificate !== undefined) source.certificate = cred.certificate;
  if (r.chance(0.05)) source.labels = { a: 'b', '': '' };
  const attributes: any = {
    source,
    destination: { address: { socket_address: { address: '127.0.0.1', port_value: 10000 } } },
    request: { time: { seconds: r.chance(0.9) ? Math.floor(Date.now() / 1000) : r.pick([0, -1, 1e15]), nanos: r.pick([0, 999_999_999]) }, http },
    context_extensions: ext,
  };
  if (r.chance(0.1)) attributes.metadata_context = { filter_metadata: { 'envoy.filters.http.jwt_authn': struct(r, 0, mode === 'wire' ? 8 : 3) } };
  if (r.chance(0.05)) attributes.metadata_context = { typed_filter_metadata: { x: { type_url: 'type.googleapis.com/junk', value: r.bytes(20) } } };
  if (r.chance(0.05)) attributes.route_metadata_context = { filter_metadata: { portcullis: struct(r, 0, 4) } };
  if (r.chance(0.05)) attributes.tls_session = { sni: r.pick(['api.test', '', 'x'.repeat(1000)]) };
  const req: any = { attributes };
  if (mode === 'direct' && r.chance(0.35)) mangle(r, req);
  return { req, secrets: [...secrets, env.apiKey, ...env.tokens], validCred: cred.valid, marker };
}

const JUNK = (r: Rng): unknown => r.pick<unknown>([undefined, null, 0, -1, NaN, 1e308, true, '', 'str', [], [1, 2], {}, { a: 1 }, Buffer.from('buf'), 12n]);

/** Replace one field anywhere in the tree by a value of the wrong type (what no decoder produces). */
function mangle(r: Rng, req: any): void {
  const a = req.attributes;
  const h = a.request.http;
  const sites: Array<[any, string]> = [
    [a, 'source'], [a.source, 'address'], [a.source.address, 'socket_address'], [a.source.address.socket_address ?? {}, 'address'],
    [a.source.address.socket_address ?? {}, 'port_value'], [a.source, 'principal'], [a.source, 'certificate'], [a.source, 'labels'],
    [a, 'destination'], [a, 'request'], [a.request, 'time'], [a.request.time, 'seconds'], [a.request.time, 'nanos'], [a.request, 'http'],
    [h, 'id'], [h, 'method'], [h, 'headers'], [h, 'header_map'], [h.header_map ?? {}, 'headers'], [h, 'path'], [h, 'host'], [h, 'scheme'],
    [h, 'query'], [h, 'fragment'], [h, 'size'], [h, 'protocol'], [h, 'body'], [h, 'raw_body'], [a, 'context_extensions'],
    [a.context_extensions, 'service'], [a, 'metadata_context'], [a, 'route_metadata_context'], [a, 'tls_session'],
  ];
  if (h.headers) for (const k of ['authorization', 'x-api-key', 'cookie', 'content-type', 'x-forwarded-for', 'signature-input']) sites.push([h.headers, k]);
  if (h.header_map?.headers?.length) sites.push([h.header_map.headers, '0'], [h.header_map.headers[0], 'key'], [h.header_map.headers[0], 'value'], [h.header_map.headers[0], 'raw_value']);
  const n = 1 + r.int(3);
  for (let i = 0; i < n; i++) {
    const [obj, key] = r.pick(sites);
    obj[key] = JUNK(r);
  }
  if (r.chance(0.05)) a.metadata_context = { filter_metadata: { deep: deepStruct(r.pick([100, 5000])) } };
  if (r.chance(0.02)) req.attributes = JUNK(r);
}

/** Requests that are not CheckRequests at all. */
export const NOT_REQUESTS: unknown[] = [undefined, null, 0, '', 'x', [], {}, { attributes: null }, { attributes: {} }, { attributes: { request: 'x' } },
  { attributes: { request: { http: 42 } } }, { attributes: { request: { http: [] } } }, { attributes: { request: { http: {} } } }, Buffer.from('x')];
