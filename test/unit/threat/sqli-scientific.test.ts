import { describe } from 'node:test';
import { sqliClean, sqliFlags } from './detector-cases.js';


describe('SQL obfuscation: numbers with an empty exponent (MySQL drops them)', () => {
  sqliFlags(["' and 1.e(ord 1.e(mid(1.e(select secret from vault limit 1 1.e,1 1.e)1.e)1.e) > 64 or'3'='4", "k' and 5.e(hex 5.e(substr(5.e(select login from staff limit 1 5.e,1 5.e,1 5.e)5.e)5.e) = 41 or'a'='b"]);
  sqliClean(['Section 1.e.ii says', 'see 2.e(iv) and 3.e(v) of the lease', 'v1.e(x) or so', '1.e']);
});
