import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue } from '../../../src/threat/decode/normalize.js';
import { detectSqli } from '../../../src/threat/detectors/sqli/detect.js';
import { ldapFilterInjection } from '../../../src/threat/detectors/sqli/ldap.js';

const verdict = (s: string) => detectSqli(decodeValue(s).full);
const flags = (list: string[], why?: RegExp) => {
  for (const a of list) {
    it(`flags ${JSON.stringify(a)}`, () => {
      const v = verdict(a);
      assert.ok(v.confidence >= 0.8, `${a}: ${v.confidence} ${v.reason}`);
      if (why) assert.match(v.reason, why);
    });
  }
};
const clean = (list: string[]) => {
  for (const b of list) it(`does not flag ${JSON.stringify(b)}`, () => { const v = verdict(b); assert.ok(v.confidence < 0.8, `${b}: ${v.confidence} ${v.reason}`); });
};

describe('SQL injection probes: quotes', () => {
  flags(["'probe7", "'||tbl", "'+ident", "' zzzq", "'abc_def;"], /probe:/);
  flags(['42\\\'7', '9\\"2'], /escaped quote/);
  clean(["O'Brien", "'quoted'", '"hello', '"colname', "’tis", "'Twas", "'tis", "'cause", "'n", "'90s", "'em", "Rock 'n' roll", '"exact phrase"', "it's",
    "'Twas the night before Christmas", "5'11", '5\'11"', "it\\'s", "' hello world", "'", "''", "'a b'"]);
});

describe('SQL injection probes: comments', () => {
  flags(['5/*"*/', "id/* ' */", '/*!50001 select*/', '3/*!12345"*/', "user*/='x'--", '*/ or 2>1#', '*/;', '--  sp_password', '#sp_password',
    "x' or 2>1 /*sp_password*/"]);
  clean(["/* TODO: don't forget */", '/*! jQuery v3.7.1 | (c) OpenJS */', '/*!1.2.3*/', '*/5 * * * *', 'src/**/*.ts', '**/*.js', 'a */ b', 'Note: a */ or b',
    '--verbose', 'how do I reset sp_password in SQL Server', '/* a */ b */ c', 'C:\\temp\\*/report']);
});

describe('SQL injection: break-out fragments', () => {
  flags(["  LIKE '%%'", "') like '%", " or col_a = col_b", " AND t1.id=t2.id", '" AND', "') or", ';--', ');/* rest', "', null, null)",
    "')),1,2)", "\"),'a','b') --", '7;--', ')) -- rest', ') /*', 'print @@servername', '@v select @@version into tmp --']);
  clean(["I like '%' signs", 'or else', 'and/or usage', 'OR', 'or x', 'either a=b or c', 'AND x', "'yes', 'no'", "('yes', 'no')", "Parents', 2)",
    'print @john', 'Print two copies (one for you, one for the office).', '@team select a venue', '; see note', 'Note; -- see below', '; #hashtag', '5; # tag', ') #', '1; see', 'Yes; -- see above', ':) -- bye',
    "Rock 'n' roll or jazz", 'x or y = z', 'like %', "like '100%'",
    // prose that ends in a quote and a conjunction (search typed as you go, a wrapped line)
    '"harry potter" and', 'translated from English to Spanish," or', "PROVIDED ``AS IS'' AND", "'rock and roll' or", '"data.csv" and',
    // two quoted words joined by or/and: a search for either
    "'red' or 'blue'", "'yes' and 'no'", '"cats" or "dogs"']);
  flags(["'1' or '1'", "'x' or 'y'--", "'a' or 1", "1' or '1"]);
});

describe('LDAP filter injection (reported as sqli)', () => {
  flags(['admin)(|(uid=*))', '*)(cn=*', '(&(objectClass=user)(!(sn=*)))', 'x*)(userPassword=*)', '*( | ( mail = * ) )', '%2A%28%7C%28givenName%3D%2A%29%29',
    'jdoe)(department=*', 'bob)(&)', 'guest)(|)', '*)(|(&'], /LDAP filter injection/);
  clean(['f(x)(y)', '(a|b)', 'smile :-) (see &c)', '(| hello |)', '*)(', 'a (!) note', '(& then)', 'price (*) (see footnote)', 'f(x)(y=2)', 'a (&) b', '(|)', 'Tom (&) Jerry']);
  it('names the shape', () => {
    assert.equal(ldapFilterInjection('(|(mail=*))'), 'LDAP filter injection: composite filter');
    assert.equal(ldapFilterInjection('bob*)(mail=*'), 'LDAP filter injection: wildcard closes the filter, a new one opens');
    assert.equal(ldapFilterInjection('(x)(y=1)'), undefined);
  });
});

describe('SQL injection: probe functions reached through a dot are Oracle packages only', () => {
  flags(["1 or utl_http.request('http://203.0.113.9/')", "x' and dbms_pipe.receive_message('p',9)--", "1-utl_inaddr.get_host_address('x')"]);
  clean(['tests/sleep.c', 'my-benchmark.py', 'libs/numeric/benchmarks/benchmark.hpp', 'gnulib-tests/sleep.c', 'sleep.mp3', 'x-benchmark.json']);
});

describe('SQL injection: EXEC runs dynamic SQL from a string or a variable, not a word', () => {
  flags(["1; exec('select 1')", "'; exec (@cmd)--", '1;EXEC(char(0x73))']);
  clean(['TypeScript Execute (tsx): The easiest way to run TypeScript', 'Execute (carefully) the plan', 'exec (summary) notes']);
});
