// Laying data documents over a bundle's data as JSON text (data/lay-json.ts): byte for byte what parsing
// everything, applyOverlays and JSON.stringify give, for every way overlays can meet.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { docOf } from '../../../src/policy/data/data-doc.js';
import { layJson, type JsonOverlay } from '../../../src/policy/data/lay-json.js';
import { applyOverlays } from '../../../src/policy/data/overlay.js';

const enc = (v: unknown): Uint8Array => Buffer.from(JSON.stringify(v));
/** An overlay as a worker-read document (canonical JSON text) or as a value. */
const J = (path: string[], v: unknown): JsonOverlay => ({ path, json: docOf(v, '', 'json').json });
const V = (path: string[], v: unknown): JsonOverlay => ({ path, value: v });

function expected(base: unknown, overlays: JsonOverlay[]): string {
  const values = overlays.map((o) => ({ path: o.path, value: o.json ? JSON.parse(Buffer.from(o.json).toString('utf8')) : o.value }));
  return JSON.stringify(applyOverlays(base as Record<string, unknown>, values));
}

describe('data documents laid over bundle data as JSON text', () => {
  const base = { a: { b: { keep: 1 }, s: 'x' }, n: 2, list: [1, { z: true }], '10': 'ten', 'ü': '☃' };
  const doc = { users: { '2': 'two', '1': { name: 'ünï 😀', '__proto__': { admin: true } } }, big: 1e21, neg: -0.5, esc: 'a"b\\c\n\u0001' };
  const cases: Array<[string, JsonOverlay[]]> = [
    ['none', []],
    ['an absent document', [{ path: ['a'] }]],
    ['one at a new path', [J(['x', 'y'], doc)]],
    ['one replacing a subtree', [J(['a', 'b'], doc)]],
    ['one below a non-object', [J(['n', 'deep'], doc)]],
    ['one at the root (merged key by key)', [J([], doc)]],
    ['a non-object at the root (ignored)', [J([], [1, 2])]],
    ['scalars and arrays', [J(['a', 's'], 'str'), J(['list'], [null, false, 0]), J(['t'], true), J(['nul'], null)]],
    ['two siblings', [J(['a', 'b'], doc), J(['a', 's'], { other: 1 })]],
    ['a later one below an earlier one', [J(['a'], doc), J(['a', 'users', '2'], 'replaced')]],
    ['a later one above an earlier one', [J(['a', 'b'], doc), J(['a'], { fresh: 1 })]],
    ['the same path twice', [J(['a', 'b'], doc), J(['a', 'b'], { second: 1 })]],
    ['values and texts mixed', [V(['v'], { fromValue: [1] }), J(['w'], doc), V(['w', 'users', 'x'], 1), J(['a'], 'after')]],
    ['integer-like and odd keys', [J(['10'], { '3': 1, '1': 2 }), J(['ü', '__proto__'], doc)]],
  ];
  for (const [what, overlays] of cases) {
    it(what, () => {
      const out = Buffer.from(layJson(enc(base), overlays)).toString('utf8');
      assert.equal(out, expected(base, overlays));
      assert.equal(Buffer.from(layJson(enc(base), overlays, false)).toString('utf8'), out, 'the same without splicing');
    });
  }
});

describe('a data source mounted at a path with a __proto__ segment', () => {
  // policy.data[].path is split on '/': "acl/__proto__" is a path like any other (Rego: data.acl["__proto__"])
  const base = { acl: { keep: 1 }, other: 'x' };
  const doc = { admin: ['alice'] };
  for (const path of [['__proto__'], ['acl', '__proto__'], ['acl', '__proto__', 'deep'], ['new', '__proto__']]) {
    it(`lands at ${path.join('/')} (as text and as a value)`, () => {
      for (const o of [J(path, doc), V(path, doc)]) {
        for (const splice of [true, false]) {
          const out = JSON.parse(Buffer.from(layJson(enc(base), [o], splice)).toString('utf8')) as Record<string, unknown>;
          let node: unknown = out;
          for (const seg of path) {
            assert.ok(Object.hasOwn(node as object, seg), `${seg} is an own key of ${JSON.stringify(node)}`);
            node = (node as Record<string, unknown>)[seg];
          }
          assert.deepEqual(node, doc);
          assert.equal((out.acl as Record<string, unknown>).keep, 1, 'the rest of the data is kept');
        }
      }
    });
  }

  it('applyOverlays never changes a prototype', () => {
    const out = applyOverlays({ a: {} }, [{ path: ['a', '__proto__'], value: { polluted: true } }]);
    assert.equal(Object.getPrototypeOf(out.a), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});
