import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import { DEFAULT_DETECTOR_OPTIONS, inspectValue } from '../../../src/threat/detectors/index.js';
import { charsetFinding, walkInputs, type InputLimits, type InputOptions } from '../../../src/threat/inputs.js';
import { checkRequest, decide, denyBody, runtimeFrom, upstreamHeaders } from '../helpers.js';

const o: InputOptions = { headers: [], maxValueBytes: 4096, maxTotalBytes: 100_000, maxJsonDepth: 8, maxJsonValues: 50, maxParts: 10, inspectPath: false, inspectQuery: false, inspectBody: true };
function read(body: string | Buffer, contentType: string): { inputs: Array<[string, string, string[]]>; lim: InputLimits } {
  const ctx = buildContext(checkRequest({ method: 'POST', path: '/login', body, headers: { 'content-type': contentType } }), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
  const inputs: Array<[string, string, string[]]> = [];
  const lim = walkInputs(ctx, o, (where, value) => inputs.push([where, value, inspectValue(value, DEFAULT_DETECTOR_OPTIONS).map((f) => f.family)]));
  return { inputs, lim };
}
const pct = (b: Buffer) => [...b].map((x) => `%${x.toString(16).padStart(2, '0')}`).join('');
const FORM = 'application/x-www-form-urlencoded';
/** `s` in EBCDIC code page 037 (letters, digits and the punctuation an SQL injection needs), written here. */
function ibm037(s: string): Buffer {
  const map: Record<string, number> = { ' ': 0x40, "'": 0x7d, '=': 0x7e, '-': 0x60, ',': 0x6b, '(': 0x4d, ')': 0x5d, '*': 0x5c };
  const rows: Array<[string, number]> = [['abcdefghi', 0x81], ['jklmnopqr', 0x91], ['stuvwxyz', 0xa2], ['ABCDEFGHI', 0xc1], ['JKLMNOPQR', 0xd1], ['STUVWXYZ', 0xe2], ['0123456789', 0xf0]];
  for (const [chars, at] of rows) [...chars].forEach((c, i) => { map[c] = at + i; });
  return Buffer.from([...s].map((c) => { const b = map[c]; if (b === undefined) throw new Error(`no EBCDIC for ${c}`); return b; }));
}
const SQLI = "1' union select password from users--";
const XSS_UTF7 = '+ADw-script+AD4-alert(1)+ADw-/script+AD4-';

/**
 * A body that declares a charset was read as UTF-8 whenever Node's TextDecoder did not know the charset
 * (UTF-7, UTF-32, EBCDIC, a made-up label) or got it wrong (windows-1252, read as Latin-1 by Node 20): an
 * application that decodes it (IIS/ASP.NET for EBCDIC and UTF-7 forms, Spring, Tomcat) read a payload
 * that the detectors never saw, and the request was let through.
 */
describe('declared body charsets: decoded, or refused when nothing decodes them', () => {
  it('a UTF-7 form: its percent-escaped bytes decoded as UTF-7, the script found', () => {
    const { inputs, lim } = read(`q=${pct(Buffer.from(XSS_UTF7))}`, `${FORM}; charset=utf-7`);
    // (and its UTF-8 reading, which differs: an application ignoring the charset reads that)
    assert.deepEqual(inputs.map(([w, v, f]) => [w, v, f.includes('xss')]), [['form.q', '<script>alert(1)</script>', true], ['form.q', XSS_UTF7, true]]);
    assert.equal(lim.undecodableCharset, undefined);
  });

  it('a UTF-7 text body too (UNICODE-1-1-UTF-7 label)', () => {
    assert.deepEqual(read(XSS_UTF7, 'text/plain; charset=UNICODE-1-1-UTF-7').inputs.map(([w, v, f]) => [w, v, f.includes('xss')]), [['body', '<script>alert(1)</script>', true], ['body', XSS_UTF7, true]]);
  });

  // Go, Node and PHP read a body as UTF-8 whatever charset it declares: in UTF-7 `+AND+` is a shift sequence
  // (garbage), as UTF-8 it is the text; an injection written with `+` hid from a UTF-7-only reading
  const PLUS_SQLI = "1' +AND+SLEEP(5)--";
  it('a charset that is not ASCII-compatible (UTF-7): the UTF-8 reading is read too where it differs — text, form, multipart', () => {
    assert.deepEqual(read(PLUS_SQLI, 'text/plain; charset=utf-7').inputs.filter(([, , f]) => f.includes('sqli')).map(([w, v]) => [w, v]), [['body', PLUS_SQLI]]);
    assert.deepEqual(read(`q=${pct(Buffer.from(PLUS_SQLI))}`, `${FORM}; charset=utf-7`).inputs.filter(([, , f]) => f.includes('sqli')).map(([w, v]) => [w, v]), [['form.q', PLUS_SQLI]]);
    const mp = `--XyZ\r\nContent-Disposition: form-data; name="q"\r\nContent-Type: text/plain; charset=utf-7\r\n\r\n${PLUS_SQLI}\r\n--XyZ--\r\n`;
    assert.deepEqual(read(mp, 'multipart/form-data; boundary=XyZ').inputs.filter(([, , f]) => f.includes('sqli')).map(([w, v]) => [w, v]), [['multipart.q', PLUS_SQLI]]);
    // an ASCII-compatible charset, or UTF-16 (NULs: no UTF-8 text), has one reading
    assert.equal(read('q=caf%E9', `${FORM}; charset=iso-8859-15`).inputs.length, 1);
    assert.equal(read(`q=${pct(Buffer.from(SQLI, 'utf16le'))}`, `${FORM}; charset=utf-16le`).inputs.length, 1);
  });

  it('windows-1252 (and cp1252): 0x91–0x94 are the quotes they are, not C1 controls', () => {
    for (const cs of ['windows-1252', 'CP1252', '"windows-1252"']) {
      const { inputs } = read('q=%93quoted%94+it%92s', `${FORM}; charset=${cs}`);
      assert.deepEqual(inputs.map(([w, v]) => [w, v]), [['form.q', '“quoted” it’s']], cs);
    }
  });

  it('UTF-32 text decoded', () => {
    const b = Buffer.alloc(SQLI.length * 4);
    [...SQLI].forEach((c, i) => b.writeUInt32LE(c.codePointAt(0)!, i * 4));
    assert.deepEqual(read(Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), b]), 'text/plain; charset=utf-32').inputs, [['body', SQLI, ['sqli']]]);
  });

  it('an IBM037 (EBCDIC) form: recorded as undecodable, the finding names the charset', () => {
    const body = Buffer.concat([Buffer.from('user='), Buffer.from(pct(ibm037(SQLI))), Buffer.from('&pw=x')]);
    const { lim } = read(body, `${FORM}; charset=ibm037`);
    assert.equal(lim.undecodableCharset, 'ibm037');
    const f = charsetFinding(lim)!;
    assert.equal(f.family, 'charset');
    assert.equal(f.confidence, 1);
    assert.match(f.detail!, /charset "ibm037" cannot be decoded/);
  });

  it('EBCDIC or unknown charsets on every body read: form, text, JSON, a multipart part, another type', () => {
    const cases: Array<[string, string | Buffer, string]> = [
      [`${FORM}; charset=cp500`, 'a=b', 'cp500'],
      ['text/xml; charset=IBM1047', ibm037('abc'), 'ibm1047'],
      ['application/json; charset=cp1140', '{"a":"b"}', 'cp1140'],
      ['application/octet-stream; charset=x-made-up', 'plain text', 'x-made-up'],
      ['text/plain; charset=base64', 'PHNjcmlwdD4=', 'base64'],
      ['multipart/form-data; boundary=XyZ', '--XyZ\r\nContent-Disposition: form-data; name="q"\r\nContent-Type: text/plain; charset=ebcdic-cp-us\r\n\r\nabc\r\n--XyZ--\r\n', 'ebcdic-cp-us'],
    ];
    for (const [ct, body, label] of cases) assert.equal(read(body, ct).lim.undecodableCharset, label, ct);
  });

  // the charset was the first `charset=` anywhere in the parameters: inside another name (`xcharset=`) or a
  // quoted value — ASP.NET and Tomcat read the real parameter (ibm037) and the gateway read UTF-8
  it('the charset parameter itself: not `xcharset=` nor text in a quoted value; two that differ are refused', () => {
    // (text in a quoted value that ASP.NET reads as the charset is a second, differing one: recorded too)
    for (const ct of [`${FORM}; xcharset=utf-8; charset=ibm037`, `${FORM}; foo="a charset=utf-8"; charset=ibm037`, `${FORM}; foo="a;charset=utf-8"; charset=ibm037`]) {
      assert.match(read('a=b', ct).lim.undecodableCharset ?? '', /^ibm037(,|$)/, ct);
    }
    assert.match(read('a=b', `${FORM}; charset=utf-8; charset=ibm037`).lim.undecodableCharset ?? '', /utf-8.*ibm037/);
    assert.match(read('a=b', `${FORM}; charset=utf-8; charset=utf-16le`).lim.undecodableCharset ?? '', /utf-8.*utf-16le/);
    assert.match(read('a=b', `${FORM}; charset=utf-8,ibm037`).lim.undecodableCharset ?? '', /utf-8.ibm037/);
    for (const ct of [`${FORM}; charset=utf-8; charset=UTF-8`, `${FORM}; CHARSET = "utf-8" ; foo=bar`, `${FORM}; foo="x;y"; charset=utf-8`, `${FORM}; charset=`]) {
      assert.equal(read('a=b', ct).lim.undecodableCharset, undefined, ct);
    }
    assert.deepEqual(read('q=%93x%94', `${FORM}; xcharset=utf-8; charset=windows-1252`).inputs.map(([, v]) => v), ['“x”']);
  });

  it('the label in the finding is bounded (40 characters), and no body bytes are in it', () => {
    const f = charsetFinding(read('secret=hunter2', `${FORM}; charset=${'x'.repeat(300)}`).lim)!;
    assert.ok(f.detail!.includes(`"${'x'.repeat(39)}?"`), f.detail);
    assert.ok(!f.detail!.includes('x'.repeat(40)) && !f.detail!.includes('hunter2'));
    // characters that are no label's are not repeated either
    // (ASP.NET reads the quoted value without unescaping: a second label, bounded the same way)
    assert.ok(charsetFinding(read('a=b', `${FORM}; charset="ut\\f-8 <b>"`).lim)!.detail!.includes('"utf-8??b?,ut?f-8??b?"'));
  });

  it('UTF-8 in any spelling, ASCII, no charset, and charsets decoded: nothing recorded', () => {
    for (const ct of [FORM, `${FORM}; charset=utf-8`, `${FORM}; charset=UTF8`, `${FORM}; charset="UTF-8"`, `${FORM};charset=utf-8; foo=bar`, `${FORM}; charset=us-ascii`,
      `${FORM}; charset=unicode-1-1-utf-8`, `${FORM}; charset=iso-8859-1`, `${FORM}; charset=shift_jis`, 'text/plain; charset=utf-16le', 'application/json; charset=utf-8']) {
      const { inputs, lim } = read('q=caf%C3%A9', ct);
      assert.equal(lim.undecodableCharset, undefined, ct);
      assert.equal(charsetFinding(lim), undefined, ct);
      if (ct.includes('utf') && ct.startsWith(FORM)) assert.deepEqual(inputs.map(([w, v]) => [w, v]), [['form.q', 'café']], ct);
    }
  });

  const CONFIG = 'threat: { ban: { ttl_ms: 0 }, upstream_header: true }\ndefault_action: { action: allow }\nroutes:\n  - name: api\n    match: { path: { prefix: / } }\n';
  const send = (rt: Awaited<ReturnType<typeof runtimeFrom>>, body: string, charset: string) =>
    decide(rt, { method: 'POST', path: '/login', body, headers: { 'content-type': `${FORM}; charset=${charset}`, 'user-agent': 'curl/8.5.0' } });

  it('end to end: an IBM037 SQL injection form and a UTF-7 script form are refused (403 ERR_THREAT); a benign one in each is not', async () => {
    const rt = await runtimeFrom(CONFIG);
    const ebcdic = await send(rt, `user=${pct(ibm037(SQLI))}&pw=x`, 'ibm037');
    assert.equal(ebcdic.denied_response?.status?.code, 403);
    assert.equal(denyBody(ebcdic).error, 'ERR_THREAT');
    const utf7 = await send(rt, `q=${pct(Buffer.from(XSS_UTF7))}`, 'utf-7');
    assert.equal(denyBody(utf7).error, 'ERR_THREAT');
    const ok = await send(rt, `q=${pct(Buffer.from('+AOk-t+AOk-'))}`, 'utf-7');
    assert.equal(ok.denied_response, undefined);
    const w1252 = await send(rt, 'q=%93quoted%94+text', 'windows-1252');
    assert.equal(w1252.denied_response, undefined);
    assert.doesNotMatch(upstreamHeaders(w1252)['x-portcullis-risk-findings'] ?? '', /charset|sqli|xss/);
  });

  it('relaxed by scoring.weights.charset: 0 — then read as UTF-8, as before', async () => {
    const rt = await runtimeFrom(CONFIG.replace('upstream_header: true }', 'upstream_header: true, scoring: { weights: { charset: 0 } } }'));
    const r = await send(rt, `user=${pct(ibm037('alice'))}`, 'ibm037');
    assert.equal(r.denied_response, undefined);
    assert.match(upstreamHeaders(r)['x-portcullis-risk-findings'] ?? '', /^charset@body(,|$)/);
  });
});
