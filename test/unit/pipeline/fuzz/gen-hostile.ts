// Hostile CheckRequests for the places gen-request.ts reaches least: request targets (`%` at the end, NULs,
// absolute-form, `*`), query strings with thousands of parameters, header names that are huge, binary or
// repeated under another case, bodies in every type the parsers know with the framing wrong (JSON nested
// deep, huge numbers, repeated names, BOMs, invalid UTF-8 inside strings; forms with thousands of fields;
// multipart with hostile boundaries; declared charsets; body vs raw_body, content-length that lies), source
// addresses in every form Envoy can send (IPv6 with zone ids, IPv4-mapped, pipes/unix sockets, internal
// addresses), odd context_extensions / metadata / TLS fields, and peer certificates that are not PEM.
// Every request is in the shape @grpc/proto-loader decodes (the caller may round-trip it through the proto).
import { genCredential, signFor, type CredEnv } from './gen-credentials.js';
import type { Rng } from './prng.js';
import { SERVICES } from './demo-runtime.js';

export interface Hostile {
  req: any;
  /** what the generator did, for the slowest-inputs table and failure messages */
  label: string;
  secrets: string[];
  validCred: boolean;
}

const ATTACKS = ["' UNION SELECT password FROM users--", '<script>alert(document.cookie)</script>', '../../../../etc/passwd', '; cat /etc/passwd',
  '${jndi:ldap://x/a}', '{{7*7}}', "1' OR '1'='1", '<img src=x onerror=alert(1)>'];

function target(r: Rng, lbl: string[]): string {
  const base = r.pick(['/api/v1/users/alice', '/api/v1/orders/1', '/payments', '/items/1', '/portal/', '/saml/acs', '/forms/x', '/']);
  switch (r.int(14)) {
    case 0: lbl.push('path%end'); return base + r.pick(['%', '%2', '/%', '?a=%', '?a=1%', '?%', '#%']);
    case 1: lbl.push('path-nul'); return r.pick([`${base}\u0000`, `${base}%00.json`, `/\u0000${base}`, `${base}?q=\u0000`]);
    case 2: lbl.push('absolute-form'); return r.pick([`http://api.test${base}`, `https://evil.test${base}`, `http://api.test:99999${base}`, `//api.test${base}`, `http://[::1]${base}`, 'http://api.test', `HTTP://API.TEST${base}`]);
    case 3: lbl.push('asterisk'); return r.pick(['*', '*?a=1', '**', '/*']);
    case 4: { lbl.push('query-thousands'); const n = r.pick([1000, 3000, 10_000]); return `${base}?${Array.from({ length: n }, (_, i) => `p${i % 97}=${r.pick(['1', '%', '%zz', '', 'x'])}`).join('&')}`; }
    case 5: { lbl.push('query-one-key-many'); return `${base}?${'a=1&'.repeat(r.pick([2000, 8000]))}`; }
    case 6: lbl.push('query-attack'); return `${base}?q=${r.pick([encodeURIComponent, (s: string) => encodeURIComponent(encodeURIComponent(s)), (s: string) => s.replace(/ /g, '+'), (s: string) => s])(r.pick(ATTACKS))}`;
    case 7: lbl.push('path-encoded'); return r.pick([`${base}/..%2f..%2fadmin`, `${base}%2f`, '/API/V1/USERS/alice', '/api/v1/users/alice/.', '/api/v1/users/%61lice', '/api//v1/users/alice', '/api/v1/users/alice;x=1', '/api\\v1\\users\\alice', `/%2e%2e/${base}`, `${base}%c0%af`, `${base}%ef%bc%8f`]);
    case 8: lbl.push('path-long'); return `/${'%41'.repeat(r.pick([1000, 5000]))}`;
    case 9: lbl.push('query-long-value'); return `${base}?q=${'%'.repeat(r.pick([1000, 15_000]))}`;
    case 10: lbl.push('query-deep-brackets'); return `${base}?${'a' + '[b]'.repeat(r.pick([100, 3000]))}=1`;
    default: return base + r.pick(['', '?a=1', '?a=1&a=2', '#f']);
  }
}

