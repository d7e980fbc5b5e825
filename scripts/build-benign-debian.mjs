// Builds test/fixtures/threat/benign-debian/benign.jsonl: an independent benign set for the detection benchmark,
// sampled (seeded, deterministic) from Debian's package metadata on this machine — prose nobody tuned the
// detectors on. See test/fixtures/threat/benign-debian/README.md.
//
// Usage: node scripts/build-benign-debian.mjs [OUT_FILE]
// Inputs (read only): /var/lib/apt/lists/*_Packages.lz4 (needs the lz4 tool), /var/lib/dpkg/status,
// /var/lib/apt/lists/*_dep11_Components-amd64.yml.gz. Prints the sha256 of every input so a README can record them.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { parseAllDocuments } from 'yaml';

const SEED = 'portcullis-benign-debian-v1';
const LISTS = '/var/lib/apt/lists';
const STATUS = '/var/lib/dpkg/status';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv[2] ?? resolve(root, 'test/fixtures/threat/benign-debian/benign.jsonl');

/** How many values of each kind (3000 in all). */
const QUOTA = {
  'short-description': 900, // Packages: the one-line synopsis
  'long-description': 500, // dpkg status: synopsis + long paragraphs, as pasted into a textarea
  'appstream-description': 400, // DEP-11 English description, HTML rendered to plain text
  'appstream-summary-l10n': 300, // DEP-11 summaries in other languages (non-ASCII prose)
  maintainer: 350, // "Name <e-mail>" (apostrophes, non-ASCII names)
  homepage: 300, // URLs
  tags: 150, // Debtags facet list, one line ("game::strategy, interface::x11")
  relation: 100, // one Depends/Recommends alternative group ("fonts-dejavu-core | ttf-dejavu-core (>= 2.3)")
};

const sha = (s) => createHash('sha256').update(s).digest('hex');
const inputs = [];
const note = (file, buf) => inputs.push(`${sha(buf)}  ${file}  (${buf.length} bytes)`);

/** Debian control paragraphs: fields with continuation lines (leading space). */
function paragraphs(text) {
  const out = [];
  for (const block of text.split(/\n\s*\n/)) {
    const f = {};
    let key;
    for (const line of block.split('\n')) {
      if (/^\s/.test(line) && key) f[key] += '\n' + line;
      else { const m = /^([A-Za-z0-9-]+):\s?(.*)$/.exec(line); if (m) { key = m[1]; f[key] = m[2]; } }
    }
    if (f.Package) out.push(f);
  }
  return out;
}

/** Debian long description → text: first line is the synopsis, " ." is an empty line, one leading space dropped. */
function debianDescription(v) {
  const [syn, ...rest] = v.split('\n');
  const body = rest.map((l) => (/^ \.\s*$/.test(l) ? '' : l.replace(/^ /, '')));
  return [syn.trim(), ...body].join('\n').replace(/\s+$/, '');
}

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
/** AppStream description markup (p, ul/ol/li, em, code) → the plain text a user would paste. */
function appstreamText(html) {
  return html
    .replace(/\s+/g, ' ')
    .replace(/<li>\s*/g, '\n- ').replace(/<\/p>\s*/g, '\n\n').replace(/<\/(ul|ol)>\s*/g, '\n\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e) => (e[0] === '#' ? String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1))) : ENTITIES[e.toLowerCase()] ?? m))
    .split('\n').map((l) => l.trim()).join('\n').replace(/\n{3,}/g, '\n\n').trim();
}

const pools = Object.fromEntries(Object.keys(QUOTA).map((k) => [k, new Map()])); // kind → value → package
const add = (kind, value, pkg) => { const v = value.trim(); if (v !== '' && !pools[kind].has(v)) pools[kind].set(v, pkg); };

// 1. Packages lists (all suites present): synopsis, maintainer, homepage, tags, relations.
for (const f of readdirSync(LISTS).filter((n) => n.endsWith('_Packages.lz4')).sort()) {
  const buf = readFileSync(resolve(LISTS, f));
  note(resolve(LISTS, f), buf);
  const text = execFileSync('lz4', ['-dc', resolve(LISTS, f)], { maxBuffer: 1 << 30 }).toString('utf8');
  for (const p of paragraphs(text)) {
    if (p.Description) add('short-description', p.Description.split('\n')[0], p.Package);
    if (p.Maintainer) add('maintainer', p.Maintainer, p.Package);
    if (p.Homepage) add('homepage', p.Homepage, p.Package);
    if (p.Tag) add('tags', p.Tag.replace(/\s*\n\s*/g, ' '), p.Package);
    for (const field of ['Depends', 'Recommends']) for (const g of (p[field] ?? '').replace(/\n/g, ' ').split(',')) if (g.includes('|') || g.includes('(')) add('relation', g, p.Package);
  }
}

// 2. dpkg status: the full long descriptions of the installed packages.
{
  const buf = readFileSync(STATUS);
  note(STATUS, buf);
  for (const p of paragraphs(buf.toString('utf8'))) if (p.Description?.includes('\n')) add('long-description', debianDescription(p.Description), p.Package);
}

// 3. AppStream (DEP-11): English descriptions and the summaries' translations.
for (const f of readdirSync(LISTS).filter((n) => /_dep11_Components-amd64\.yml\.gz$/.test(n)).sort()) {
  const buf = readFileSync(resolve(LISTS, f));
  note(resolve(LISTS, f), buf);
  for (const doc of parseAllDocuments(gunzipSync(buf).toString('utf8'))) {
    const c = doc.toJS();
    if (!c?.Package) continue;
    if (typeof c.Description?.C === 'string') add('appstream-description', appstreamText(c.Description.C), c.Package);
    for (const [lang, s] of Object.entries(c.Summary ?? {})) if (!lang.startsWith('C') && !lang.startsWith('en') && typeof s === 'string' && /[^\x00-\x7f]/.test(s)) add('appstream-summary-l10n', s, c.Package);
  }
}

// Seeded sample: within each kind, the values with the smallest sha256(SEED, kind, value); then the whole set
// ordered by sha256(SEED, value), so that the bench's parity split (dev = odd lines) mixes every kind.
const rows = [];
for (const [kind, n] of Object.entries(QUOTA)) {
  const pool = [...pools[kind]].map(([v, pkg]) => ({ h: sha(`${SEED}\0${kind}\0${v}`), v, pkg }));
  pool.sort((a, b) => (a.h < b.h ? -1 : a.h > b.h ? 1 : 0));
  if (pool.length < n) throw new Error(`${kind}: only ${pool.length} distinct values, want ${n}`);
  for (const x of pool.slice(0, n)) rows.push({ kind, package: x.pkg, payload: x.v });
  console.log(`${kind}: ${n} of ${pool.length} distinct values`);
}
const seen = new Set();
const unique = rows.filter((r) => (seen.has(r.payload) ? false : (seen.add(r.payload), true)));
unique.sort((a, b) => { const x = sha(`${SEED}\0${a.payload}`), y = sha(`${SEED}\0${b.payload}`); return x < y ? -1 : x > y ? 1 : 0; });
const body = unique.map((r) => JSON.stringify(r)).join('\n') + '\n';
writeFileSync(out, body);
console.log(`${unique.length} lines (${rows.length - unique.length} cross-kind duplicates dropped), ${Buffer.byteLength(body)} bytes → ${out}`);
console.log('inputs (sha256):');
for (const l of inputs) console.log(`  ${l}`);
