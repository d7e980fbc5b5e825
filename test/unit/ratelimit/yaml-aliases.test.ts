// YAML aliases expand: a list of descriptors that uses an earlier list twice, 40 times over, is a 4.5 KB file
// that reads as 2^40 descriptors ("billion laughs"). The reader walked every expansion (and searched the
// document for each alias): `ratelimit validate` never finished, and a config-directory reload blocked the
// process, Check and ShouldRateLimit included. yaml.v2 (envoyproxy/ratelimit) refuses such a document
// ("excessive aliasing"); so does the reader now, past a bound on descriptors read per file.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_DESCRIPTORS_PER_FILE, readDomainFile } from '../../../src/ratelimit/envoy-config/reader.js';
import { matchDescriptor } from '../../../src/ratelimit/envoy-config/domain.js';

const opts = { strict: false, failureMode: 'closed' as const };

/** Level i is a list of two descriptors (a, b) whose children are level i-1: 2^(levels+1) descriptors. */
function doubling(levels: number): string {
  let text = 'domain: d\ndescriptors:\n';
  text += '  - key: l0\n    descriptors: &l0\n      - key: leaf\n        rate_limit: { unit: second, requests_per_unit: 1 }\n';
  for (let i = 1; i <= levels; i++) text += `  - key: l${i}\n    descriptors: &l${i}\n      - { key: a, descriptors: *l${i - 1} }\n      - { key: b, descriptors: *l${i - 1} }\n`;
  return text;
}

// a backstop so that a regression fails instead of hanging the run; not a performance threshold
describe('YAML alias expansion is bounded', { timeout: 120_000 }, () => {
  it('a 4.5 KB file expanding to 2^40 descriptors is refused with a problem, not walked', () => {
    const text = doubling(40);
    assert.ok(text.length < 5000);
    const r = readDomainFile('bomb.yaml', text, opts);
    assert.equal(r.config, undefined);
    assert.equal(r.problems.length, 1, r.problems.map((p) => p.message).join('\n'));
    assert.match(r.problems[0]!.message, new RegExp(`more than ${MAX_DESCRIPTORS_PER_FILE} descriptors`));
  });

  it('files that use aliases within the bound still load, with every expansion matchable', () => {
    const r = readDomainFile('ok.yaml', doubling(8), opts);
    assert.deepEqual(r.problems, []);
    assert.equal(r.config!.limits, 2 ** 9 - 1);
    const deep = [{ key: 'l8', value: 'x' }, ...Array.from({ length: 8 }, (_, i) => ({ key: i % 2 ? 'a' : 'b', value: 'x' })), { key: 'leaf', value: 'x' }];
    assert.equal(matchDescriptor(r.config!, deep)?.rule?.requestsPerUnit, 1);
  });
});

// An alias inside the node its anchor names (`rate_limit: &a { <<: *a }`, `descriptors: &l [{ descriptors: *l }]`)
// made the reader recurse until the stack overflowed: a RangeError with no file or line, thrown out of
// `ratelimit validate` and out of the directory watcher (the reload was dropped without a config error or a
// count). yaml.v2 refuses it ("anchor 'a' value contains itself"); the reader reports it as a problem now.
describe('a YAML alias inside the node it names', () => {
  const cases: Record<string, string> = {
    'merge key': 'domain: d\ndescriptors:\n  - key: k\n    rate_limit: &a\n      unit: second\n      requests_per_unit: 1\n      <<: *a\n',
    'descriptor list': 'domain: d\ndescriptors: &l\n  - key: a\n    descriptors: *l\n',
    'descriptor': 'domain: d\ndescriptors:\n  - &n\n    key: a\n    descriptors:\n      - *n\n',
  };
  for (const [name, text] of Object.entries(cases)) {
    it(`${name}: one problem with its line, no exception`, () => {
      const r = readDomainFile('cycle.yaml', text, opts);
      assert.equal(r.config, undefined);
      assert.equal(r.problems.length, 1, r.problems.map((p) => p.message).join('\n'));
      assert.match(r.problems[0]!.message, /alias .* contains itself/);
      assert.ok(r.problems[0]!.line! > 1);
    });
  }
});
