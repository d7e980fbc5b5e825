import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue } from '../../../src/threat/decode/normalize.js';
import { detectSqli } from '../../../src/threat/detectors/sqli/detect.js';
import { fingerprint, tokenize } from '../../../src/threat/detectors/sqli/tokenizer.js';

const score = (s: string) => detectSqli(decodeValue(s).full).confidence;

describe('SQL tokenizer', () => {
  it('reads a value pasted after a quote as the DBMS would', () => {
    assert.equal(fingerprint(tokenize("' or 'x'='x", { quote: "'" })), 's&sos');
    assert.equal(fingerprint(tokenize('1 UNION ALL SELECT @@version,user()-- x')), '1UEv,f()c');
    assert.equal(fingerprint(tokenize("O'Brien", { quote: "'" })), 'sn');
  });

  it('treats MySQL executable comments as code and other comments as comments', () => {
    assert.equal(fingerprint(tokenize('/*!50000union*/ /*!select*/ 1')), 'UE1');
    assert.equal(fingerprint(tokenize('1 /* union select */ 2')), '1c1');
  });
});

describe('SQL injection detector', () => {
  // shapes taken from SQL grammar, each in more than one spelling
  const attacks = [
    "' OR '1'='1", "admin'--", "admin' #", "') OR ('a'='a", '" or ""="', "1 OR 1=1", "1) or sleep(5)#",
    "' UNION SELECT username, password FROM users--", '-1 UnIoN/**/SeLeCt 1,2,3', "'; DROP TABLE users; --",
    "1; EXEC xp_cmdshell('dir')", "' AND extractvalue(1,concat(0x7e,version()))--", "1' AND SLEEP(5) AND '1'='1",
    "'||(SELECT pg_sleep(5))||'", "' waitfor delay '0:0:5'--", ' ORDER BY 3--', "x' AND 1=(SELECT COUNT(*) FROM information_schema.tables)--",
    '%27%20OR%201%3D1--', "1' group by 1 having 1=1--", 'CHAR(83)+CHAR(81)+CHAR(76)', "admin' or '1'='1'/*",
  ];
  for (const a of attacks) it(`flags ${JSON.stringify(a)}`, () => assert.ok(score(a) >= 0.8, `${a}: ${score(a)}`));

  const benign = [
    "O'Brien", "Seán O'Brien-Smith", "It's 5 o'clock; let's go (now)!", "Rock 'n' roll", 'select the best option from the menu',
    'Drop me a line', 'union square', 'order by date', "Don't forget: 10% off; ends Friday (11:59pm).", '1/2 inch',
    '"exact phrase" search', 'Tom & Jerry', 'a < b and c > d', "Fun fact: 'select' and 'elect' share a root.",
    'Grant me the serenity to accept the things I cannot change.', '2024-05-01', 'x = 5', 'null', 'NULL',
  ];
  for (const b of benign) it(`does not flag ${JSON.stringify(b)}`, () => assert.ok(score(b) < 0.8, `${b}: ${score(b)}`));

  it('names the reading and the token shape in its reason', () => {
    const v = detectSqli("admin' or 1=1--");
    assert.match(v.reason, /^sq:logic /);
  });
});
