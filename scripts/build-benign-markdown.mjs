// Builds test/fixtures/threat/benign-markdown/benign.jsonl: benign #4 of the detection benchmark, markdown
// written by developers (READMEs, CHANGELOGs, docs) as an issue tracker, forum, CMS or docs API receives it in
// a JSON body — sampled (seeded, deterministic) from the *.md files on this machine. Nobody tuned the detectors
// on it. See test/fixtures/threat/benign-markdown/README.md.
//
// Usage: node scripts/build-benign-markdown.mjs [OUT_FILE]
// Inputs (read only): /root/go/pkg/mod (Go modules, not cache/), /usr/lib/node_modules, /usr/share/doc
// (*.md and *.md.gz), /usr/local/go. Files of a source whose licence cannot be determined, or is not on the
// free list below, are skipped. Prints the sources with their licence and file count so the README can
// record them.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const SEED = 'portcullis-benign-markdown-v1';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv[2] ?? resolve(root, 'test/fixtures/threat/benign-markdown/benign.jsonl');

/** How many values of each kind (3000 in all). */
const QUOTA = {
  paragraph: 960, // (a) a prose paragraph without code spans
  'list-table': 500, // (b) a list or a table block
  section: 100, // (c) a heading and its text up to the next heading of the same or a higher level, ≤ MAX_SECTION bytes
  code: 600, // (d) one fenced code block, fences and info string included
  'inline-code': 840, // (e) a paragraph with `code spans`
};
const MAX_SECTION = 4096; // bytes per section
const MAX = 1024; // bytes per value of the other kinds (the committed file stays under 1 MB)
const MIN = 24; // shorter blocks ("## API", "---") are not what anyone posts on their own
const PER_FILE = 5; // values from one file, all kinds together
const PER_FILE_KIND = 2;
const PER_SOURCE = 240; // values from one module / package (8 %): OPA alone has 561 files

const sha = (s) => createHash('sha256').update(s).digest('hex');

// ---- licences ---------------------------------------------------------------------------------------------
const FREE = /^(MIT|Expat|ISC|0BSD|BSD-[234]-Clause|BSD|Apache-2\.0|MPL-2\.0|Artistic-2\.0|BlueOak-1\.0\.0|CC0-1\.0|CC-BY-[34]\.0|Unlicense|Zlib|Python-2\.0|PSF-2\.0|GPL-[23](\.0)?\+?|LGPL-2(\.1)?\+?|LGPL-3(\.0)?\+?|public-domain)$/i;

/** A licence text → an SPDX-like name, or undefined. */
function classify(text) {
  const t = text.replace(/\s+/g, ' ');
  if (/Apache License,? Version 2\.0/i.test(t) || /Licensed under the Apache License/i.test(t)) return 'Apache-2.0';
  if (/Mozilla Public License,? (version|v\.?) ?2\.0/i.test(t)) return 'MPL-2.0';
  if (/Permission is hereby granted, free of charge/i.test(t)) return 'MIT';
  if (/Permission to use, copy, modify, and(\/or)? distribute this software for any purpose with or without fee/i.test(t)) return 'ISC';
  if (/Redistribution and use in source and binary forms/i.test(t)) return /Neither the name|names of (its|the) contributors/i.test(t) ? 'BSD-3-Clause' : 'BSD-2-Clause';
  if (/This is free and unencumbered software released into the public domain/i.test(t)) return 'Unlicense';
  if (/The Artistic License 2\.0/i.test(t)) return 'Artistic-2.0';
  if (/Blue Oak Model License/i.test(t)) return 'BlueOak-1.0.0';
  return undefined;
}

const licenceFiles = (dir) => { try { return readdirSync(dir).filter((n) => /^(licen[cs]e|copying)([.-].*)?$/i.test(n)).sort(); } catch { return []; } };

