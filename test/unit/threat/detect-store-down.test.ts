import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../../src/config/loader.js';
import { check } from '../../../src/pipeline/check.js';
import { buildRuntime } from '../../../src/pipeline/runtime.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { StoreUnavailableError } from '../../../src/store/types.js';
import { checkRequest, silent } from '../helpers.js';

const UA = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', accept: '*/*', 'accept-language': 'en', 'accept-encoding': 'gzip' };
const broken = () => { const s = new MemoryStore(); s.get = async () => { throw new StoreUnavailableError('redis: command timed out'); }; return s; };

describe('detect mode when the store cannot say whether a client is banned', () => {
  it('allows the request (detect mode never acts), globally and per route, even with on_store_error: deny', async () => {
    const global = await buildRuntime(parseConfig('threat: { mode: detect, ban: { on_store_error: deny }, events: { log: false } }\nroutes: [ { name: api } ]\n', 't.yaml', {}), broken(), silent);
    const r1 = await check(global, checkRequest({ path: '/x', headers: UA, source: '198.51.100.80' }), silent);
    assert.ok(r1.ok_response, `global detect mode refused: ${r1.denied_response?.body}`);

    const route = await buildRuntime(parseConfig('threat: { events: { log: false } }\nroutes: [ { name: api, threat: { mode: detect } } ]\n', 't.yaml', {}), broken(), silent);
    const r2 = await check(route, checkRequest({ path: '/x', headers: UA, source: '198.51.100.81' }), silent);
    assert.ok(r2.ok_response, `route detect mode refused: ${r2.denied_response?.body}`);
  });
});
