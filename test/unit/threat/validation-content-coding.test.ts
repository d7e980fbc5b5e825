import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { describe, it } from 'node:test';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import { compileSchema, SchemaCompiler, validateRequest, type ValidationOptions } from '../../../src/threat/validation.js';
import { checkRequest, decide, denyBody, runtimeFrom } from '../helpers.js';

const schema = compileSchema({ type: 'object', required: ['qty'], properties: { qty: { type: 'integer', minimum: 1 } } }, '/x', new SchemaCompiler());
const v = (extra: Partial<ValidationOptions> = {}): ValidationOptions => ({ contentTypes: [], schemas: new Map([['POST', schema]]), maxViolations: 20, ...extra });
const validate = (body: Buffer, encoding: string | undefined, o = v(), headers: Record<string, string> = {}) => validateRequest(buildContext(checkRequest({
  method: 'POST', path: '/orders', body, headers: { 'content-type': 'application/json', ...(encoding === undefined ? {} : { 'content-encoding': encoding }), ...headers },
}), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 }), o);

describe('request validation reads a compressed JSON body decompressed', () => {
  it('a valid gzip, deflate or br JSON body passes the schema (it was "body is not valid JSON")', () => {
    for (const [enc, body] of [['gzip', zlib.gzipSync('{"qty":2}')], ['x-gzip', zlib.gzipSync('{"qty":2}')], ['deflate', zlib.deflateSync('{"qty":2}')],
      ['deflate', zlib.deflateRawSync('{"qty":2}')], ['br', zlib.brotliCompressSync('{"qty":2}')], ['gzip, br', zlib.brotliCompressSync(zlib.gzipSync('{"qty":2}'))]] as const) {
      assert.deepEqual(validate(body, enc), [], enc);
    }
  });

  it('a decompressed body the schema refuses is refused with the schema violation; a repeated name too', () => {
    assert.deepEqual(validate(zlib.gzipSync('{"qty":0}'), 'gzip'), [{ where: 'body.qty', message: 'must be >= 1' }]);
    assert.match(validate(zlib.gzipSync('{"qty":2,"qty":0}'), 'gzip')[0]!.message, /member name repeats/);
    assert.equal(validate(zlib.gzipSync('{"qty":'), 'gzip')[0]!.message, 'body is not valid JSON');
  });

  it('a body that cannot be decoded, or decompresses past max_total_bytes, cannot be validated: refused, the coding named, no body bytes', () => {
    for (const [what, body, enc, why] of [
      ['corrupt gzip', Buffer.from('{"qty":2,"token":"secret-token-123"}'), 'gzip', /^body content-encoding gzip: the data does not decode: the body cannot be validated$/],
      ['zstd', Buffer.from('{"qty":2,"token":"secret-token-123"}'), 'zstd', /^body content-encoding "zstd" is not decoded: the body cannot be validated$/],
      ['a bomb', zlib.gzipSync(Buffer.alloc(4 * 1024 * 1024, ' ')), 'gzip', /^the body decompresses to more than max_total_bytes \(65536 bytes\) and cannot be validated$/],
    ] as const) {
      const out = validate(body, enc, v({ maxDecodedBytes: 65536 }));
      assert.equal(out.length, 1, what);
      assert.equal(out[0]!.where, 'body', what);
      assert.match(out[0]!.message, why, what);
    }
  });

  it('max_body_bytes counts the bytes as sent (as Envoy counts them), not decompressed', () => {
    const doc = JSON.stringify({ qty: 2, note: 'a'.repeat(20_000) });
    const gz = zlib.gzipSync(doc);
    assert.ok(gz.length < 1000);
    assert.deepEqual(validate(gz, 'gzip', v({ maxBodyBytes: 1000 })), []);
    assert.match(validate(Buffer.from(doc), undefined, v({ maxBodyBytes: 1000 }))[0]!.message, /^body too large/);
  });

  it('through the threat stages: a valid gzip body passes validation and inspection, decompressed once; an invalid one is 400', async () => {
    const rt = await runtimeFrom(`default_action: { action: allow }\nthreat:\n  ban: { ttl_ms: 0 }\nroutes:\n  - name: api\n    match: { path: { prefix: / } }\n    threat: { validation: { schemas: { POST: { type: object, required: [qty], properties: { qty: { type: integer, minimum: 1 } } } } } }\n`);
    const req = (body: Buffer) => ({ method: 'POST', path: '/orders', body, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'user-agent': 'curl/8.5.0' } });
    const real = zlib.gunzipSync;
    let calls = 0;
    (zlib as unknown as Record<string, unknown>).gunzipSync = (b: Buffer, o?: zlib.ZlibOptions) => { calls++; return real(b, o); };
    try {
      assert.ok((await decide(rt, req(zlib.gzipSync('{"qty":2,"note":"gift"}')))).ok_response);
      assert.equal(calls, 1, 'decompressed once for validation and inspection');
      assert.equal(denyBody(await decide(rt, req(zlib.gzipSync('{"qty":0}')))).error, 'ERR_VALIDATION');
      assert.equal(denyBody(await decide(rt, req(zlib.gzipSync(JSON.stringify({ qty: 2, note: "1' union select password from users--" }))))).error, 'ERR_THREAT');
      calls = 0;
      assert.ok((await decide(rt, { method: 'POST', path: '/orders', body: '{"qty":2}', headers: { 'content-type': 'application/json', 'user-agent': 'curl/8.5.0' } })).ok_response);
      assert.equal(calls, 0, 'a body without Content-Encoding is not decompressed');
    } finally {
      (zlib as unknown as Record<string, unknown>).gunzipSync = real;
    }
  });
});