/** Nearest LICENSE file from dir up to (and including) top. */
function nearestLicenceFile(dir, top) {
  for (let d = dir; ; d = dirname(d)) {
    for (const n of licenceFiles(d)) { const l = classify(readFileSync(join(d, n), 'utf8').slice(0, 20000)); if (l) return l; }
    if (d === top || d === dirname(d)) return undefined;
  }
}

/** Debian machine-readable copyright: the licence of the `Files: *` stanza; else the text classified (only the
 * common permissive texts are recognised, so some free packages are skipped). */
function debianLicence(pkg) {
  const f = `/usr/share/doc/${pkg}/copyright`;
  if (!existsSync(f)) return undefined;
  const text = readFileSync(f, 'utf8');
  const m = /^Files:\s*\*\s*\n(?:[ \t].*\n|[A-Za-z-]+:.*\n)*?License:\s*([^\n]+)/m.exec(text);
  if (m) {
    return m[1].trim(); // checked against FREE by the caller
  }
  return classify(text.slice(0, 20000));
}

/** npm: the `license` field of the nearest package.json. */
function npmSource(file) {
  for (let d = dirname(file); d.startsWith('/usr/lib/node_modules/'); d = dirname(d)) {
    const p = join(d, 'package.json');
    if (!existsSync(p)) continue;
    try { const j = JSON.parse(readFileSync(p, 'utf8')); if (j.name) return { source: `npm:${j.name}@${j.version}`, licence: typeof j.license === 'string' ? j.license : undefined, base: d }; } catch { /* not JSON */ }
  }
  return undefined;
}

// ---- files ------------------------------------------------------------------------------------------------
function* walk(dir) {
  let entries;
  try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return; }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) { if (p !== '/root/go/pkg/mod/cache') yield* walk(p); } else if (e.isFile() && /\.md(\.gz)?$/i.test(e.name)) yield p;
  }
}

/** file → { source, licence, path } or undefined (skipped). */
function sourceOf(file) {
  if (file.startsWith('/root/go/pkg/mod/')) {
    const rel = file.slice('/root/go/pkg/mod/'.length);
    const m = /^(.*?@[^/]+)\//.exec(rel);
    if (!m) return undefined;
    const top = join('/root/go/pkg/mod', m[1]);
    // module paths on disk escape upper case as !x
    return { source: m[1].replace(/!([a-z])/g, (_, c) => c.toUpperCase()), licence: nearestLicenceFile(dirname(file), top), path: relative(top, file) };
  }
  if (file.startsWith('/usr/local/go/')) {
    const v = readFileSync('/usr/local/go/VERSION', 'utf8').split('\n')[0];
    // vendored packages carry their own licence: the nearest LICENSE decides; the source names the vendored path
    const vend = /^\/usr\/local\/go\/src\/cmd\/vendor\/(.+?)\/(?:[^/]+\.md)$/.exec(file);
    return { source: vend ? `${vend[1]} (vendored in ${v})` : v, licence: nearestLicenceFile(dirname(file), '/usr/local/go'), path: relative('/usr/local/go', file) };
  }
  if (file.startsWith('/usr/lib/node_modules/')) {
    const s = npmSource(file);
    return s && { source: s.source, licence: s.licence, path: relative(s.base, file) };
  }
  if (file.startsWith('/usr/share/doc/')) {
    const pkg = file.split('/')[4];
    return { source: `debian:${pkg}`, licence: debianLicence(pkg), path: relative(`/usr/share/doc/${pkg}`, file) };
  }
  return undefined;
}

// ---- markdown blocks --------------------------------------------------------------------------------------
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const HEADING = /^ {0,3}(#{1,6})(\s|$)/;
const LIST = /^ {0,3}([-*+]|\d{1,9}[.)])\s/;
const TABLE_SEP = /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)+\|?\s*$/;