function headerNames(r: Rng, h: Array<{ key: string; value?: string; raw_value?: Buffer }>, lbl: string[]): void {
  switch (r.int(9)) {
    case 0: lbl.push('header-name-huge'); h.push({ key: `x-${'n'.repeat(r.pick([1000, 20_000, 90_000]))}`, value: 'v' }); break;
    case 1: lbl.push('header-name-binary'); h.push({ key: r.pick(['x-\u0001\u0002', 'x\u0000y', 'x y', 'x:y', '\u00ff\u00fe', '\u00e9t\u00e9', '\r\n', ':', '::path', ':path ']), value: 'v' }); break;
    case 2: lbl.push('header-dup-case'); h.push({ key: r.pick(['Origin', 'Content-Type', 'Authorization', 'X-Forwarded-For', 'Cookie', 'Content-Length']), value: r.pick(['https://evil.test', 'text/plain', 'Bearer x', '203.0.113.9', 'csrf=z', '0']) }); break;
    case 3: lbl.push('header-dup-many'); for (let i = 0, n = r.pick([150, 199]); i < n; i++) h.push({ key: 'x-same', value: String(i) }); break;
    case 4: lbl.push('header-raw-binary'); h.push({ key: r.pick(['user-agent', 'referer', 'cookie', 'x-forwarded-for', 'content-type', 'origin']), raw_value: Buffer.from([0xc0, 0xaf, 0xed, 0xa0, 0x80, 0x00, 0x0d, 0x0a]) }); break;
    case 5: lbl.push('header-value-huge'); h.push({ key: r.pick(['user-agent', 'referer', 'cookie', 'x-forwarded-for']), value: r.pick(['a', '%', ';', ',', ' ', '\\"']).repeat(r.pick([10_000, 90_000])) }); break;
    case 6: lbl.push('header-value-attack'); h.push({ key: r.pick(['user-agent', 'referer', 'cookie', 'x-original-url', 'x-rewrite-url', 'x-forwarded-host', 'origin']), value: r.pick(ATTACKS) }); break;
    case 7: lbl.push('xff-odd'); h.push({ key: 'x-forwarded-for', value: r.pick(['fe80::1%eth0', '::ffff:203.0.113.7', '203.0.113.7:80', '[2001:db8:bad::1]', '2001:db8:bad::1', ', , ,', 'unknown', '1.2.3.4, 203.0.113.7', '0:0:0:0:0:ffff:cb00:7107', '203.000.113.007', '0xcb.0.113.7']) }); break;
    default: break;
  }
}

function utf16(s: string, le: boolean): Buffer {
  const b = Buffer.from(s, 'utf16le');
  if (!le) b.swap16();
  return Buffer.concat([Buffer.from(le ? [0xff, 0xfe] : [0xfe, 0xff]), b]);
}

interface Body { ct?: string; body: Buffer; label: string }

