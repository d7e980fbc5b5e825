import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { loadBundleArchive } from '../../../src/policy/bundle/load.js';
import { sdkBuiltinsModule } from '../../../src/policy/wasm/builtins.js';
import { PolicyTimeoutError, WasmEngine } from '../../../src/policy/wasm/engine.js';
import { cachedProgramSize, REGEX_CACHE_MAX_PROGRAM, regexSplit } from '../../../src/policy/wasm/regex-split.js';
import { opa, opaBuild } from './helpers.js';

// regex.split through a real opa-built Wasm policy: the pattern and the value come from the input, so the
// builtin is called at evaluation time (OPA's Wasm target imports it from the SDK).
const POLICY = `package t
import rego.v1
parts := regex.split(input.pattern, input.value)
`;

type Case = readonly [pattern: string, value: string, want: readonly string[] | undefined];

/**
 * Go's regexp.(*Regexp).Split(s, -1), which OPA's regex.split is. Expected values: Go's own TestSplit
 * table (src/regexp/all_test.go, the n = -1 rows), OPA's test cases (v1/test/cases/testdata/v1/regexsplit)
 * and RE2 syntax from Go's regexp/syntax documentation. Every row is also checked against `opa eval` below.
 */
const CASES: readonly Case[] = [
  // Go TestSplit
  ['a*', 'baaac', ['b', 'c']],
  [':', 'foo:and:bar', ['foo', 'and', 'bar']],
  ['foo', 'foo:and:bar', ['', ':and:bar']],
  ['bar', 'foo:and:bar', ['foo:and:', '']],
  ['baz', 'foo:and:bar', ['foo:and:bar']],
  ['a', 'baabaab', ['b', '', 'b', '', 'b']],
  ['a*', 'baabaab', ['b', 'b', 'b']],
  ['ba*', 'baabaab', ['', '', '', '']],
  ['f*b*', 'foobar', ['', 'o', 'o', 'a', 'r']],
  ['f+.*b+', 'foobar', ['', 'ar']],
  ['o{2}', 'foobooboar', ['f', 'b', 'boar']],
  [',', ',', ['', '']],
  [',', ',,,', ['', '', '', '']],
  [',', '', ['']],
  ['.*', '', ['']],
  ['.+', '', ['']],
  ['', '', []],
  ['', 'foobar', ['f', 'o', 'o', 'b', 'a', 'r']],
  [':', ':x:y:z:', ['', 'x', 'y', 'z', '']],
  // an empty match right after a match is skipped (b* at the end of "ab")
  ['b*', 'ab', ['a', '']],
  // OPA's regexsplit cases
  ['^[a-z]+\\[[0-9]+\\]$', '', ['']],
  ['^[a-z]+', 'foobar baz', ['', ' baz']],
  ['[a-z]+$', 'foobar baz', ['foobar ', '']],
  ['^[a-z]+$', 'foobar baz', ['foobar baz']],
  ['^[a-z ]+$', 'foobar baz', ['', '']],
  ['a', 'banana', ['b', 'n', 'n', '']],
  ['z+', 'pizza', ['pi', 'a']],
  // RE2 syntax that JavaScript's RegExp rejects or reads differently
  ['(?i)x', 'aXbxc', ['a', 'b', 'c']],
  ['(?i)k', 'aKb\u212Ac', ['a', 'b', 'c']], // Kelvin sign folds to k in RE2
  ['(?s)x.y', '1x\ny2', ['1', '2']],
  ['(?U)a+', 'aaa', ['', '', '', '']],
  ['\\pL+', '1ab2\u00e93', ['1', '2', '3']],
  ['\\PL', 'a1b', ['a', 'b']],
  ['\\p{Greek}', 'a\u03b1b', ['a', 'b']],
  ['a\\z', 'aa', ['a', '']],
  ['\\Aa', 'aa', ['', 'a']],
  ['[[:digit:]]', 'a1b', ['a', 'b']],
  ['\\Qa.b\\E', 'xa.bya+b', ['x', 'ya+b']],
  ['\\s', 'a\u00a0b c\vd', ['a\u00a0b', 'c\vd']], // RE2 \s is [\t\n\f\r ]
  // astral characters: one rune in Go (4 UTF-8 bytes), a surrogate pair in JavaScript
  ['', 'a\u{1F600}b', ['a', '\u{1F600}', 'b']],
  ['[^a]', 'a\u{1F600}a', ['a', 'a']],
  ['.', '\u{1F600}', ['', '']],
  ['x*', '\u{1F600}\u{1F600}', ['\u{1F600}', '\u{1F600}']],
  ['\u{1F600}', 'x\u{1F600}y\u{1F600}', ['x', 'y', '']],
  ['\\p{So}', 'a\u{1F600}b\u{1F4A9}', ['a', 'b', '']],
  // invalid in RE2 (OPA: a builtin error, so the expression is undefined)
  ['[', 'abc', undefined],
  ['(?=a)', 'abc', undefined],
  ['(a)\\1', 'aa', undefined],
  ['a{1001}', 'a', undefined],
];