/** Markdown text → blocks { type: heading|code|para|blank, level?, text }: fences kept whole, paragraphs by blank lines. */
function blocks(md) {
  const lines = md.replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  if (lines[0] === '---') { const end = lines.indexOf('---', 1); if (end > 0 && end < 60) i = end + 1; } // front matter
  const out = [];
  let para = [];
  const flush = () => { if (para.length) out.push({ type: 'para', text: para.join('\n') }); para = []; };
  for (; i < lines.length; i++) {
    const line = lines[i];
    const f = FENCE.exec(line);
    if (f) {
      flush();
      const marker = f[1];
      const body = [line];
      let j = i + 1;
      for (; j < lines.length; j++) { body.push(lines[j]); if (lines[j].trim().startsWith(marker[0].repeat(marker.length)) && lines[j].trim().replace(/[`~]/g, '') === '') break; }
      out.push({ type: j < lines.length ? 'code' : 'para', text: body.join('\n') });
      i = j;
      continue;
    }
    const h = HEADING.exec(line);
    if (h) { flush(); out.push({ type: 'heading', level: h[1].length, text: line }); continue; }
    if (line.trim() === '') { flush(); out.push({ type: 'blank', text: '' }); continue; }
    para.push(line);
  }
  flush();
  return out;
}

const isListOrTable = (t) => {
  const ls = t.split('\n');
  return LIST.test(ls[0]) || (ls.length >= 2 && ls[0].includes('|') && TABLE_SEP.test(ls[1]));
};
const isIndentedCode = (t) => t.split('\n').every((l) => /^( {4}|\t)/.test(l));
const hasCodeSpan = (t) => /`[^`\n]+`/.test(t);
const bytes = (s) => Buffer.byteLength(s);

/** One file's candidates: [kind, value]. Adjacent list items separated by blank lines form one list block. */
function candidates(md) {
  const bs = blocks(md);
  const out = [];
  for (let k = 0; k < bs.length; k++) {
    const b = bs[k];
    if (b.type === 'code') out.push(['code', b.text]);
    else if (b.type === 'para' && isListOrTable(b.text)) {
      // a loose list: items (and their indented continuations) split by blank lines
      let text = b.text, j = k + 1;
      while (j + 1 < bs.length && bs[j].type === 'blank' && bs[j + 1].type === 'para' && (LIST.test(bs[j + 1].text) || /^\s{2,}\S/.test(bs[j + 1].text)) && LIST.test(b.text)) { text += '\n\n' + bs[j + 1].text; j += 2; }
      out.push(['list-table', text]);
      k = j - 1;
    } else if (b.type === 'para' && !isIndentedCode(b.text) && !/^\s/.test(b.text)) out.push([hasCodeSpan(b.text) ? 'inline-code' : 'paragraph', b.text]);
    else if (b.type === 'heading') {
      // section: the heading, then every block up to the next heading of the same or a higher level, cut at MAX
      const parts = [b.text];
      let size = bytes(b.text);
      for (let j = k + 1; j < bs.length && !(bs[j].type === 'heading' && bs[j].level <= b.level); j++) {
        const add = bs[j].type === 'blank' ? '' : bs[j].text;
        if (size + bytes(add) + 1 > MAX_SECTION) break;
        parts.push(add);
        size += bytes(add) + 1;
      }
      const text = parts.join('\n').replace(/\n{3,}/g, '\n\n').trim();
      if (text.includes('\n')) out.push(['section', text]);
    }
  }
  return out.filter(([k, v]) => bytes(v) >= MIN && bytes(v) <= (k === 'section' ? MAX_SECTION : MAX));
}

// ---- collect ----------------------------------------------------------------------------------------------
const pools = Object.fromEntries(Object.keys(QUOTA).map((k) => [k, new Map()])); // kind → value → { source, path }
const sources = new Map(); // source → { licence, files }
const skipped = new Map(); // source → reason
let files = 0;
for (const top of ['/root/go/pkg/mod', '/usr/lib/node_modules', '/usr/share/doc', '/usr/local/go']) {
  for (const file of walk(top)) {
    const name = basename(file).replace(/\.gz$/, '');
    if (/^(licen[cs]e|copying|notice)/i.test(name)) continue; // licence texts are not developer prose
    const s = sourceOf(file);
    if (!s) continue;
    if (!s.licence || !s.licence.split(/\s+(?:or|and)\s+|\s*[|,]\s*/i).every((n) => FREE.test(n.replace(/^Expat$/i, 'MIT').replace(/[()]/g, '')))) { skipped.set(s.source, s.licence ? `not on the free list: ${s.licence}` : 'licence not determined'); continue; }
    let text;
    try { const buf = readFileSync(file); text = (file.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8'); } catch { continue; }
    if (text.includes('\uFFFD') || statSync(file).size > 2_000_000) continue;
    files++;
    const e = sources.get(s.source) ?? { licence: s.licence, files: 0 };
    e.files++;
    sources.set(s.source, e);
    for (const [kind, v] of candidates(text)) if (!pools[kind].has(v)) pools[kind].set(v, { source: s.source, path: s.path });
  }
}

// Seeded sample: within each kind the values ordered by sha256(seed, kind, value); the kinds take turns (one
// value each per round, so no kind uses up the per-file caps first), each taking its next value that keeps the
// caps (per file, per file and kind, per source); then the whole set is ordered by sha256(seed, value) so the
// bench's parity split (dev = odd lines) mixes every kind.
const perFile = new Map(), perFileKind = new Map(), perSource = new Map();
const inc = (m, k) => m.set(k, (m.get(k) ?? 0) + 1);
const rows = [];
const taken = new Set();
const order = Object.fromEntries(Object.keys(QUOTA).map((kind) => {
  const pool = [...pools[kind]].map(([v, at]) => ({ h: sha(`${SEED}\0${kind}\0${v}`), v, at }));
  pool.sort((a, b) => (a.h < b.h ? -1 : a.h > b.h ? 1 : 0));
  return [kind, { pool, next: 0, got: 0 }];
}));
for (let more = true; more;) {
  more = false;
  for (const [kind, n] of Object.entries(QUOTA)) {
    const o = order[kind];
    if (o.got === n) continue;
    for (; o.next < o.pool.length; o.next++) {
      const x = o.pool[o.next];
      const fk = `${x.at.source}\0${x.at.path}`;
      if (taken.has(x.v) || (perFile.get(fk) ?? 0) >= PER_FILE || (perFileKind.get(`${fk}\0${kind}`) ?? 0) >= PER_FILE_KIND || (perSource.get(x.at.source) ?? 0) >= PER_SOURCE) continue;
      inc(perFile, fk); inc(perFileKind, `${fk}\0${kind}`); inc(perSource, x.at.source);
      taken.add(x.v);
      rows.push({ kind, source: x.at.source, payload: x.v });
      o.got++;
      o.next++;
      more = true;
      break;
    }
  }
}
for (const [kind, n] of Object.entries(QUOTA)) {
  if (order[kind].got < n) throw new Error(`${kind}: only ${order[kind].got} values under the caps, want ${n}`);
  console.log(`${kind}: ${n} of ${order[kind].pool.length} distinct values`);
}
rows.sort((a, b) => { const x = sha(`${SEED}\0${a.payload}`), y = sha(`${SEED}\0${b.payload}`); return x < y ? -1 : x > y ? 1 : 0; });
const body = rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
writeFileSync(out, body);
console.log(`${rows.length} lines, ${Buffer.byteLength(body)} bytes, from ${perFile.size} files of ${new Set(rows.map((r) => r.source)).size} sources (${files} files read) → ${out}`);
console.log('sources used (values, licence, files read):');
for (const [s, n] of [...perSource].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) console.log(`  ${n}\t${s}\t${sources.get(s).licence}\t${sources.get(s).files}`);
console.log('sources skipped (licence):');
for (const [s, why] of [...skipped].sort()) console.log(`  ${s}\t${why}`);
