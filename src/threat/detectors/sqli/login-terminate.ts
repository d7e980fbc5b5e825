import { T } from './lexicon.js';
import type { Token } from './tokenizer.js';

/**
 * `admin@example.com";` / `root';`: a login (one run of non-space characters) whose string is closed and the
 * statement ended with `;`, so the password check after it never runs on a driver that executes one
 * statement at a time (the authentication bypass without a comment). The whole value is the word, the quote
 * and the `;` (spaces around them allowed): a word of prose or code has something around it; a lone `';` (no
 * login) is a bare probe. Constant time over the first tokens.
 */
export function loginTerminate(toks: readonly Token[], commentAfter: readonly boolean[]): number {
  if (toks.length !== 2 || toks[1]!.type !== T.SEMICOLON || commentAfter[1] === true) return 0;
  const login = toks[0]!.value.trim();
  if (login.length < 2 || /\s/.test(login)) return 0;
  // a login names someone: a letter among its characters (not 12"; inches, not ---";)
  return /[a-z]/i.test(login) ? 0.8 : 0;
}
