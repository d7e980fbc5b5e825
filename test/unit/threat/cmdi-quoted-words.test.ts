import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue } from '../../../src/threat/decode/normalize.js';
import { detectCmdi } from '../../../src/threat/detectors/cmdi.js';
import { CODE_FUNCTIONS, TIER_A } from '../../../src/threat/detectors/cmdi-lexicon.js';
import { DEFAULT_DETECTOR_OPTIONS, inspectValue, mayBeCmdi, mayBeCmdiPlain, type ParanoiaLevel } from '../../../src/threat/detectors/index.js';
import { narrowed, randomStrings, storedValues, wordStrings } from './value-sets.js';

/**
 * The command pre-filter's quoted-words refinement (cmdi-quoted-words.ts): a value of ASCII words, dots, spaces,
 * quotes and commas that names no command is not read. Held to detectCmdi itself, and — with the SQL
 * gate's refinement — held to the full path: inspectValue's findings are the same with the fast paths and
 * without, at every paranoia level.
 */

/** Command names (bare, split by quotes, after a quote), `if` shapes, and plain words. */
const WORDS = ['id.exe', 'who.ami', 'whoami.com', 'v1.2', '.', 'cat.', 'id', 'whoami', 'w\'h\'oami', '"wh"oami', 'who\'ami', 'ls', 'cat', 'Kill', 'ping', 'system', 'exec', 'eval', 'if', 'i\'f', 'exist', 'errorlevel',
  'defined', 'del', 'x', 'a', 'O', 'Brien', 'admin', 'shop', 'sleep', 'time', 'sh', 'nc', 'n', 'c', 'wget', 'curl', '5', '127', 'gift', 'life', 'uname', 'who', 'ami'];
const SEPS = [' ', "'", '"', "' ", " '", "''", '""', ',', ', ', "',", "','", '  '];
const LEADS = ['', '', ' ', "'", '"', "' ", '" ', "''"];
const ALPHABET = [...'abcdehilmnostwxyzABIW019_ \'",.', 'é', '\u212A', ...';|&`$<>(/\\+^-'.split(''), '\t', '\n'];

/** Every short shape of three words of a few kinds (command, split command, `if`, plain) and separators. */
function shapes(): string[] {
  const w = ['id', 'wh', 'oami', 'if', 'exist', 'a b', 'exe'];
  const sep = ["'", '"', ' ', ',', "''", '', '.'];
  const out: string[] = [];
  for (const lead of ['', "'", '" ']) for (const a of w) for (const s1 of sep) for (const b of w) for (const s2 of sep) for (const c of w) for (const end of ['', "'", '"']) out.push(lead + a + s1 + b + s2 + c + end);
  return out;
}

function values(): string[] {
  const stored = storedValues();
  return [
    ...stored,
    ...narrowed(stored, /[^A-Za-z0-9_ '",.]/g, ["'", ' ', '"', ',', '.']),
    ...randomStrings(11, 10000, ALPHABET, 16),
    ...randomStrings(12, 10000, [...'adefhiklmnostuwyx \'",.'], 20),
    ...wordStrings(13, 20000, WORDS, SEPS, LEADS),
    ...shapes(),
  ];
}

describe('command pre-filter: quoted words', () => {
  it('no lexicon name holds a space, comma or quote, or is 64 characters long (what the refinement relies on)', () => {
    for (const w of [...TIER_A, ...CODE_FUNCTIONS]) {
      assert.ok(!/[ ,'"]/.test(w) && w.length < 64, w);
      assert.equal(w, w.toLowerCase(), w);
    }
  });

  it('skips quoted words that name no command, and detectCmdi finds nothing in any value it skips', () => {
    let refined = 0, plainFinds = 0;
    for (const v of values()) {
      const d = decodeValue(v);
      if (!mayBeCmdi(d)) {
        if (mayBeCmdiPlain(d)) refined++;
        assert.deepEqual(detectCmdi(d), { confidence: 0, reason: '' }, `cmdi on ${JSON.stringify(v)}`);
      } else if (/^[A-Za-z0-9_ '",.]+$/.test(v) && /['"]/.test(v) && detectCmdi(d).confidence > 0) plainFinds++;
    }
    assert.ok(refined > 10000, `refined ${refined}`);
    assert.ok(plainFinds > 500, `quoted-words values with a command finding ${plainFinds}`);
  });

  it('reads a quoted-words value that names a command anywhere, or may open with if', () => {
    for (const v of ["' whoami", "w'h'oami", '"wh"oami x', "who'ami", "x 'id'", "a,ls'", "x 'id.exe'", "who'ami.bat", "i'f exist x del y", " 'If a == b ls", "O'Brien's cat"]) assert.ok(mayBeCmdi(decodeValue(v)), v);
    for (const v of ["O'Brien", "a'b", "v'", '"quoted" words', "don't stop", 'red, "green"', "gift'x", "x if'y", "12 O'Connell St.", "v1.2'"]) assert.ok(!mayBeCmdi(decodeValue(v)), v);
    // outside the class: read as before
    for (const v of ["a'b\t", "a'b-c", "Seán O'Brien", "a'b;"]) assert.ok(mayBeCmdi(decodeValue(v)), v);
  });

  it('inspectValue finds the same with the fast paths as without, at every paranoia level', () => {
    let found = 0;
    const all = values();
    for (const pl of [1, 2, 3, 4] as ParanoiaLevel[]) {
      const opts = { ...DEFAULT_DETECTOR_OPTIONS, paranoia: pl };
      for (let i = pl - 1; i < all.length; i += 4) { // every fourth value per level (each value at one level): the run stays short
        const v = all[i]!;
        const fast = inspectValue(v, opts);
        assert.deepEqual(fast, inspectValue(v, opts, false), `PL${pl} ${JSON.stringify(v)}`);
        if (fast.length > 0) found++;
      }
    }
    assert.ok(found > 5000, `values with findings ${found}`);
  });
});
