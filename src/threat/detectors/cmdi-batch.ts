import { take, type Acc } from './cmdi-verdict.js';

/**
 * cmd.exe FOR loop: `for [/d|/l|/f|/r [path] …] ["options"] %var in (set) do command`. The `%var` loop variable
 * (or `%%var` in a batch file) followed by `in (…) do` is batch syntax, not prose; it must sit in command
 * position (the start, or after a separator or an opening parenthesis).
 * Every quantifier is bounded and each optional part starts with a character the next cannot (`/`, `"`, `%`, or none of them): linear time.
 */
const FOR_LOOP = /(?:^|[;&|\n\r(])\s{0,32}for(?:\s{1,32}\/[dlfr](?:\s{1,32}[^\s%"/][^\s%]{0,80})?)*(?:\s{1,32}"[^"\n]{0,80}")?\s{1,32}%%?[a-z][a-z0-9_]{0,30}\s{1,32}in\s{0,32}\([^)\n]{0,200}\)\s{0,32}do\b/;

export function batchFor(s: string, acc: Acc): void {
  if (s.indexOf('for') < 0 || s.indexOf('%') < 0) return;
  if (FOR_LOOP.test(s)) take(acc, 0.85, 'cmd.exe FOR loop');
}
