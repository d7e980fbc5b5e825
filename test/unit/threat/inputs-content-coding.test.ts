import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import { DEFAULT_DETECTOR_OPTIONS, inspectValue } from '../../../src/threat/detectors/index.js';
import { oversizeFinding, walkInputs, type InputLimits, type InputOptions } from '../../../src/threat/inputs.js';
import { checkRequest, decide, denyBody, runtimeFrom } from '../helpers.js';

const BUDGET = 100_000;
const o: InputOptions = { headers: [], maxValueBytes: 4096, maxTotalBytes: BUDGET, maxJsonDepth: 8, maxJsonValues: 50, maxParts: 10, inspectPath: false, inspectQuery: false, inspectBody: true };

function read(body: Buffer, contentType: string | undefined, encoding: string | undefined, extra: Record<string, string> = {}): { found: Array<[string, string]>; lim: InputLimits } {
  const headers: Record<string, string> = { ...extra };
  if (contentType !== undefined) headers['content-type'] = contentType;
  if (encoding !== undefined) headers['content-encoding'] = encoding;
  const ctx = buildContext(checkRequest({ method: 'POST', path: '/x', body, headers }), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
  const found: Array<[string, string]> = [];
  const lim = walkInputs(ctx, o, (where, value) => { for (const f of inspectValue(value, DEFAULT_DETECTOR_OPTIONS)) found.push([f.family, where]); });
  return { found, lim };
}
const families = (r: { found: Array<[string, string]> }) => [...new Set(r.found.map(([f]) => f))].sort();

const XSS = JSON.stringify({ comment: '<script>alert(document.cookie)</script>' });
const SQLI = JSON.stringify({ user: "1' union select password from users--" });

describe('a body sent with a Content-Encoding is decompressed before it is inspected', () => {
  it('gzip JSON: the XSS in it is found where a JSON value is (it was read as garbage text)', () => {
    const r = read(zlib.gzipSync(XSS), 'application/json', 'gzip');
    assert.deepEqual(r.found, [['xss', 'body.$.comment']]);
    assert.equal(oversizeFinding(r.lim), undefined);
  });

  it('every coding applications take: gzip, x-gzip, deflate (zlib-wrapped and raw), br; octet-stream and forms too', () => {
    for (const [what, body, type, enc] of [
      ['gzip', zlib.gzipSync(SQLI), 'application/json', 'gzip'],
      ['x-gzip', zlib.gzipSync(SQLI), 'application/json', 'x-gzip'],
      ['deflate, zlib-wrapped', zlib.deflateSync(SQLI), 'application/json', 'deflate'],
      ['deflate, raw', zlib.deflateRawSync(SQLI), 'application/json', 'deflate'],
      ['br', zlib.brotliCompressSync(SQLI), 'application/json', 'br'],
      ['gzip octet-stream JSON', zlib.gzipSync(SQLI), 'application/octet-stream', 'gzip'],
      ['gzip, no type', zlib.gzipSync(SQLI), undefined, 'gzip'],
      ['gzip form', zlib.gzipSync("user=1'+union+select+password+from+users--"), 'application/x-www-form-urlencoded', 'gzip'],
      ['gzip text', zlib.gzipSync('<script>alert(1)</script>'), 'text/plain', 'gzip'],
      ['gzip multipart', zlib.gzipSync('--b\r\nContent-Disposition: form-data; name="q"\r\n\r\n<script>alert(1)</script>\r\n--b--\r\n'), 'multipart/form-data; boundary=b', 'gzip'],
    ] as const) {
      const r = read(body, type, enc);
      assert.ok(r.found.length > 0, `${what}: nothing found`);
      assert.equal(r.lim.undecodableBody, undefined, what);
    }
  });

  it('codings listed one after another are undone in reverse order; names are case-insensitive, blanks and identity ignored', () => {
    const gzBr = zlib.brotliCompressSync(zlib.gzipSync(XSS));
    for (const enc of ['gzip, br', 'GZIP,BR', ' gzip ,\tbr ', 'identity, gzip, identity, br', 'gzip,, br,']) {
      assert.deepEqual(families(read(gzBr, 'application/json', enc)), ['xss'], enc);
    }
    assert.deepEqual(families(read(zlib.gzipSync(zlib.deflateSync(SQLI)), 'application/json', 'deflate, x-gzip')), ['sqli']);
    assert.deepEqual(families(read(Buffer.from(SQLI), 'application/json', 'identity')), ['sqli']);
    assert.deepEqual(families(read(Buffer.from(SQLI), 'application/json', ' Identity ')), ['sqli']);
  });

  it('a benign compressed body has no finding', () => {
    const doc = JSON.stringify({ title: 'holiday photos', note: "Seán O'Brien's order" });
    for (const [body, enc] of [[zlib.gzipSync(doc), 'gzip'], [zlib.deflateSync(doc), 'deflate'], [zlib.brotliCompressSync(doc), 'br']] as const) {
      const r = read(body, 'application/json', enc);
      assert.deepEqual(r.found, [], enc);
      assert.equal(oversizeFinding(r.lim), undefined, enc);
    }
  });

  it('a body Envoy sent in part (allow_partial_message) is decoded as far as it goes: the payload in the first part is found', () => {
    const full = zlib.gzipSync(JSON.stringify({ user: "1' union select password from users--", pad: 'x'.repeat(4000) }));
    const r = read(full.subarray(0, 60), 'application/json', 'gzip', { 'content-length': String(full.length) });
    assert.ok(families(r).includes('sqli'), JSON.stringify(r.found));
    assert.equal(r.lim.undecodableBody, undefined);
  });
});

describe('a body that cannot be decoded fails closed, as a body over the inspection budget does', () => {
  const certain = (lim: InputLimits) => {
    const f = oversizeFinding(lim);
    assert.ok(f !== undefined, 'an oversize finding');
    assert.equal(f.family, 'oversize');
    assert.equal(f.confidence, 1);
    return f.detail ?? '';
  };

  it('corrupt data, an unknown coding (zstd, compress), too many codings: the certain oversize finding, naming the coding, never the bytes', () => {
    const gz = zlib.gzipSync(SQLI);
    for (const [what, body, enc, why] of [
      ['corrupt gzip', Buffer.concat([gz.subarray(0, 12), Buffer.from('secret-token-123 and not deflate')]), 'gzip', /gzip/],
      ['gzip that is not gzip', Buffer.from('{"user":"secret-token-123"}'), 'gzip', /gzip/],
      ['raw deflate that is not', Buffer.from('secret-token-123'), 'deflate', /deflate/],
      ['br that is not', Buffer.from('{"user":"secret-token-123"}'), 'br', /br/],
      ['zstd', Buffer.from('{"user":"secret-token-123"}'), 'zstd', /"zstd"/],
      ['compress', Buffer.from('{"user":"secret-token-123"}'), 'compress', /"compress"/],
      ['a made-up coding', Buffer.from('{"user":"secret-token-123"}'), 'x-' + 'a'.repeat(100), /"x-a{37}\?" is not decoded/],
      ['four codings', zlib.gzipSync(zlib.gzipSync(zlib.gzipSync(zlib.gzipSync('{"user":"secret-token-123"}')))), 'gzip, gzip, gzip, gzip', /codings/],
    ] as const) {
      const r = read(body, 'application/json', enc);
      const detail = certain(r.lim);
      assert.match(detail, why, what);
      assert.doesNotMatch(detail, /secret-token-123/, what);
      assert.ok(detail.length <= 160, what);
    }
  });

  it('a binary format is not decoded, so its coding is never a reason to refuse it: remote_write (snappy protobuf), OTLP (zstd, gzip), images', async () => {
    const snappyLike = Buffer.from([0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59, 0x01, 0x00, 0x00, 0x01, 0x0a, 0x05]);
    for (const [ct, enc, body] of [
      ['application/x-protobuf', 'snappy', snappyLike],
      ['application/x-protobuf', 'zstd', Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58, 0x01, 0x00, 0x00])],
      ['application/x-protobuf', 'gzip', zlib.gzipSync(Buffer.alloc(2_000_000, 7))], // past the budget decompressed: not decompressed at all
      ['image/png', 'br', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0])],
    ] as const) {
      const r = read(body, ct, enc);
      assert.equal(oversizeFinding(r.lim), undefined, `${ct} ${enc}`);
      assert.deepEqual(r.found, [], `${ct} ${enc}`);
    }
    // text in such a body's bytes as sent is still read, as for any binary type
    assert.deepEqual(families(read(Buffer.from("1' union select password from users--"), 'application/x-protobuf', 'zstd')), ['sqli']);
    // the same codings on a type that is read: still refused
    certain(read(snappyLike, 'application/json', 'snappy').lim);
    certain(read(snappyLike, 'application/octet-stream', 'snappy').lim);
  });

  it('three codings are still decoded', () => {
    assert.deepEqual(families(read(zlib.gzipSync(zlib.deflateSync(zlib.brotliCompressSync(SQLI))), 'application/json', 'br, deflate, gzip')), ['sqli']);
  });

  it('through the threat stages: refused 403 ERR_THREAT with the oversize finding; a lower oversize weight relaxes it', async () => {
    const cfg = (w: string) => `default_action: { action: allow }\nthreat:\n  ban: { ttl_ms: 0 }\n  scoring: { weights: { oversize: ${w} } }\nroutes:\n  - name: api\n    match: { path: { prefix: / } }\n`;
    const req = (body: Buffer, enc: string) => ({ method: 'POST', path: '/api', body, headers: { 'content-type': 'application/json', 'content-encoding': enc, 'user-agent': 'curl/8.5.0' } });
    const strict = await runtimeFrom(cfg('1'));
    assert.equal(denyBody(await decide(strict, req(Buffer.from('{"a":"b"}'), 'zstd'))).error, 'ERR_THREAT');
    assert.equal(denyBody(await decide(strict, req(zlib.gzipSync(XSS), 'gzip'))).error, 'ERR_THREAT');
    assert.ok((await decide(strict, req(zlib.gzipSync('{"a":"b"}'), 'gzip'))).ok_response);
    const relaxed = await runtimeFrom(cfg('0.4'));
    assert.ok((await decide(relaxed, req(Buffer.from('{"a":"b"}'), 'zstd'))).ok_response);
  });
});

