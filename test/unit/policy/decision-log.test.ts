import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { DecisionLogger, type DecisionEvent } from '../../../src/policy/decision-log/decision-logger.js';
import { applyMasks, DEFAULT_MASKS, maskRule } from '../../../src/policy/decision-log/mask.js';
import { HttpSink, type DecisionSink } from '../../../src/policy/decision-log/sinks.js';
import { silent } from '../helpers.js';
import { metricValue } from './helpers.js';

const event = (id: string, input: unknown = { attributes: { request: { http: { headers: { authorization: 'Bearer x', 'x-ok': '1' } } } } }): DecisionEvent => ({
  decision_id: id, path: 'a/allow', input, result: true, timestamp: new Date().toISOString(), metrics: { timer_rego_query_eval_ns: 1 }, bundles: { b: { revision: 'r' } },
});

class MemorySink implements DecisionSink {
  readonly name = 'memory';
  lines: string[] = [];
  fail = false;
  async write(lines: readonly string[]): Promise<void> {
    if (this.fail) throw new Error('disk full');
    this.lines.push(...lines);
  }
}

describe('decision-log masking', () => {
  it('erases and upserts by JSON pointer, copy-on-write, and lists what it did', () => {
    const input = { attributes: { request: { http: { headers: { authorization: 'Bearer x', 'a/b': 's' } } } }, parsed_body: { card: '4111' } };
    const e: Record<string, unknown> = { input, result: { allowed: true, headers: { 'x-token': 't' } } };
    const { erased, masked } = applyMasks(e, [
      maskRule(DEFAULT_MASKS[0]!),
      maskRule('/input/attributes/request/http/headers/a~1b'),
      maskRule({ op: 'upsert', path: '/input/parsed_body/card', value: '****' }),
      maskRule('/result/headers/x-token'),
      maskRule('/input/not/there'),
    ]);
    assert.deepEqual(erased, ['/input/attributes/request/http/headers/authorization', '/input/attributes/request/http/headers/a~1b', '/result/headers/x-token']);
    assert.deepEqual(masked, ['/input/parsed_body/card']);
    assert.deepEqual((e.input as any).attributes.request.http.headers, {});
    assert.equal((e.input as any).parsed_body.card, '****');
    assert.equal(input.attributes.request.http.headers.authorization, 'Bearer x', 'the original is untouched');
    assert.equal(input.parsed_body.card, '4111');
  });

  it('a parsed_query mask also masks that parameter in the raw path, under any spelling of its name', () => {
    const path = '/api/x?a=1&access_token=SECRET1&acc%65ss_token=SECRET2&b=2#frag';
    const input = { attributes: { request: { http: { path, headers: {} } } }, parsed_query: { access_token: ['SECRET1', 'SECRET2'], a: ['1'] } };
    const e: Record<string, unknown> = { input };
    const { erased } = applyMasks(e, DEFAULT_MASKS.map((m) => maskRule(m)));
    const out = JSON.stringify(e);
    assert.ok(!out.includes('SECRET'), out);
    assert.equal((e.input as any).attributes.request.http.path, '/api/x?a=1&b=2#frag');
    assert.deepEqual((e.input as any).parsed_query, { a: ['1'] });
    assert.ok(erased.includes('/input/parsed_query/access_token'));
    assert.ok(erased.includes('/input/attributes/request/http/path?access_token'));
    assert.equal(input.attributes.request.http.path, path, 'the original is untouched');
    const up: Record<string, unknown> = { input: { attributes: { request: { http: { path: '/p?key=k1&x=1' } } }, parsed_query: { key: ['k1'] } } };
    applyMasks(up, [maskRule({ op: 'upsert', path: '/input/parsed_query/key', value: '****' })]);
    assert.equal((up.input as any).attributes.request.http.path, '/p?key=****&x=1'.replace('****', encodeURIComponent('****')));
    const none: Record<string, unknown> = { input: { attributes: { request: { http: { path: '/p?access_token' } } } } };
    applyMasks(none, DEFAULT_MASKS.map((m) => maskRule(m)));
    assert.equal((none.input as any).attributes.request.http.path, '/p', 'a bare name is erased too');
  });

  it('a parsed_query mask also masks the parameter in the query attribute (a CheckRequest that carries the query there)', () => {
    const input = { attributes: { request: { http: { path: '/api/x', query: 'a=1&access_token=SECRET1&b=2', headers: {} } } }, parsed_query: { access_token: ['SECRET1'], a: ['1'], b: ['2'] } };
    const e: Record<string, unknown> = { input };
    const { erased } = applyMasks(e, DEFAULT_MASKS.map((m) => maskRule(m)));
    assert.ok(!JSON.stringify(e).includes('SECRET'), JSON.stringify(e));
    assert.equal((e.input as any).attributes.request.http.query, 'a=1&b=2');
    assert.equal((e.input as any).attributes.request.http.path, '/api/x');
    assert.ok(erased.includes('/input/attributes/request/http/query?access_token'), JSON.stringify(erased));
    assert.equal(input.attributes.request.http.query, 'a=1&access_token=SECRET1&b=2', 'the original is untouched');
  });

  it('a parsed_query mask also masks the parameter in the :path pseudo-header Envoy sends among the headers', () => {
    const path = '/api/x?access_token=SECRET1&a=1';
    const input = { attributes: { request: { http: { path, headers: { ':path': path, ':method': 'GET' } } } }, parsed_query: { access_token: ['SECRET1'], a: ['1'] } };
    const e: Record<string, unknown> = { input };
    applyMasks(e, DEFAULT_MASKS.map((m) => maskRule(m)));
    assert.ok(!JSON.stringify(e).includes('SECRET'), JSON.stringify(e));
    assert.deepEqual((e.input as any).attributes.request.http.headers, { ':path': '/api/x?a=1', ':method': 'GET' });
    assert.equal(input.attributes.request.http.headers[':path'], path, 'the original is untouched');
  });

  it('refuses pointers outside /input and /result', () => {
    assert.throws(() => maskRule('/labels/id'));
    assert.throws(() => maskRule('input/x'));
  });
});

