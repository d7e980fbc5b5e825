import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileRegex } from '../../../src/pipeline/matchers.js';

/**
 * re2-wasm runs in a fixed 16 MiB WebAssembly heap and never frees a compiled pattern. Every config load
 * compiles the route and header regexes again: with a pattern compiled anew each time, a few thousand
 * loads filled the heap, after which reloads failed ("invalid regex … OOM") and the live matchers threw on
 * any value of a few hundred bytes (the input is copied into that heap), i.e. on ordinary requests.
 */
describe('config regexes: reloads do not fill the RE2 heap', () => {
  it('compiling the same patterns 20 000 times (config reloads) leaves matching of long values working', () => {
    const live = compileRegex('/api/v[0-9]+/.*', '/routes/0/match/path/regex');
    for (let i = 0; i < 20_000; i++) {
      compileRegex('(?i)/(admin|internal|debug)/.*', '/routes/1/match/path/regex');
      assert.throws(() => compileRegex('/(?=x)', '/routes/2/match/path/regex'), /invalid regex/);
    }
    assert.equal(live.test(`/api/v1/${'a'.repeat(20_000)}`), true);
    assert.equal(compileRegex('(?i)/(admin|internal|debug)/.*', '/p').test(`/ADMIN/${'x'.repeat(20_000)}`), true);
    assert.equal(compileRegex('/b[0-9]', '/p').test('/b1'), true, 'a new pattern still compiles');
  });

  it('an invalid pattern reports the pointer of each entry that uses it', () => {
    assert.throws(() => compileRegex('(a)\\1', '/routes/3/match/path/regex'), (e: any) => e.path === '/routes/3/match/path/regex' && /invalid regex/.test(e.message));
    assert.throws(() => compileRegex('(a)\\1', '/routes/4/match/headers/0/regex'), (e: any) => e.path === '/routes/4/match/headers/0/regex');
  });
});
