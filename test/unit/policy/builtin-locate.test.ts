import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { undefinedFunctions } from '../../../src/policy/cli/builtin-locate.js';
import { agree } from '../redos/differential.js';

// the expression the line reader replaced (recheck: quadratic on a long run of non-blanks)
const OLD = /(\S+\.rego:\d+): rego_type_error: undefined function ([\w.]+)/g;
const old = (s: string) => [...s.matchAll(OLD)].map((m) => [m[1], m[2]]);

describe('opa check output: undefined functions', () => {
  it('finds each file:line and builtin, as the expression did', () => {
    const cases = [
      '1 error occurred: policies/x.rego:12: rego_type_error: undefined function http.send',
      'a.rego:3: rego_type_error: undefined function net.lookup_ip_addr\nb/c.rego:44: rego_type_error: undefined function http.send',
      'x.rego: rego_type_error: undefined function f', ' .rego:1: rego_type_error: undefined function f', '\ta.rego:1: rego_type_error: undefined function ',
      'a.rego:1: rego_type_error: undefined function f(x)', 'a.rego:1x: rego_type_error: undefined function f',
    ];
    for (const c of cases) assert.deepEqual(undefinedFunctions(c), old(c), c);
    assert.deepEqual(undefinedFunctions(cases[1]!), [['a.rego:3', 'net.lookup_ip_addr'], ['b/c.rego:44', 'http.send']]);
  });
  it('agrees on generated output', () => {
    agree('undefined function', ['p/a', '.rego', ':', '12', ': rego_type_error: undefined function ', 'http.send', '\n'],
      ['p/a', '.rego', ':', '1', ' ', '\t', '\n', ': rego_type_error: undefined function ', 'x.y', '(', 'é'], (s) => (old(s).length ? JSON.stringify(old(s)) : undefined), (s) => (undefinedFunctions(s).length ? JSON.stringify(undefinedFunctions(s)) : undefined));
  });
});
