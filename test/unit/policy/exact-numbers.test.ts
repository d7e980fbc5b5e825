import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ModuleInstance } from '../../../src/modules/module.js';
import { Deny } from '../../../src/pipeline/deny.js';
import type { Stage } from '../../../src/pipeline/stage.js';
import { policyEvalCommand } from '../../../src/policy/cli/commands.js';
import { BodyParseError, MAY_LOSE_DIGITS, MAY_OVERFLOW, jsonHints, parseBody } from '../../../src/policy/input/body.js';
import { buildInput, wasmInput } from '../../../src/policy/input/build-input.js';
import { ExactNumbers, exactJson, recordExactNumbers } from '../../../src/policy/input/exact-numbers.js';
import { policyModule } from '../../../src/policy/module.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { silent } from '../helpers.js';
import { ctxFor, simpleBundle } from './helpers.js';

/** The JSON text the policy would read for `body` parsed as JSON. */
function policyText(body: string): string {
  const value = JSON.parse(body) as unknown;
  const holder = { parsed_body: value };
  const exact = new ExactNumbers();
  recordExactNumbers(body, value, exact, holder, 'parsed_body');
  return exactJson(holder, exact);
}

describe('numbers a double would round reach the policy as the body wrote them', () => {
  it('integers beyond 2^53 and long decimals, nested in objects and arrays; short numbers as JSON.stringify writes them', () => {
    assert.equal(policyText('{"id": 9007199254740993, "n": [1, 12345678901234567890, {"d": 0.10000000000000000001}], "x": 1e5, "y": 0.5}'),
      '{"parsed_body":{"id":9007199254740993,"n":[1,12345678901234567890,{"d":0.10000000000000000001}],"x":100000,"y":0.5}}');
    assert.equal(policyText('-9007199254740993'), '{"parsed_body":-9007199254740993}');
    assert.equal(policyText('[9007199254740993e-3]'), '{"parsed_body":[9007199254740993e-3]}');
  });

  it('leading zeros of a small decimal are not significant: 0.000000000000000001 is written as a double writes it', () => {
    assert.equal(policyText('{"a":0.000000000000000001}'), '{"parsed_body":{"a":1e-18}}');
  });

  it('a number a double cannot hold at all (below its range: JSON.parse reads 0) reaches the policy as the double, as a short one does', () => {
    // its own text would make the Wasm policy's arithmetic work on millions of digits (or fail its malloc)
    assert.equal(policyText('{"a": 1234567890123456789e-60000000, "b": -1234567890123456789e-400}'),
      '{"parsed_body":{"a":0,"b":0}}');
    assert.equal(policyText('{"a": 1234567890123456789e-300}'), '{"parsed_body":{"a":1234567890123456789e-300}}');
  });

  it('a member named twice keeps the last value, as JSON.parse (and OPA) read it', () => {
    assert.equal(policyText('{"a": 9007199254740993, "a": 7}'), '{"parsed_body":{"a":7}}');
    assert.equal(policyText('{"a": {"b": 9007199254740993}, "a": {"b": 2}}'), '{"parsed_body":{"a":{"b":2}}}');
    assert.equal(policyText('{"a": 1, "a": 9007199254740993}'), '{"parsed_body":{"a":9007199254740993}}');
    assert.equal(policyText('{"a": [9007199254740993], "a": "s"}'), '{"parsed_body":{"a":"s"}}');
  });

  it('member names with escapes are matched as decoded', () => {
    assert.equal(policyText('{"\\u0069d": 9007199254740993, "q\\"": 18014398509481985}'), '{"parsed_body":{"id":9007199254740993,"q\\"":18014398509481985}}');
  });

  it('a client string that looks like the placeholder is left alone', () => {
    const body = '{"s": "\\u0000abc:0", "n": 9007199254740993}';
    assert.equal(policyText(body), '{"parsed_body":{"s":"\\u0000abc:0","n":9007199254740993}}');
  });

  it('a number of more than 40 significant digits is refused (400): Wasm arithmetic on hundreds of digits fails or takes milliseconds', () => {
    const body = (n: string) => Buffer.from(`{"amount": ${n}}`);
    const digits40 = '1234567890'.repeat(4);
    assert.doesNotThrow(() => parseBody('application/json', body(digits40), false, { numbers: new ExactNumbers(), holder: {}, member: 'parsed_body' }));
    assert.doesNotThrow(() => parseBody('application/json', body(`0.000${digits40}e5`), false, { numbers: new ExactNumbers(), holder: {}, member: 'parsed_body' }));
    for (const n of [`${digits40}1`, `1.${digits40}`, `${digits40}0e-10`, `-${'9'.repeat(100)}.5`]) {
      assert.throws(() => parseBody('application/json', body(n), false, { numbers: new ExactNumbers(), holder: {}, member: 'parsed_body' }), BodyParseError, n);
    }
    // digits in a string are text, however many
    assert.doesNotThrow(() => parseBody('application/json', Buffer.from(`{"amount": "${'7'.repeat(500)}"}`), false, { numbers: new ExactNumbers(), holder: {}, member: 'parsed_body' }));
  });

  it('the pre-scan ignores strings: a card number or a version in a string raises no hint, the same digits as a number do', () => {
    assert.equal(jsonHints('{"card": "4111111111111111", "v": "release 1e999", "q": "a\\"4111111111111111"}'), 0);
    assert.equal(jsonHints('{"card": 4111111111111111}'), MAY_LOSE_DIGITS);
    assert.equal(jsonHints('{"x": 1e999}') & MAY_OVERFLOW, MAY_OVERFLOW);
    assert.equal(jsonHints(`{"x": "${'9'.repeat(300)}"}`), 0);
  });

  it('an input without such numbers is handed over as the object itself (no second serialisation)', () => {
    const plain = buildInput(ctxFor({ method: 'POST', path: '/t', headers: { 'content-type': 'application/json' }, body: '{"id": 42}' }), { parseBody: true });
    assert.equal(wasmInput(plain), plain);
    const big = buildInput(ctxFor({ method: 'POST', path: '/t', headers: { 'content-type': 'application/json' }, body: '{"id": 9007199254740993}' }), { parseBody: true });
    const text = new TextDecoder().decode(wasmInput(big) as ArrayBuffer);
    assert.match(text, /"parsed_body":\{"id":9007199254740993\}/);
    assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(big)));
    // 15 significant digits and fewer, split by a dot or not, are exact as doubles
    const short = buildInput(ctxFor({ method: 'POST', path: '/t', headers: { 'content-type': 'application/json' }, body: '{"a": 123456789012345, "b": 1234567.12345678}' }), { parseBody: true });
    assert.equal(wasmInput(short), short);
    const split = buildInput(ctxFor({ method: 'POST', path: '/t', headers: { 'content-type': 'application/json' }, body: '{"a": 1234567.123456789}' }), { parseBody: true });
    assert.match(new TextDecoder().decode(wasmInput(split) as ArrayBuffer), /"a":1234567\.123456789\}/);
  });
});