describe('a compression bomb costs no more than the inspection budget', () => {
  // 1 MiB of gzip that inflates to 1 GiB: 128 gzip members of 8 MiB of zeros each (gunzip reads every member)
  let bomb: Buffer;
  let brBomb: Buffer;
  const names = ['gunzipSync', 'inflateSync', 'inflateRawSync', 'brotliDecompressSync'] as const;
  const real = Object.fromEntries(names.map((n) => [n, zlib[n]])) as unknown as Record<(typeof names)[number], (b: Buffer, o?: zlib.ZlibOptions) => Buffer>;
  let produced = 0;
  let limits: number[] = [];
  before(() => {
    const member = zlib.gzipSync(Buffer.alloc(8 * 1024 * 1024));
    bomb = Buffer.concat(Array.from({ length: 128 }, () => member));
    brBomb = zlib.brotliCompressSync(Buffer.alloc(64 * 1024 * 1024), { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 } });
    for (const n of names) {
      (zlib as unknown as Record<string, unknown>)[n] = (b: Buffer, opts?: zlib.ZlibOptions) => {
        limits.push(opts?.maxOutputLength ?? Infinity);
        const out = real[n](b, opts);
        produced += out.length;
        return out;
      };
    }
  });
  after(() => { for (const n of names) (zlib as unknown as Record<string, unknown>)[n] = real[n]; });

  for (const [what, body, enc] of [['gzip, 1 MiB → 1 GiB', () => bomb, 'gzip'], ['br, → 64 MiB', () => brBomb, 'br'], ['gzip inside gzip', () => zlib.gzipSync(bomb), 'gzip, gzip']] as const) {
    it(`${what}: every decompression is capped at the budget, and the body counts as over the budget`, () => {
      produced = 0; limits = [];
      const r = read(body(), 'application/json', enc);
      assert.ok(limits.length > 0, 'decompressed');
      for (const l of limits) assert.ok(l <= BUDGET, `maxOutputLength ${l} for a budget of ${BUDGET}`);
      assert.ok(produced <= BUDGET * limits.length, `${produced} bytes produced`);
      assert.equal(r.lim.budgetExhausted, true);
      assert.match(oversizeFinding(r.lim)!.detail!, /inspection budget/);
    });
  }

  it('a compressed body that inflates to just under the budget is read whole', () => {
    const doc = JSON.stringify({ pad: 'a'.repeat(BUDGET - 200), q: '<script>alert(1)</script>' });
    const r = read(zlib.gzipSync(doc), 'application/json', 'gzip');
    assert.deepEqual(families(r), ['xss']);
  });
});

