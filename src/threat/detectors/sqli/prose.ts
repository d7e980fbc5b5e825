/**
 * How people write quotes and '#' in ordinary text (search boxes, product names), as opposed to breaking
 * out of a SQL string. Each helper is a fixed character scan of the raw value.
 */

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && /[\p{L}\p{N}_]/u.test(c);
}
function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}
/** Before a quote that opens a phrase: the value's start, a blank, '(' or '=' (q="red shoes"). */
function phraseBefore(c: string | undefined): boolean {
  return c === undefined || isSpace(c) || c === '(' || c === '=';
}
/** After the quote that closes a phrase: the end, a blank, punctuation, or '+' / '&' of a URL query. */
function phraseAfter(c: string | undefined): boolean {
  return c === undefined || isSpace(c) || c === '+' || c === '&' || c === ',' || c === '.' || c === ';' || c === ':' || c === '!' || c === '?' || c === ')';
}

const MAX_PHRASE = 40;

/**
 * The first `quote` (a double quote: search boxes quote phrases with it) of the value opens a phrase: text hugging both quotes (no blank just inside either),
 * with a blank, the edge or punctuation just outside both — `stocking "not" stuffer`, `"is" stamp`,
 * `"#2 mom"`. A break out of a SQL string has an operator after the quote (`x" or "1"="1`, `" or 1=1 "`).
 */
export function phraseQuote(input: string, quote: string): boolean {
  const q = input.indexOf(quote);
  if (q < 0 || !phraseBefore(input[q - 1])) return false;
  const close = input.indexOf(quote, q + 1);
  if (close < 0 || close === q + 1 || close - q > MAX_PHRASE) return false;
  if (isSpace(input[q + 1]) || isSpace(input[close - 1])) return false;
  return phraseAfter(input[close + 1]);
}

/**
 * Single quotes: a word quoted at the very end of the text, after a blank (`select 'and'`, `press 'or'`),
 * names that word; a break needs something after the operator for the application's quote to close.
 */
export function quotedLastWord(input: string): boolean {
  const q = input.indexOf('\'');
  if (q < 1 || !isSpace(input[q - 1])) return false;
  const close = input.indexOf('\'', q + 1);
  if (close !== input.length - 1 || close === q + 1 || close - q > MAX_PHRASE) return false;
  for (let i = q + 1; i < close; i++) if (!isWordChar(input[i])) return false;
  return true;
}

/**
 * Single quotes: an operator symbol quoted after two words or more (`the '=' register`, `before and
 * after '=', '+'`) names the symbol in a sentence; a break follows one operand (`x'='x`, `a '<>' b`).
 */
export function quotedSymbolInText(input: string): boolean {
  const q = input.indexOf('\'');
  if (q < 3 || !isSpace(input[q - 1]) || !/\S\s+\S/.test(input.slice(0, q))) return false;
  let k = q + 1;
  while (k < input.length && k - q <= 3 && input[k] !== '\'' && !isSpace(input[k]) && !isWordChar(input[k])) k++;
  return k > q + 1 && input[k] === '\'' && phraseAfter(input[k + 1]);
}

/** Every double quote follows a digit: inch or second marks (`16" or 18"`, `7" #2 needle`), not strings. */
export function inchMarksOnly(input: string): boolean {
  let seen = false;
  for (let i = input.indexOf('"'); i >= 0; i = input.indexOf('"', i + 1)) {
    const c = input.charCodeAt(i - 1);
    if (!(c >= 48 && c <= 57)) return false;
    seen = true;
  }
  return seen;
}

/**
 * The comment right after the break (blanks and ')' aside) is how text uses '#' and '--', not SQL: '#'
 * before a digit is a number sign (`#2`); after a break of several words, a '#' is a hashtag or a
 * number sign, and '--' glued to a word is a search exclusion typed twice (`-baby --infant`).
 */
export function proseComment(input: string, quote: string, wordsBefore: boolean): boolean {
  let k = input.indexOf(quote) + 1;
  if (k <= 0) return false;
  while (k < input.length && (isSpace(input[k]) || input[k] === ')')) k++;
  if (input[k] === '#') return (input.charCodeAt(k + 1) >= 48 && input.charCodeAt(k + 1) <= 57) || wordsBefore;
  if (input[k] === '-' && input[k + 1] === '-') return wordsBefore && isWordChar(input[k + 2]);
  return false;
}
