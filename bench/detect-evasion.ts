/**
 * The evasion section of the detection benchmark: the corpus attacks PL1 detects as listed, re-encoded the
 * way attackers encode to slip past a filter (bench/evasion-transforms.ts: URL encoding once, twice and
 * IIS-style, JSON escapes, full-width forms, mixed case, SQL comments and blanks for spaces, character
 * references in HTML attribute values, overlong UTF-8 and NUL bytes in paths, shell quoting and $IFS), and
 * placed the same way. A cell is the share still detected (refused in every placement the encoding applies
 * to), over the payloads the encoding changes (in brackets). BENCH_DUMP writes the misses.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildContext } from '../src/pipeline/context-builder.js';
import { BadRequestError } from '../src/pipeline/deny.js';
import type { Stage } from '../src/pipeline/stage.js';
import { checkRequest, FAMILIES, limits, placed, PLACEMENTS, printTable, runStages } from './detect-common.js';
import { jsonUnicodeEscape, seeded, TRANSFORMS, type Family, type Transform } from './evasion-transforms.js';

interface Attack { family: string; payload: string }

/** The JSON placement with the comment's characters written as \uXXXX in the body text. */
function placedJsonText(payload: string): unknown {
  const body = `{"name":"alice","comment":"${jsonUnicodeEscape(payload)}","tags":["a","b"],"qty":2}`;
  return checkRequest('POST', '/api/items', { 'content-type': 'application/json' }, body);
}

/**
 * Refused in every placement. An encoded value that makes the request too big for the gateway's request
 * limits (a long payload URL-encoded twice in the path) is refused with 400 before any stage runs, as a
 * Check would; those are counted as refused and reported apart.
 */
function refusedEverywhere(stages: Stage[], value: string, t: Transform, badRequest: { n: number }): boolean {
  for (const p of t.placements) {
    const req = p === 'json-text' ? placedJsonText(value) : placed(value, p);
    let ctx;
    try { ctx = buildContext(req, limits); } catch (err) {
      if (err instanceof BadRequestError) { badRequest.n++; continue; }
      throw err;
    }
    if (runStages(stages, ctx)?.code !== 'ERR_THREAT') return false;
  }
  return true;
}

/** FNV-1a of the payload: each payload's random choices are the same in every run. */
function seedOf(s: string, salt: number): number {
  let h = 0x811c9dc5 ^ salt;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export function evasionSection(pl1: Stage[], attacks: Attack[], dump: string | undefined): void {
  const base = new Map<Family, string[]>(FAMILIES.map((f) => [f, []]));
  for (const a of attacks) {
    const list = base.get(a.family as Family);
    if (list && PLACEMENTS.every((p) => runStages(pl1, buildContext(placed(a.payload, p), limits))?.code === 'ERR_THREAT')) list.push(a.payload);
  }
  console.log('evasion: the corpus attacks PL1 detects in all three placements, re-encoded as attackers encode (bench/evasion-transforms.ts)');
  console.log(`base payloads: ${FAMILIES.map((f) => `${f} ${base.get(f)!.length}`).join(', ')}`);
  console.log('cell = PL1 % still detected (refused in every placement the encoding is sent in), (payloads the encoding changes); - = not applicable\n');
  const rows: string[][] = [];
  let allHit = 0, allN = 0;
  const badRequest = { n: 0 };
  TRANSFORMS.forEach((t, ti) => {
    const row = [t.name, t.placements.join('+')];
    for (const f of FAMILIES) {
      if (!t.families.includes(f)) { row.push('-'); continue; }
      let n = 0, hit = 0;
      const misses: string[] = [];
      for (const p of base.get(f)!) {
        const enc = t.apply(p, seeded(seedOf(p, ti)));
        if (enc === undefined) continue;
        n++;
        if (refusedEverywhere(pl1, enc, t, badRequest)) hit++;
        else misses.push(JSON.stringify({ payload: p, encoded: enc }));
      }
      allHit += hit; allN += n;
      row.push(n === 0 ? '-' : `${(100 * hit / n).toFixed(2)} (${n})`);
      if (dump && n > 0) writeFileSync(resolve(dump, `evasion-${ti}-${f}.jsonl`), misses.join('\n') + (misses.length ? '\n' : ''));
    }
    rows.push(row);
  });
  printTable(['encoding', 'placements', ...FAMILIES.map((f) => `${f} %`)], rows);
  if (badRequest.n > 0) console.log(`\n${badRequest.n} placed requests were refused as malformed or too large (400, ERR_BAD_REQUEST) before inspection; counted as refused.`);
  console.log(`\nevasion overall: ${(100 * allHit / allN).toFixed(2)} % of ${allN} encoded payloads still detected at PL1 (${allN - allHit} missed)`);
  if (dump) console.log(`evasion misses written to ${dump} (evasion-<row>-<family>.jsonl, row = table row from 0)`);
}
