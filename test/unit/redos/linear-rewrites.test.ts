/**
 * Code that replaced regular expressions recheck found super-linear outside src/threat: config `${VAR}`
 * substitution, multipart part names for policy input, trailing-slash stripping. Each must do exactly what
 * the expression did; the old expressions are kept here and compared on targeted and generated values.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stripSlashes, stripTrailingSlashes } from '../../../src/common/strip-slashes.js';
import { substituteEnv } from '../../../src/config/env.js';
import { agree } from './differential.js';

const OLD_ENV = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const ENV = { A: 'va', B_1: '', C: '${A}' };

function oldSubstitute(value: string): { out: string; missing: string[] } {
  const missing: string[] = [];
  const out = value.replace(OLD_ENV, (m, name: string | undefined, def: string | undefined) => {
    if (m === '$${') return '${';
    const v = (ENV as Record<string, string | undefined>)[name!];
    if (v !== undefined) return v;
    if (def !== undefined) return def;
    missing.push(name!);
    return '';
  });
  return { out, missing };
}
function newSubstitute(value: string): { out: string; missing: string[] } {
  const missing: Array<{ path: string; name: string }> = [];
  const out = substituteEnv(value, ENV, '/x', missing) as string;
  return { out, missing: missing.map((m) => m.name) };
}

/** undefined when nothing was substituted, so the generated values count as matching only when something was. */
const changed = (f: (v: string) => { out: string; missing: string[] }) => (v: string) => { const r = f(v); return r.out === v && r.missing.length === 0 ? undefined : r; };

describe('config ${VAR} substitution', () => {
  it('agrees with the expression on targeted values', () => {
    for (const v of ['${A}', 'x${A}y${B_1}z', '$${A}', '$$${A}', '${A:-d}', '${Z:-d}', '${Z}', '${Z:-}', '${Z:-${A}}', '${A:-x', '${1}', '${', '${A', '${A:-a}${Z:-b', '$${Z:-', 'ab', '${C}'])
      assert.deepEqual(newSubstitute(v), oldSubstitute(v), v);
  });
  it('agrees with the expression on generated values', () => {
    agree('env', ['x', '$', '{', 'A', ':-', 'd', '}', ' ', '$', '{', 'Z', '}'], ['$', '$$', '{', '}', ':', '-', ':-', 'A', 'B_1', 'Z', '9', '_', 'x'],
      changed(oldSubstitute), changed(newSubstitute), 60);
  });
  it('an unclosed default is left as it is, however many there are', () => {
    const v = '${A:-'.repeat(20000);
    assert.deepEqual(newSubstitute(v), { out: v, missing: [] });
    assert.deepEqual(newSubstitute(`${v}}`), { out: 'va', missing: [] }); // the first ${A:- takes everything up to the }
  });
});

describe('trailing slashes', () => {
  it('removes what /\\/+$/ removes', () => {
    for (const s of ['', '/', '///', 'a', 'a/', 'a//', '/a/b/', 'https://x/', 'a/b', '/'.repeat(100000) + 'x'])
      assert.equal(stripTrailingSlashes(s), s.replace(/\/+$/, ''), s.slice(0, 20));
  });
  it('removes what /^\/+|\/+$/g removes', () => {
    for (const s of ['', '/', '///', 'a', '/a', '//a/', 'a/b', '/a/b//', '\0/\0', '/'.repeat(1000) + 'x' + '/'.repeat(1000)])
      assert.equal(stripSlashes(s), s.replace(/^\/+|\/+$/g, ''), s.slice(0, 20));
  });
});