describe('regex.split follows Go regexp / OPA (RE2)', () => {
  let engine: WasmEngine;
  before(async () => {
    const lb = await loadBundleArchive(opaBuild({ files: { 't/p.rego': POLICY }, entrypoints: ['t/parts'] }));
    assert.ok(lb.compiled.requiredBuiltins.includes('regex.split'), 'the Wasm imports regex.split from the SDK');
    engine = await WasmEngine.create(lb.compiled, {});
  });
  const split = (pattern: string, value: string, timeoutMs?: number) => engine.evaluate('t/parts', { pattern, value }, undefined, timeoutMs);

  for (const [pattern, value, want] of CASES) {
    it(`regex.split(${JSON.stringify(pattern)}, ${JSON.stringify(value)}) = ${JSON.stringify(want)}`, () => {
      assert.deepEqual(split(pattern, value), want);
    });
  }

  it('the table is what OPA itself answers (opa eval, topdown)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-regex-'));
    try {
      writeFileSync(join(dir, 'p.rego'), `package t
import rego.v1
parts := {i: regex.split(c[0], c[1]) | some i, c in input.cases}
`);
      writeFileSync(join(dir, 'input.json'), JSON.stringify({ cases: CASES.map(([p, v]) => [p, v]) }));
      const out = JSON.parse(execFileSync(opa(), ['eval', '-f', 'json', '-d', join(dir, 'p.rego'), '-i', join(dir, 'input.json'), 'data.t.parts'], { encoding: 'utf8' }));
      const got = out.result[0].expressions[0].value as Record<string, string[]>;
      CASES.forEach(([pattern, value, want], i) => assert.deepEqual(got[String(i)], want, `opa eval: regex.split(${JSON.stringify(pattern)}, ${JSON.stringify(value)})`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a pattern that backtracks catastrophically in JavaScript finishes (RE2 is linear) with the right pieces', () => {
    const value = `${'a'.repeat(50_000)}b,x`;
    assert.deepEqual(split('(a+)+$|,', value), [`${'a'.repeat(50_000)}b`, 'x']);
    assert.deepEqual(split('(a|aa)+$', `${'a'.repeat(50_000)}!`), [`${'a'.repeat(50_000)}!`]);
    // the same compiled pattern again (from the cache) gives the same answer
    assert.deepEqual(split('(a+)+$|,', value), [`${'a'.repeat(50_000)}b`, 'x']);
  });
});