describe('deflate: a body that reads one way zlib-wrapped and another way raw is not read either way', () => {
  // a polyglot: zlib-wrapped (78 01), a stored block of 65534 bytes — padding; read raw, the same first byte
  // opens a stored block of 1 byte, then an empty one, then a compressed block with the payload, which a raw
  // reader (.NET's DeflateStream, as ASP.NET Core's request decompression used; a Go handler's flate.NewReader)
  // reads and the zlib reading (Express) never shows
  function polyglot(payload: string): Buffer {
    const lit = Buffer.alloc(65534, 0x61);
    Buffer.from([0, 0, 0xff, 0xff]).copy(lit, 0);
    zlib.deflateRawSync(payload).copy(lit, 4);
    let a = 1, b = 0;
    for (const x of lit) { a = (a + x) % 65521; b = (b + a) % 65521; }
    const adler = Buffer.alloc(4);
    adler.writeUInt32BE(((b << 16) | a) >>> 0);
    return Buffer.concat([Buffer.from([0x78, 0x01, 0x00, 0xfe, 0xff, 0x01, 0x00]), lit, Buffer.from([0x01, 0x00, 0x00, 0xff, 0xff]), adler]);
  }

  it('the two readings differ (the fixture is what it says)', () => {
    const p = polyglot(SQLI);
    assert.equal(zlib.inflateRawSync(p).toString(), `\x01${SQLI}`);
    assert.equal(zlib.inflateSync(p).length, 65534);
  });

  it('the certain oversize finding, as data that does not decode, for every type', () => {
    for (const type of ['application/octet-stream', 'application/json', 'text/plain']) {
      const r = read(polyglot(SQLI), type, 'deflate');
      const f = oversizeFinding(r.lim);
      assert.equal(f?.family, 'oversize', type);
      assert.equal(f?.confidence, 1, type);
      assert.match(f?.detail ?? '', /deflate/, type);
      assert.doesNotMatch(f?.detail ?? '', /union|select/, type);
    }
  });

  it('zlib-wrapped and raw deflate bodies that only decode one way are read as before', () => {
    assert.deepEqual(families(read(zlib.deflateSync(SQLI), 'application/json', 'deflate')), ['sqli']);
    assert.deepEqual(families(read(zlib.deflateRawSync(SQLI), 'application/json', 'deflate')), ['sqli']);
    const big = JSON.stringify({ pad: 'a'.repeat(50_000), q: '<script>alert(1)</script>' });
    assert.deepEqual(families(read(zlib.deflateSync(big), 'application/json', 'deflate')), ['xss']);
  });
});