describe('the decision logger', () => {
  const opts = (sink: DecisionSink, over: Partial<ConstructorParameters<typeof DecisionLogger>[1]> = {}) =>
    ({ sinks: [sink], masks: DEFAULT_MASKS.map((m) => maskRule(m)), labels: { app: 'portcullis', id: 'test' }, maxBatch: 2, maxDelayMs: 60_000, bufferMax: 3, ...over });

  it('writes batches in OPA\'s event format with labels, masks applied', async () => {
    const sink = new MemorySink();
    const dl = new DecisionLogger('k', opts(sink, { bufferMax: 10 }), silent).retain();
    dl.log(event('d1'));
    dl.log(event('d2'));
    dl.log(event('d3'));
    await dl.flush();
    assert.equal(sink.lines.length, 3);
    const e = JSON.parse(sink.lines[0]!);
    assert.equal(e.decision_id, 'd1');
    assert.deepEqual(e.labels, { app: 'portcullis', id: 'test' });
    assert.equal(e.input.attributes.request.http.headers.authorization, undefined);
    assert.equal(e.input.attributes.request.http.headers['x-ok'], '1');
    assert.deepEqual(e.erased, ['/input/attributes/request/http/headers/authorization']);
    await dl.release();
  });

  it('a full buffer drops new events and counts them; it never blocks the caller', async () => {
    const sink = new MemorySink();
    const dl = new DecisionLogger('k2', opts(sink, { maxBatch: 1000 }), silent).retain();
    const before = await metricValue('portcullis_policy_decision_log_dropped_total', { reason: 'buffer_full' });
    for (let i = 0; i < 5; i++) dl.log(event(`e${i}`));
    assert.equal(await metricValue('portcullis_policy_decision_log_dropped_total', { reason: 'buffer_full' }), before + 2);
    await dl.flush();
    assert.deepEqual(sink.lines.map((l) => JSON.parse(l).decision_id), ['e0', 'e1', 'e2']);
    await dl.release();
  });

  it('a failing sink drops the batch (counted) and later batches still go out', async () => {
    const sink = new MemorySink();
    const dl = new DecisionLogger('k3', opts(sink, { bufferMax: 10 }), silent).retain();
    const before = await metricValue('portcullis_policy_decision_log_flush_failures_total', { sink: 'memory' });
    sink.fail = true;
    dl.log(event('lost'));
    await dl.flush();
    sink.fail = false;
    dl.log(event('kept'));
    await dl.flush();
    assert.equal(await metricValue('portcullis_policy_decision_log_flush_failures_total', { sink: 'memory' }), before + 1);
    assert.deepEqual(sink.lines.map((l) => JSON.parse(l).decision_id), ['kept']);
    await dl.release();
  });

  it('the HTTP sink does not follow a redirect: decision inputs and the token go to the configured URL only', async () => {
    let elsewhere = 0;
    const other = createServer((_req, res) => { elsewhere++; res.writeHead(200).end(); });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const srv = createServer((_req, res) => { res.writeHead(308, { location: `http://127.0.0.1:${(other.address() as AddressInfo).port}/logs` }).end(); });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const sink = new HttpSink({ url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/logs`, headers: { authorization: 'Bearer L' }, timeoutMs: 2000 });
      await assert.rejects(sink.write(['{"decision_id":"a"}']), /HTTP 308/);
      assert.equal(elsewhere, 0);
    } finally {
      await new Promise((r) => srv.close(r));
      await new Promise((r) => other.close(r));
    }
  });

  it('the HTTP sink POSTs a gzip-compressed JSON array (OPA decision-log service protocol)', async () => {
    const got: Array<{ enc?: string; auth?: string; events: any[] }> = [];
    const srv = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        got.push({ enc: req.headers['content-encoding'], auth: req.headers.authorization, events: JSON.parse(gunzipSync(Buffer.concat(chunks)).toString()) });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const sink = new HttpSink({ url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/logs`, headers: { authorization: 'Bearer L' }, timeoutMs: 2000 });
      await sink.write(['{"decision_id":"a"}', '{"decision_id":"b"}']);
      assert.equal(got[0]!.enc, 'gzip');
      assert.equal(got[0]!.auth, 'Bearer L');
      assert.deepEqual(got[0]!.events.map((e) => e.decision_id), ['a', 'b']);
    } finally {
      await new Promise((r) => srv.close(r));
    }
  });
});
