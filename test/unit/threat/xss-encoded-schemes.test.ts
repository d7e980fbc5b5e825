import { xssClean, xssFlags } from './detector-cases.js';



xssFlags('a script scheme spelled with character references', [
  'vb&#115;cript:', 'java&NewLine;script:x', '&#x6A;avascript: ', 'javas&Tab;cript:0', 'java%26Tab%3Bscript%3A',
]);
xssClean('character references next to a scheme word, not inside it', [
  'Tom &amp; Jerry: javascript: the good parts', 'R&amp;D notes on javascript: closures', 'AT&T javascript: course',
  '&lt;javascript&gt; tips: see below',
]);

xssFlags('a script URL whose body starts with a JS escape', ['javascript:\\\\u0061lert', 'vbscript:\\\\x61']);
xssClean('a script scheme followed by prose', ['javascript: a language', 'learn javascript: part 2 \\ 3']);