describe('the policy stage with a number a double would round', () => {
  let dir: string;
  let inst: ModuleInstance;
  const store = new MemoryStore();
  const stage = (): Stage => inst.stages({ entrypoint: 'exact/allow' }, { name: 'r', index: 0 })[0]!;
  const post = (body: string, type = 'application/json') => ctxFor({ method: 'POST', path: '/transfer', headers: { 'content-type': type }, body });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-exact-'));
    // the caller may only act on their own account, 9007199254740992
    writeFileSync(join(dir, 'b.tar.gz'), simpleBundle('exact', [
      'default allow := false',
      'allow if input.parsed_body.account == 9007199254740992',
      'allow if input.parsed_body.form[0].account == 9007199254740992',
      'allow if input.parsed_body.fee + 1 > 1',
    ].join('\n')));
    inst = await policyModule.create({ bundles: { b: { file: join(dir, 'b.tar.gz') } }, default_bundle: 'b' },
      { store, logger: silent, configPath: join(dir, 'c.yaml'), configDir: dir });
    await inst.start?.();
  });
  after(async () => { await inst?.close?.(); await store.close(); rmSync(dir, { recursive: true, force: true }); });

  it('the neighbouring account (9007199254740993, which a double reads as 9007199254740992) is denied', () => {
    assert.equal(stage().run(post('{"account": 9007199254740992}')), undefined);
    const d = stage().run(post('{"account": 9007199254740993}'));
    assert.ok(d instanceof Deny && d.code === 'ERR_POLICY_DENIED');
    assert.ok(stage().run(post('{"account": 9007199254740992.5}')) instanceof Deny);
  });

  it('a number below the range of a double is evaluated as 0, not as millions of digits the policy cannot add up', () => {
    // x + 1 on 1234567890123456789e-400000000 ran out of Wasm memory (ERR_POLICY); as 0 the policy decides
    const d = stage().run(post('{"account": 1, "fee": 1234567890123456789e-400000000}'));
    assert.ok(d instanceof Deny && d.code === 'ERR_POLICY_DENIED', d instanceof Deny ? d.code : 'allowed');
  });

  it('in a multipart part typed JSON too', () => {
    const mp = (n: string) => `--B\r\nContent-Disposition: form-data; name="form"\r\nContent-Type: application/json\r\n\r\n{"account": ${n}}\r\n--B--\r\n`;
    assert.equal(stage().run(post(mp('9007199254740992'), 'multipart/form-data; boundary=B')), undefined);
    assert.ok(stage().run(post(mp('9007199254740993'), 'multipart/form-data; boundary=B')) instanceof Deny);
  });
});

describe('portcullis policy eval', () => {
  it('reads the input file as opa eval does: a number beyond a double stays exact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-exact-cli-'));
    try {
      writeFileSync(join(dir, 'b.tar.gz'), simpleBundle('exact', 'default allow := false\n\nallow if input.account == 9007199254740992'));
      const evalOf = async (account: string): Promise<string> => {
        writeFileSync(join(dir, 'in.json'), `{"account": ${account}}`);
        let out = '';
        const o = process.stdout.write.bind(process.stdout);
        process.stdout.write = ((s: string) => { out += s; return true; }) as typeof process.stdout.write;
        try {
          assert.equal(await policyEvalCommand.run(['--bundle', join(dir, 'b.tar.gz'), '--entrypoint', 'exact/allow', '--input', join(dir, 'in.json')]), 0);
        } finally { process.stdout.write = o; }
        return /(true|false)$/.exec(out.trimEnd())?.[1] ?? out; // the test runner reports on stdout too
      };
      assert.equal(await evalOf('9007199254740992'), 'true');
      assert.equal(await evalOf('9007199254740993'), 'false');
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
});