function jsonBody(r: Rng): Body {
  const attack = r.pick(ATTACKS);
  switch (r.int(12)) {
    case 0: { const n = r.pick([200, 600, 3000, 50_000]); return { body: Buffer.from('{"a":['.repeat(n) + '1' + ']}'.repeat(n)), label: `json-deep-${n}` }; }
    case 1: return { body: Buffer.from(`{"amount":${r.pick(['9'.repeat(100_000), '1e999999999', '-0', '0.' + '0'.repeat(50_000) + '1', '1' + '0'.repeat(400) + 'e-400', '123456789012345678901234567890'])},"currency":"USD"}`), label: 'json-huge-number' };
    case 2: return { body: Buffer.from(`{"currency":"USD","amount":${r.pick(['"x"', '5'])},"amount":12.5}`), label: 'json-dup-key' };
    case 3: return { body: Buffer.from(`{"q":"${attack.replace(/"/g, '\\"')}","q":"fine"}`), label: 'json-dup-key-attack-first' };
    case 4: return { body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ amount: 1, currency: 'USD', q: attack }))]), label: 'json-utf8-bom' };
    case 5: return { body: utf16(JSON.stringify({ amount: 'x', currency: 'usd', q: attack }), r.chance(0.5)), label: 'json-utf16-bom' };
    case 6: return { body: Buffer.concat([Buffer.from('{"amount":1,"currency":"US'), Buffer.from([r.pick([0xff, 0xc0, 0xed, 0x80])]), Buffer.from('D","q":"' + attack.replace(/"/g, '') + '"}')]), label: 'json-invalid-utf8' };
    case 7: return { body: Buffer.from(JSON.stringify({ q: attack }).replace(/[<>'/]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)), label: 'json-unicode-escaped-attack' };
    case 8: { const n = r.pick([10_000, 100_000]); return { body: Buffer.from(`{${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',')}}`), label: `json-wide-${n}` }; }
    case 9: return { body: Buffer.from(`{"amount":1,"currency":"USD"}${r.pick(['', ' ', '{}', '\u0000', ' x', '\n{"amount":-5}'])}`), label: 'json-trailing' };
    case 10: { const n = r.pick([1000, 50_000]); return { body: Buffer.from(`[${'"\\ud800\\udc00\\u0000",'.repeat(n)}1]`), label: 'json-escapes' }; }
    default: return { body: Buffer.from(`{"amount":1,"currency":"USD","x":${'"' + '\\\\'.repeat(r.pick([100, 30_000])) + '"'}}`), label: 'json-backslashes' };
  }
}

function formBody(r: Rng): Body {
  switch (r.int(6)) {
    case 0: { const n = r.pick([2000, 2001, 10_000]); return { body: Buffer.from(Array.from({ length: n }, (_, i) => `f${i}=${i}`).join('&')), label: `form-${n}-fields` }; }
    case 1: return { body: Buffer.from(`${'x'.repeat(1999).split('').map((_, i) => `a${i}=1`).join('&')}&q=${encodeURIComponent(r.pick(ATTACKS))}`), label: 'form-attack-after-2000' };
    case 2: return { body: Buffer.from(`q=${r.pick(ATTACKS).replace(/ /g, '+')}&${'%'.repeat(5000)}`), label: 'form-attack-percent' };
    case 3: return { body: Buffer.from(`q=${'%25'.repeat(r.pick([3, 10_000]))}3Cscript%3E`), label: 'form-nested-percent' };
    case 4: return { body: Buffer.from('q=' + encodeURIComponent(r.pick(ATTACKS)), 'latin1'), label: 'form-attack' };
    default: return { body: Buffer.from(`${'&'.repeat(50_000)}q=1`), label: 'form-empty-fields' };
  }
}

function multipartBody(r: Rng): Body {
  const boundary = r.pick(['B', 'x'.repeat(70), 'x'.repeat(200), 'a b', '"q"', '--', '\u00e9', 'B\r\nX: y', 'B;', 'B=', 'B'.repeat(5000)]);
  const bq = boundary.replace(/"/g, '');
  const attack = r.pick(ATTACKS);
  const part = (name: string, v: string, extra = '') => `--${bq}\r\nContent-Disposition: form-data; name="${name}"${extra}\r\n\r\n${v}\r\n`;
  let text: string;
  let label: string;
  switch (r.int(8)) {
    case 0: text = part('q', attack) + `--${bq}--\r\n`; label = 'mp-attack'; break;
    case 1: text = part('q', `--${bq}\r\n${attack}`) + `--${bq}--`; label = 'mp-boundary-in-content'; break;
    // (parts × boundary kept under ~5 MB: past max_body_bytes is refused by size alone)
    case 2: text = Array.from({ length: Math.min(r.pick([1001, 5000, 30_000]), Math.floor(5e6 / (bq.length + 60))) }, (_, i) => part(`f${i}`, 'v')).join('') + part('q', attack) + `--${bq}--`; label = 'mp-parts-many'; break;
    case 3: text = part('q', attack).replace(/\r\n/g, '\n') + `--${bq}--`; label = 'mp-lf-only'; break;
    case 4: text = part('j', JSON.stringify({ q: attack }), '\r\nContent-Type: application/json') + `--${bq}--`; label = 'mp-json-part'; break;
    case 5: text = `--${bq}\r\nContent-Disposition: form-data; name="q"; filename*=UTF-8''${encodeURIComponent(attack)}\r\n\r\nx\r\n--${bq}--`; label = 'mp-filename-star'; break;
    case 6: text = `--${bq}\r\n${'Content-Disposition: form-data; name="a"\r\n'.repeat(r.pick([100, 5000]))}\r\nv\r\n--${bq}--`; label = 'mp-headers-many'; break;
    default: text = `--${bq}\r\nContent-Disposition: form-data; name="q"\r\n\r\n${attack}`; label = 'mp-unterminated'; break;
  }
  const ct = r.pick([`multipart/form-data; boundary=${boundary}`, `multipart/form-data; boundary="${boundary}"`, `multipart/form-data; BOUNDARY=${boundary}`,
    `multipart/form-data; boundary=${boundary}; boundary=other`, `multipart/form-data; charset=utf-7; boundary=${boundary}`, `Multipart/Form-Data; boundary=${boundary}`]);
  return { ct, body: Buffer.from(text), label };
}

function body(r: Rng, lbl: string[]): Body | undefined {
  if (r.chance(0.4)) return undefined;
  let b: Body;
  switch (r.int(6)) {
    case 0: case 1: b = jsonBody(r); b.ct = r.pick(['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/problem+json', 'text/json', 'application/json; charset=utf-16', 'application/json;charset="utf-8"', 'application/json , text/plain', 'application/x-ndjson', undefined]); break;
    case 2: b = formBody(r); b.ct = r.pick(['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=iso-8859-1', 'application/x-www-form-urlencoded; charset=utf-7', 'application/x-www-form-urlencoded; charset=ibm037']); break;
    case 3: b = multipartBody(r); break;
    case 4: b = { body: r.bytes(r.int(4096)), ct: r.pick(['application/octet-stream', 'text/plain; charset=utf-16le', 'text/plain; charset=utf-7', 'image/png', 'application/xml']), label: 'binary' }; break;
    default: b = { body: Buffer.from(`+ADw-script+AD4-alert(1)+ADw-/script+AD4-`), ct: r.pick(['text/plain; charset=utf-7', 'text/html; charset=UTF-7', 'application/json; charset=utf-7']), label: 'utf7' };
  }
  lbl.push(`${b.label}:${b.body.length}B`);
  return b;
}

function source(r: Rng, lbl: string[]): any {
  switch (r.int(12)) {
    case 0: lbl.push('src-ipv6-zone'); return { address: { socket_address: { address: r.pick(['fe80::1%eth0', 'fe80::1%25eth0', '::1%lo', 'fe80::1%']), port_value: 1 } } };
    case 1: lbl.push('src-mapped'); return { address: { socket_address: { address: r.pick(['::ffff:203.0.113.7', '::ffff:10.0.0.1', '0:0:0:0:0:ffff:cb00:7107', '::203.0.113.7', '64:ff9b::203.0.113.7']), port_value: 1 } } };
    case 2: lbl.push('src-pipe'); return { address: { pipe: { path: r.pick(['/run/envoy.sock', '@abstract', '', '\u0000sock', 'x'.repeat(5000)]), mode: 0o777 } } };
    case 3: lbl.push('src-internal'); return { address: { envoy_internal_address: { server_listener_name: 'l', endpoint_id: 'e' } } };
    case 4: lbl.push('src-blocked'); return { address: { socket_address: { address: r.pick(['203.0.113.7', '2001:db8:bad::1', '2001:DB8:BAD:0:0:0:0:1', '2001:db8:bad::1%eth0']), port_value: 1 } } };
    case 5: lbl.push('src-odd'); return { address: { socket_address: { address: r.pick(['', ' ', '999.1.1.1', 'localhost', '10.0.0.1:80', '[::1]', '01.02.03.04', '1.2.3', '::', '0.0.0.0']), port_value: r.pick([0, 65535]), named_port: 'x' } } };
    case 6: lbl.push('src-none'); return r.pick([undefined, {}, { address: {} }]);
    case 7: lbl.push('src-googlebot'); return { address: { socket_address: { address: r.pick(['66.249.66.1', '10.0.0.9']), port_value: 1 } } };
    default: return { address: { socket_address: { address: `10.${r.int(4)}.${r.int(256)}.${r.int(256)}`, port_value: 40000 } } };
  }
}

function struct(r: Rng, depth: number): any {
  const fields: Record<string, any> = {};
  for (let i = 0, n = r.int(5); i < n; i++) {
    const k = r.pick(['sub', 'roles', 'iss', 'aud', 'exp', 'email', 'scope', 'tenant', '', '__proto__', 'x'.repeat(300)]);
    switch (depth > 5 ? r.int(4) : r.int(6)) {
      case 0: fields[k] = { stringValue: r.pick(['admin', 'alice', '', '\u0000', 'x'.repeat(5000)]), kind: 'stringValue' }; break;
      case 1: fields[k] = { numberValue: r.pick([0, -0, 1e308, -1e308, 5e-324, 2 ** 53 + 1]), kind: 'numberValue' }; break;
      case 2: fields[k] = { boolValue: r.chance(0.5), kind: 'boolValue' }; break;
      case 3: fields[k] = { nullValue: 'NULL_VALUE', kind: 'nullValue' }; break;
      case 4: fields[k] = { structValue: struct(r, depth + 1), kind: 'structValue' }; break;
      default: fields[k] = { listValue: { values: Array.from({ length: r.pick([0, 2, 1000]) }, () => ({ stringValue: 'admin', kind: 'stringValue' })) }, kind: 'listValue' };
    }
  }
  return { fields };
}

function tls(r: Rng, lbl: string[]): any {
  if (r.chance(0.8)) return undefined;
  lbl.push('tls-odd');
  return { sni: r.pick(['api.test', '', 'x'.repeat(70_000), '\u0000', 'API.TEST.', '*.api.test', 'xn--', '..']) };
}

/** One hostile CheckRequest. */
export function genHostile(r: Rng, env: CredEnv): Hostile {
  const lbl: string[] = [];
  const svc = r.chance(0.9) ? r.pick(SERVICES) : r.pick(['', 'users ', 'Users', 'users\u0000', 'x'.repeat(10_000)]);
  const path = target(r, lbl);
  if (path.length > 1000) lbl.push(`path:${path.length}B`);
  const b = body(r, lbl);
  let method = b ? r.pick(['POST', 'POST', 'PUT', 'PATCH', 'GET', 'post', 'Post', 'DELETE']) : r.pick(['GET', 'GET', 'HEAD', 'OPTIONS', 'DELETE', 'get', 'TRACE', 'CONNECT', 'M-SEARCH', 'PROPFIND']);
  if (method !== method.toUpperCase()) lbl.push('method-case');
  const host = r.chance(0.9) ? 'api.test' : r.pick(['API.TEST', 'api.test.', 'api.test:10000', '[::1]', 'evil.test', 'x'.repeat(5000)]);
  const cred = genCredential(r, env);
  const h: Array<{ key: string; value?: string; raw_value?: Buffer }> = [
    { key: ':authority', value: host }, { key: ':method', value: method }, { key: ':path', value: path }, { key: ':scheme', value: 'https' },
    { key: 'user-agent', value: r.pick(['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36', 'curl/8.4.0', 'Googlebot/2.1 (+http://www.google.com/bot.html)', 'sqlmap/1.7', '', 'python-requests/2.31']) },
    { key: 'x-request-id', value: `hx-${r.int(1e9)}` },
  ];
  for (const [key, value] of Object.entries(cred.headers)) h.push({ key, value });
  if (b?.ct !== undefined) h.push({ key: 'content-type', value: b.ct });
  if (b) {
    const cl = r.pick([String(b.body.length), String(b.body.length), String(b.body.length + 1), String(Math.max(0, b.body.length - 1)), '0', '-1', '1e2', ' 5', '5,5', String(2 ** 64), 'abc']);
    if (cl !== String(b.body.length)) lbl.push('content-length-lies');
    if (r.chance(0.85)) h.push({ key: 'content-length', value: cl });
    if (r.chance(0.1)) { h.push({ key: 'transfer-encoding', value: r.pick(['chunked', 'gzip, chunked', 'identity']) }); lbl.push('te'); }
    if (r.chance(0.05)) { h.push({ key: 'x-envoy-auth-partial-body', value: r.pick(['true', 'TRUE', 'false', '']) }); lbl.push('partial-body-header'); }
  }
  if (r.chance(0.2)) {
    lbl.push('csrf');
    h.push({ key: 'origin', value: r.pick(['https://app.demo.test', 'https://evil.test', 'null', 'https://app.demo.test, https://evil.test', 'HTTPS://APP.DEMO.TEST', 'https://app.demo.test:443', 'https://app.demo.test.', '']) });
    h.push({ key: 'cookie', value: r.pick(['portcullis_session=abc', 'portcullis_session=abc; csrf=t', 'PORTCULLIS_SESSION=abc', ' portcullis_session = abc ']) });
    if (r.chance(0.5)) h.push({ key: 'x-csrf-token', value: r.pick(['t', 'T', '', 't, t']) });
    if (r.chance(0.3)) h.push({ key: 'sec-fetch-site', value: r.pick(['same-origin', 'cross-site', 'none', 'same-site']) });
  }
  headerNames(r, h, lbl);
  if (cred.sign) for (const [key, value] of Object.entries(signFor(env, method, host, path, b?.body))) h.push({ key, value });

  const http: any = { id: `hid-${r.int(1e6)}`, method, path, host, scheme: 'https', protocol: r.pick(['HTTP/1.1', 'HTTP/2', 'HTTP/3']) };
  // the legacy map (names unique, lower-case, duplicates joined by Envoy with ",") or the newer header_map
  const useMap = r.chance(0.5);
  if (useMap) {
    http.header_map = { headers: h.map((x) => (r.chance(0.15) && x.value !== undefined ? { key: x.key, raw_value: Buffer.from(x.value, 'utf8') } : x)) };
    lbl.push('header_map');
  } else {
    const m: Record<string, string> = {};
    for (const x of h) {
      const k = x.key.toLowerCase();
      const v = x.value ?? (x.raw_value ? x.raw_value.toString('utf8') : '');
      m[k] = m[k] === undefined ? v : `${m[k]},${v}`;
    }
    http.headers = m;
  }
  if (b) {
    const where = r.int(10);
    if (where < 6) http.raw_body = b.body;
    else if (where < 8) { http.body = b.body.toString('utf8'); lbl.push('body-string'); }
    else { http.raw_body = b.body; http.body = r.pick(['', '{"amount":1,"currency":"USD"}', 'q=fine']); lbl.push('body-and-raw_body'); }
    http.size = r.pick([b.body.length, b.body.length, b.body.length + 10, 0, -1]);
  }
  const ext: Record<string, string> = { service: svc };
  if (r.chance(0.1)) { lbl.push('ext-odd'); Object.assign(ext, r.pick([{ '': '' }, { __proto__x: 'y', constructor: 'c' }, Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, 'v']))])); }
  const attributes: any = {
    source: source(r, lbl),
    destination: { address: { socket_address: { address: '127.0.0.1', port_value: 10000 } } },
    request: { time: { seconds: Math.floor(Date.now() / 1000), nanos: 0 }, http },
    context_extensions: ext,
  };
  if (attributes.source && cred.principal !== undefined) attributes.source.principal = cred.principal;
  if (attributes.source && cred.certificate !== undefined) attributes.source.certificate = cred.certificate;
  if (attributes.source && r.chance(0.05)) { lbl.push('cert-cut'); attributes.source.certificate = r.pick(['%2', '%', '-----BEGIN%20CERTIFICATE-----%0A', '%E0%A4%A', '%C0%80'.repeat(10_000)]); }
  const t = tls(r, lbl);
  if (t) attributes.tls_session = t;
  if (r.chance(0.15)) { lbl.push('metadata'); attributes.metadata_context = { filter_metadata: { [r.pick(['envoy.filters.http.jwt_authn', 'istio_authn', 'envoy.filters.http.rbac', 'portcullis', ''])]: struct(r, 0) } }; }
  if (r.chance(0.05)) { lbl.push('route-metadata'); attributes.route_metadata_context = { filter_metadata: { portcullis: struct(r, 0) } }; }
  return { req: { attributes }, label: `${svc.slice(0, 20)} ${method.slice(0, 10)} ${lbl.join(',')}`, secrets: [...cred.secrets, env.apiKey, ...env.tokens], validCred: cred.valid };
}