describe('br: the window a stream declares costs no more than the budget', () => {
  // brotli's decoder fills a ring buffer as large as the declared window before it writes out: 51 bytes
  // declaring 16 MiB and one long copy cost 16 MiB of memory and tens of ms of the event loop, whatever the cap
  const real = zlib.brotliDecompressSync;
  let windows: number[] = [];
  const windowBits = (b: Buffer) => ((b[0]! & 1) === 0 ? 16 : ((b[0]! >> 1) & 7) !== 0 ? 17 + ((b[0]! >> 1) & 7) : -1);
  before(() => {
    (zlib as unknown as Record<string, unknown>).brotliDecompressSync = (b: Buffer, opts?: zlib.BrotliOptions) => { windows.push(windowBits(b)); return real(b, opts); };
  });
  after(() => { (zlib as unknown as Record<string, unknown>).brotliDecompressSync = real; });
  const br = (data: Buffer | string, lgwin: number) => zlib.brotliCompressSync(data, { params: { [zlib.constants.BROTLI_PARAM_LGWIN]: lgwin, [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } });

  it('a bomb declaring a 16 MiB window is decoded in a window that holds the budget, and is over the budget', () => {
    const bomb = br(Buffer.alloc(64 * 1024 * 1024, 'a'), 24);
    assert.equal(windowBits(bomb), 24);
    windows = [];
    const r = read(bomb, 'application/json', 'br');
    assert.ok(windows.length > 0);
    for (const w of windows) assert.ok(w <= 18 && (1 << w) - 16 >= BUDGET, `window 2^${w} for a budget of ${BUDGET}`);
    assert.equal(r.lim.budgetExhausted, true);
  });

  it('bodies compressed with any window, with copies from far back, are read the same', () => {
    const rnd = Buffer.from(Array.from({ length: 30_000 }, (_, i) => 97 + ((i * 7919) % 26)));
    const doc = JSON.stringify({ a: rnd.toString(), b: rnd.toString(), c: rnd.toString().slice(0, 5000), q: '<script>alert(1)</script>' });
    assert.ok(doc.length < BUDGET);
    for (const lgwin of [10, 16, 17, 18, 22, 24]) {
      const r = read(br(doc, lgwin), 'application/json', 'br');
      assert.deepEqual(families(r), ['xss'], `lgwin ${lgwin}`);
      assert.equal(r.lim.undecodableBody, undefined, `lgwin ${lgwin}`);
      assert.ok(!r.lim.budgetExhausted, `lgwin ${lgwin}`);
    }
  });
});

describe('bytes after the compressed stream', () => {
  it('gzip: another member is read, zeros are padding, other bytes do not decode (as Node, and so Express, reads them)', () => {
    assert.deepEqual(families(read(Buffer.concat([zlib.gzipSync('{"a":'), zlib.gzipSync(JSON.stringify('<script>alert(1)</script>') + '}')]), 'application/json', 'gzip')), ['xss']);
    assert.deepEqual(families(read(Buffer.concat([zlib.gzipSync(XSS), Buffer.alloc(8)]), 'application/json', 'gzip')), ['xss']);
    assert.match(oversizeFinding(read(Buffer.concat([zlib.gzipSync(XSS), Buffer.from('trailing')]), 'application/json', 'gzip').lim)?.detail ?? '', /gzip: the data does not decode/);
  });

  it('deflate and br: ignored, as zlib, Go and .NET ignore them (the stream ends itself)', () => {
    for (const [body, enc] of [[zlib.deflateSync(XSS), 'deflate'], [zlib.deflateRawSync(XSS), 'deflate'], [zlib.brotliCompressSync(XSS), 'br']] as const) {
      const r = read(Buffer.concat([body, Buffer.from('trailing')]), 'application/json', enc);
      assert.deepEqual(r.found, [['xss', 'body.$.comment']], enc);
      assert.equal(r.lim.undecodableBody, undefined, enc);
    }
  });
});

describe('the bytes as sent are read too: an application that does not decompress reads them', () => {
  // Go's net/http, Django, Flask, Spring and Rails read a body as sent whatever its Content-Encoding, and
  // ASP.NET Core's request decompression passes a coding list (`identity, gzip`) through undecoded. Bytes a
  // decoder skips — a gzip header's comment, bytes after a deflate or br stream — are in that reading only.
  const XSS_FIELD = '&q=<script>alert(document.cookie)</script>&';
  /** gzip of `content` with `comment` in its header (FCOMMENT), which gunzip skips. */
  function gzipWithComment(content: string, comment: string): Buffer {
    const gz = zlib.gzipSync(content);
    const head = Buffer.from(gz.subarray(0, 10));
    head[3] = 0x10;
    return Buffer.concat([head, Buffer.from(comment + '\0', 'latin1'), gz.subarray(10)]);
  }

  it('the fixture: gunzip reads past the comment', () => {
    assert.equal(zlib.gunzipSync(gzipWithComment('a=b', XSS_FIELD)).toString(), 'a=b');
  });

  it('a form field in a gzip comment, a text or form after a deflate or br stream: found', () => {
    for (const [what, body, type, enc] of [
      ['gzip comment, form', gzipWithComment('a=b', XSS_FIELD), 'application/x-www-form-urlencoded', 'gzip'],
      ['gzip comment, listed with identity', gzipWithComment('a=b', XSS_FIELD), 'application/x-www-form-urlencoded', 'identity, gzip'],
      ['gzip comment, multipart', gzipWithComment('--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--b--\r\n',
        '\r\n--b\r\nContent-Disposition: form-data; name="q"\r\n\r\n<script>alert(document.cookie)</script>\r\n--b--\r\n'), 'multipart/form-data; boundary=b', 'gzip'],
      ['after deflate, text', Buffer.concat([zlib.deflateSync('hello'), Buffer.from('\n<script>alert(document.cookie)</script>')]), 'text/plain', 'deflate'],
      ['after br, form', Buffer.concat([zlib.brotliCompressSync('a=b'), Buffer.from(XSS_FIELD)]), 'application/x-www-form-urlencoded', 'br'],
    ] as const) {
      const r = read(body, type, enc);
      assert.deepEqual(families(r), ['xss'], `${what}: ${JSON.stringify(r.found)}`);
    }
  });

  it('compressed JSON and binary bodies cost nothing more and record nothing: their bytes as sent are no JSON and no text', () => {
    const doc = JSON.stringify({ title: 'holiday photos', note: "Seán O'Brien's order" });
    for (const [body, enc, type] of [[zlib.gzipSync(doc), 'gzip', 'application/json'], [zlib.brotliCompressSync(doc), 'br', 'application/json'], [zlib.deflateSync(doc), 'deflate', 'application/octet-stream']] as const) {
      const r = read(body, type, enc);
      assert.deepEqual(r.found, [], enc);
      assert.equal(oversizeFinding(r.lim), undefined, enc);
    }
  });
});