describe('the replacement of opa-wasm\'s regex.split', () => {
  it('opa-wasm still defines regex.split in src/builtins/regex.js, and the module opa.js dispatches from holds ours', () => {
    // if an opa-wasm upgrade moves its builtins, this fails (and so do the RE2 rows above)
    const require = createRequire(import.meta.url);
    const sdkDir = dirname(require.resolve('@open-policy-agent/opa-wasm'));
    const original = (require(join(sdkDir, 'builtins', 'regex.js')) as Record<string, unknown>)['regex.split'];
    assert.equal(typeof original, 'function');
    const dispatched = sdkBuiltinsModule()['regex.split'];
    assert.equal(typeof dispatched, 'function');
    assert.notEqual(dispatched, original);
    const split = dispatched as (p: unknown, s: unknown) => unknown;
    assert.deepEqual(split('(?i)x', 'aXb'), ['a', 'b']);
    assert.equal(split('[', 'abc'), undefined, 'an invalid pattern is undefined, as in OPA');
    assert.equal(split(1, 'abc'), undefined, 'a non-string operand is undefined, as in OPA');
  });
});

describe('regex.split and the evaluation deadline', () => {
  let engine: WasmEngine;
  before(async () => {
    const lb = await loadBundleArchive(opaBuild({ files: { 't/p.rego': POLICY }, entrypoints: ['t/parts'] }));
    engine = await WasmEngine.create(lb.compiled, {});
  });

  it('the builtin itself stops at the deadline (not a builtin error: the evaluation fails with the timeout)', () => {
    // A deadline already passed (0 ms): the Wasm runs far fewer loop iterations than one clock look before
    // it calls regex.split, so only the builtin's own check can stop this evaluation.
    assert.throws(() => engine.evaluate('t/parts', { pattern: ',', value: 'a,b' }, undefined, 0), PolicyTimeoutError);
    assert.deepEqual(engine.evaluate('t/parts', { pattern: ',', value: 'a,b' }, undefined, 1000), ['a', 'b']);
    assert.deepEqual(engine.evaluate('t/parts', { pattern: ',', value: 'a,b' }), ['a', 'b'], 'no deadline: nothing to check');
  });

  it('many matches that each scan to the end of a long value (quadratic, in Go too) stop at eval_timeout_ms', { timeout: 300_000 }, () => {
    // `a+b|a` on "aaa…": every match of `a` must first rule out `a+b` to the end of the value. 30 000 of
    // them take ~20 s of RE2 (and of Go); the evaluation is stopped at its deadline instead.
    assert.throws(() => engine.evaluate('t/parts', { pattern: 'a+b|a', value: 'a'.repeat(30_000) }, undefined, 5), (err: unknown) => {
      assert.ok(err instanceof PolicyTimeoutError, String(err));
      assert.doesNotMatch((err as Error).message, /a\+b|aaaa/, 'neither the pattern nor the value in the message');
      return true;
    });
    // the engine is usable afterwards
    assert.deepEqual(engine.evaluate('t/parts', { pattern: 'a+b|a', value: 'aab,a' }, undefined, 60_000), ['', ',', '']);
  });
});

describe('the compiled-pattern cache of regex.split', () => {
  it('holds a bounded compiled program, not only bounded pattern text: short patterns with big programs (a{1000}…) are not all kept', () => {
    // 'a{1000}' × 20 is 140 characters and about 20 000 instructions (RE2 expands counted repetition);
    // RE2's own limit accepts 1.4 M instructions per pattern (measured: 75 MB and 2 s to compile 1 M)
    for (let i = 0; i < 100; i++) {
      const pattern = `${'a{1000}'.repeat(20)}x${i}`;
      assert.deepEqual(regexSplit(pattern, 'bbb'), ['bbb']);
    }
    assert.ok(cachedProgramSize() <= REGEX_CACHE_MAX_PROGRAM, `${cachedProgramSize()} instructions cached`);
    // a pattern over the whole budget is still answered (compiled for the call, not kept)
    const huge = 'a{1000}'.repeat(400);
    assert.deepEqual(regexSplit(huge, 'bab'), ['bab']);
    assert.ok(cachedProgramSize() <= REGEX_CACHE_MAX_PROGRAM);
    assert.deepEqual(regexSplit('b', 'abc'), ['a', 'c']);
  });
});
