// Request bodies for the fuzzer: content types with bodies that are valid, malformed or hostile JSON,
// forms and multipart (missing/mismatched boundaries, nested parts, huge part counts).
import type { Rng } from './prng.js';

export interface GenBody {
  contentType?: string;
  body: Buffer;
  /** values in the body that must never be echoed back (passwords) */
  secrets: string[];
}

const CONTENT_TYPES = [
  'application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json; charset=utf-16',
  'application/x-www-form-urlencoded', 'multipart/form-data; boundary=B0undary', 'multipart/form-data',
  'multipart/form-data; boundary=', 'multipart/form-data; boundary="a b"', 'multipart/mixed; boundary=B0undary',
  'text/plain', 'application/xml', '', ';;;', 'a/b/c', 'application/*', '*/*', 'x'.repeat(5000),
  'multipart/form-data; boundary=B0undary; boundary=other', 'application/json;;charset==', 'text/html\r\nx: y',
];

const BROKEN_JSON = ['{', '{"a":', '[', '{"amount":}', 'nul', '{"a":1,}', '\uFEFF{}', '{"a":"\\ud800"}', '{"a":1e99999}',
  '{"amount": 1, "amount": "x"}', '{"a":"\u0000"}', '"just a string"', 'null', '123', '[]', '{"currency":"usd","amount":-1}',
  '{"__proto__":{"polluted":1},"constructor":{"prototype":{"x":1}}}', '{"q":"\' OR 1=1 --","h":"<script>alert(1)</script>"}',
  '{"path":"../../../../etc/passwd","cmd":"; cat /etc/passwd"}', '{"a":' + '"\\u00'.repeat(50) + '}'];

function json(r: Rng, secrets: string[]): string {
  switch (r.int(7)) {
    case 0: return JSON.stringify({ amount: r.pick([12.5, 0, -1, 1e308, 'x']), currency: r.pick(['USD', 'usd', '', 'EURO']) });
    case 1: return r.pick(BROKEN_JSON);
    case 2: { const n = r.pick([100, 1000, 100_000]); return '['.repeat(n) + ']'.repeat(r.chance(0.5) ? n : 1); }
    case 3: { const n = r.pick([100, 1000, 30_000]); return '{"a":'.repeat(n) + '1' + '}'.repeat(n); }
    case 4: { const n = r.pick([1000, 200_000]); return '[' + '0,'.repeat(n) + '0]'; }
    case 5: { const pw = `pw-${r.text(24, 'abcdefghijklmnopqrstuvwxyz0123456789')}`; secrets.push(pw); return JSON.stringify({ user: 'a', password: pw }); }
    default: return r.text(r.int(200));
  }
}

function form(r: Rng, secrets: string[]): string {
  switch (r.int(7)) {
    case 0: return r.pick(['a=1&b=2', '%', '&&==&', 'a=%zz', 'a=%', '=x', 'a=1&a=2&a=3', '+=+', 'a[b][c]=1', '%00=%00']);
    case 1: return 'x=' + 'a'.repeat(70_000);
    case 2: { const n = r.pick([2000, 20_000]); return Array.from({ length: n }, (_, i) => `p${i}=${i}`).join('&'); }
    case 3: { const pw = `pw-${r.text(24, 'abcdefghijklmnopqrstuvwxyz0123456789')}`; secrets.push(pw); return `user=a&password=${pw}`; }
    case 4: return 'q=' + encodeURIComponent("' UNION SELECT password FROM users --") + '&h=%3Cscript%3Ealert(1)%3C%2Fscript%3E';
    case 5: return 'SAMLResponse=' + encodeURIComponent(samlJunk(r)) + '&RelayState=' + encodeURIComponent(r.pick(['/console/', 'https://evil.test/', '', r.text(500)]));
    default: return r.text(r.int(300));
  }
}

export function samlJunk(r: Rng): string {
  const xml = r.pick([
    '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"/></samlp:Response>',
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
    '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><l>&c;</l>',
    '<samlp:Response', '', '<a>' + '<b>'.repeat(5000) + '</a>', 'not xml at all',
  ]);
  switch (r.int(4)) {
    case 0: return Buffer.from(xml).toString('base64');
    case 1: return xml;
    case 2: return r.bytes(r.int(200)).toString('base64');
    default: return r.text(r.int(100)) + '===';
  }
}

function multipart(r: Rng, boundary: string, depth = 0): string {
  const eol = r.chance(0.85) ? '\r\n' : '\n';
  const n = r.pick([0, 1, 3, 3, 3, 2000, 20_000]);
  const parts: string[] = [];
  for (let i = 0; i < n && i < 20_000; i++) {
    const kind = depth < 2 && n < 10 ? r.int(8) : r.int(5);
    let headers: string;
    let content: string;
    switch (kind) {
      case 0: headers = `Content-Disposition: form-data; name="f${i}"`; content = 'v'; break;
      case 1: headers = `Content-Disposition: form-data; name="file"; filename="${r.pick(['../../etc/passwd', 'a.txt', '', '\u0000.exe', 'x'.repeat(3000)])}"${eol}Content-Type: application/octet-stream`; content = r.bytes(r.int(64)).toString('latin1'); break;
      case 2: headers = r.pick(['no colon here', 'Content-Disposition', 'Content-Disposition: ', 'Content-Disposition: form-data; name=', `X: ${'y'.repeat(10_000)}`]); content = 'x'; break;
      case 3: headers = ''; content = `--${boundary}`; break;
      case 4: headers = `Content-Disposition: form-data; name="q"`; content = "' OR '1'='1"; break;
      default: {
        const inner = `in${depth}${r.int(1000)}`;
        headers = `Content-Disposition: form-data; name="nested"${eol}Content-Type: multipart/mixed; boundary=${inner}`;
        content = multipart(r, inner, depth + 1);
      }
    }
    parts.push(`--${boundary}${eol}${headers}${eol}${eol}${content}${eol}`);
  }
  const end = r.pick([`--${boundary}--${eol}`, '', `--${boundary}`, `--${boundary}--`, `--wrong--${eol}`]);
  return r.pick(['', 'preamble' + eol]) + parts.join('') + end;
}

export function genBody(r: Rng): GenBody {
  const secrets: string[] = [];
  let text: string | Buffer;
  let ct: string | undefined;
  switch (r.int(8)) {
    case 0: case 1: text = json(r, secrets); ct = r.chance(0.8) ? 'application/json' : r.pick(CONTENT_TYPES); break;
    case 2: text = form(r, secrets); ct = r.chance(0.8) ? 'application/x-www-form-urlencoded' : r.pick(CONTENT_TYPES); break;
    case 3: case 4: {
      const b = r.chance(0.9) ? 'B0undary' : r.pick(['', 'x'.repeat(300), 'a b', '--', 'B0undary\r\n']);
      text = multipart(r, b);
      ct = r.chance(0.7) ? 'multipart/form-data; boundary=B0undary' : r.pick(CONTENT_TYPES);
      break;
    }
    case 5: text = r.bytes(r.int(2000)); ct = r.pick(CONTENT_TYPES); break;
    case 6: text = '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xx">]><a>&x;</a>'; ct = r.pick(['application/xml', 'text/xml', 'application/json']); break;
    default: text = ''; ct = r.chance(0.5) ? r.pick(CONTENT_TYPES) : undefined;
  }
  return { contentType: ct, body: Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8'), secrets };
}
