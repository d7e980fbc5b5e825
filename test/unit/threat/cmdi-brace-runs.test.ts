/**
 * Long runs of braces (`{{{{…`, `${${${…`): the brace rules found a comma or closing brace with indexOf from
 * every '{', reading to the end of the value from each one (bench:detect's scaling section: µs/KiB grew ~6×
 * from 1 to 64 KiB). Now the closing brace is looked for within the 40 characters the rule allows, stopping
 * at the first character no alternative may hold, and the comma test reads only the character after the word. Same verdicts: the old innerBrace is kept here and
 * compared on generated values; attacks after and inside brace runs are still found.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue } from '../../../src/threat/decode/normalize.js';
import { innerBrace } from '../../../src/threat/detectors/cmdi-brace.js';
import { isShellBlank as isWs } from '../../../src/threat/detectors/chars.js';
import { TIER_A } from '../../../src/threat/detectors/cmdi-lexicon.js';
import { detectCmdi } from '../../../src/threat/detectors/cmdi.js';
import { take, type Acc } from '../../../src/threat/detectors/cmdi-verdict.js';
import { agree } from '../redos/differential.js';

function isAlnum(c: number): boolean { return (c >= 97 && c <= 122) || (c >= 48 && c <= 57); }
function isAltChar(c: number): boolean { return isAlnum(c) || c === 45 || c === 95; }
/** innerBrace as it was (indexOf for the closing brace). */
function oldInnerBrace(s: string, open: number, acc: Acc): void {
  let a = open;
  while (a > 0 && open - a < 16 && isAlnum(s.charCodeAt(a - 1))) a--;
  const close = s.indexOf('}', open + 1);
  if (close < 0 || close - open > 40) return;
  const alts = s.slice(open + 1, close).split(',');
  if (alts.length < 2 || alts.some((x) => { for (let k = 0; k < x.length; k++) if (!isAltChar(x.charCodeAt(k))) return true; return false; })) return;
  let z = close + 1;
  while (z < s.length && z - close < 16 && isAlnum(s.charCodeAt(z))) z++;
  if (a === open && z === close + 1) return;
  let k = a - 1;
  while (k >= 0 && isWs(s.charCodeAt(k))) k--;
  const before = k < 0 ? -1 : s.charCodeAt(k);
  if (!(before === -1 || before === 59 || before === 124 || before === 38 || before === 40 || before === 96 || before === 10 || before === 13)) return;
  const word = s.slice(a, open) + alts[0] + s.slice(close + 1, z);
  if (TIER_A.has(word)) take(acc, 0.85, `${word} spelled by brace expansion`);
}

/** Both readers at every '{' of s: the verdicts joined (undefined when none fired). */
function run(f: typeof innerBrace, s: string): string | undefined {
  const out: string[] = [];
  for (let i = s.indexOf('{'); i >= 0; i = s.indexOf('{', i + 1)) { const acc: Acc = { best: 0, why: '' }; f(s, i, acc); if (acc.best > 0) out.push(`${i}:${acc.best}:${acc.why}`); }
  return out.length ? out.join('|') : undefined;
}

const score = (s: string) => detectCmdi(decodeValue(s)).confidence;

describe('brace rules on brace runs', () => {
  it('innerBrace agrees with the indexOf version, also at the 40-character limit', () => {
    for (const s of [`;c{a,${'x'.repeat(37)}}t`, `;c{a,${'x'.repeat(38)}}t`, `;c{a,${'x'.repeat(39)}}t`, ';wh{o,a}ami', '{{{;wh{o,a}ami', 'c{a,b', 'x;un{a,b}me'])
      assert.equal(run(innerBrace, s), run(oldInnerBrace, s), s);
    agree('innerBrace', [';', ' ', 'c', '{', 'a', ',', 'oun', '}', 't', ' ', '-x'], ['{', '}', ',', ';', '|', ' ', 'x', 'wh', 'ami', 'o', 'un', 'me', 'xxxxxxxxxxxxxxxxxxxx', '\n'],
      (s) => run(oldInnerBrace, s), (s) => run(innerBrace, s), 75);
  });
  it('still finds brace expansions after and among long brace runs', () => {
    for (const a of [`${'{'.repeat(20000)};{cat,/etc/passwd}`, `${'${'.repeat(20000)};wh{o,a}ami`, `x;{cat,/etc/passwd}${'{'.repeat(20000)}`, `${'{{'.repeat(10000)}\n{,uname,-a}`])
      assert.ok(score(a) >= 0.8, `${a.slice(-30)}: ${score(a)}`);
  });
  it('a brace run alone, or JSON-looking text, is no command', () => {
    for (const b of ['{'.repeat(20000), '${'.repeat(20000), `${'{"a":1,'.repeat(3000)}}`])
      assert.ok(score(b) < 0.8, `${b.slice(0, 30)}: ${score(b)}`);
  });
});
