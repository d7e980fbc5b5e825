/**
 * What README.md points at exists: its `#anchor` links name a heading (GitHub's slugs), the repository paths
 * it names in code spans exist, and every `npm run X` / `npm X` it shows is a script in package.json.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { REPO } from './readme-blocks.js';

const md = readFileSync(resolve(REPO, 'README.md'), 'utf8');
/** The README without fenced blocks (headings and links inside them are not the document's). */
const prose = md.replace(/^```[^\n]*\n[\s\S]*?^```\s*$/gm, '');

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to '-', repeats get -1, -2 … */
export function headingSlugs(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of text.matchAll(/^#{1,6}[ \t]+(.+?)[ \t]*#*$/gm)) {
    const base = m[1].toLowerCase().replace(/<[^>]*>/g, '').replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '').replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

describe('README links and names', () => {
  it('headingSlugs follows GitHub', () => {
    assert.deepEqual([...headingSlugs('# Quick start\n## SAML sessions (browser sign-in)\n### Try it\n### Try it\n')],
      ['quick-start', 'saml-sessions-browser-sign-in', 'try-it', 'try-it-1']);
  });

  it('every #anchor link names a heading', () => {
    const slugs = headingSlugs(prose);
    const links = [...prose.replace(/`[^`\n]*`/g, '').matchAll(/\]\(#([^)\s]+)\)/g)].map((m) => m[1]);
    assert.ok(links.length > 5, 'the README has anchor links');
    assert.deepEqual(links.filter((a) => !slugs.has(a)), []);
  });

  it('every repository path in a code span exists', () => {
    const paths = [...md.matchAll(/`((?:src|test|scripts|envoy|policies|bench|proto|\.ci)\/[\w./-]*)`/g)].map((m) => m[1])
      .filter((p) => !/^envoy\/(certs|demo)\//.test(p)) // made by scripts/demo.sh (gen-certs.sh, demo-credentials.ts)
      .filter((p) => !/^envoy\/authz\/\w+$/.test(p)); // OPA-Envoy's entrypoint (a Rego path), not a file
    assert.ok(paths.length > 20, 'the README names repository files');
    assert.deepEqual([...new Set(paths)].filter((p) => !existsSync(resolve(REPO, p))), []);
  });

  it('every npm script it shows exists', () => {
    const scripts = Object.keys(JSON.parse(readFileSync(resolve(REPO, 'package.json'), 'utf8')).scripts);
    const named = [...md.matchAll(/npm (?:run ([\w:-]+)|(start|test)\b)/g)].map((m) => m[1] ?? m[2]);
    const benches = [...md.matchAll(/`(bench:[\w-]+)`/g)].map((m) => m[1]);
    assert.ok(named.length > 5);
    assert.deepEqual([...new Set([...named, ...benches])].filter((s) => !scripts.includes(s)), []);
  });
});
