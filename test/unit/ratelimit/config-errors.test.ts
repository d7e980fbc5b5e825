import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadDomainDir } from '../../../src/ratelimit/envoy-config/loader.js';
import { formatRlsProblem, type RlsProblem } from '../../../src/ratelimit/envoy-config/problems.js';
import { readDomainFile } from '../../../src/ratelimit/envoy-config/reader.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/ratelimit');

/** `# expect: <line|-> <path>: <message>` comments at the top of each fixture. */
function expectations(text: string): Array<{ line?: number; rest: string }> {
  const out: Array<{ line?: number; rest: string }> = [];
  for (const m of text.matchAll(/^# expect: (\S+) (.*)$/gm)) {
    out.push({ line: m[1] === '-' ? undefined : Number(m[1]), rest: m[2]!.replace(/^: /, '') });
  }
  return out;
}

function assertProblems(file: string, problems: RlsProblem[], expected: Array<{ line?: number; rest: string }>): void {
  assert.ok(expected.length > 0, `${file} has no "# expect:" line`);
  assert.ok(problems.length > 0, `${file}: expected problems, got none`);
  for (const e of expected) {
    const found = problems.find((p) => p.file === file && p.line === e.line && formatRlsProblem(p).includes(e.rest));
    assert.ok(found, `${file}: expected line ${e.line ?? '-'} "${e.rest}"; got:\n${problems.map(formatRlsProblem).join('\n')}`);
    // the formatted error names the file, the line and the key path
    assert.ok(formatRlsProblem(found).startsWith(e.line === undefined ? `${file}: ` : `${file}:${e.line}:`));
  }
}

describe('envoyproxy/ratelimit config errors: one fixture per error', () => {
  for (const name of readdirSync(join(FIXTURES, 'errors')).sort()) {
    it(name, () => {
      const file = `errors/${name}`;
      const text = readFileSync(join(FIXTURES, file), 'utf8');
      const r = readDomainFile(file, text, { strict: false, failureMode: 'closed' });
      assert.equal(r.config, undefined, 'an invalid file yields no config');
      assertProblems(file, r.problems, expectations(text));
    });
  }

  for (const name of readdirSync(join(FIXTURES, 'strict')).sort()) {
    it(`strict_envoy_format: ${name}`, () => {
      const file = `strict/${name}`;
      const text = readFileSync(join(FIXTURES, file), 'utf8');
      const strict = readDomainFile(file, text, { strict: true, failureMode: 'closed' });
      assertProblems(file, strict.problems, expectations(text));
      const lax = readDomainFile(file, text, { strict: false, failureMode: 'closed' });
      assert.deepEqual(lax.problems, [], 'the same file is valid without strict_envoy_format');
    });
  }

  it('duplicate domain across files names both files, and nothing is loaded', () => {
    const dir = join(FIXTURES, 'duplicate-domain');
    const r = loadDomainDir(dir, { strict: false, failureMode: 'closed' }, 'DIR');
    assert.equal(r.set, undefined);
    const text = readFileSync(join(dir, 'b.yaml'), 'utf8');
    assertProblems('DIR/b.yaml', r.problems, expectations(text));
  });

  it('a directory that does not exist is an error naming it', () => {
    const r = loadDomainDir(join(FIXTURES, 'no-such-dir'), { strict: false, failureMode: 'closed' }, 'no-such-dir');
    assert.equal(r.set, undefined);
    assert.match(formatRlsProblem(r.problems[0]!), /^no-such-dir: cannot read the directory: ENOENT/);
  });

  it('all problems of a file are reported, not just the first', () => {
    const text = 'domain: many\ndescriptors:\n  - key: a\n    rate_limit: { uint: second, requests_per_unit: x }\n  - value: b\n';
    const r = readDomainFile('many.yaml', text, { strict: false, failureMode: 'closed' });
    const lines = r.problems.map(formatRlsProblem);
    assert.ok(lines.some((l) => l.includes('descriptors[0].rate_limit.uint: unknown key "uint"')), lines.join('\n'));
    assert.ok(lines.some((l) => l.includes('descriptors[0].rate_limit.requests_per_unit: must be a whole number')), lines.join('\n'));
    assert.ok(lines.some((l) => l.includes('descriptors[1]: descriptor has empty key')), lines.join('\n'));
  });
});
