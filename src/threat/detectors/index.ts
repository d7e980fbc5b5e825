import {
  C_AMP, C_BACKSLASH, C_BACKTICK, C_BRACE, C_CARET, C_COLON, C_DOLLAR, C_DOT, C_DQUOTE, C_EQ, C_FRACTION, C_GT, C_HEX_PREFIX, C_LT, C_NEWLINE, C_PAREN,
  C_PERCENT, C_PIPE, C_PLUS, C_SEMI, C_SLASH, C_SQUOTE,
} from '../decode/charclass.js';
import { decodeValue, MAX_URL_ROUNDS, type Decoded } from '../decode/normalize.js';
import { BATCH_KEYWORDS, CODE_FUNCTIONS, TIER_A } from './cmdi-lexicon.js';
import { detectCmdi } from './cmdi.js';
import { quotedWordsNameNoCommand } from './cmdi-quoted-words.js';
import { detectSqli } from './sqli/detect.js';
import { mayBeSqlPlain } from './sqli/gate.js';
import { quietWords } from './quiet-words.js';
import { detectTraversal } from './traversal.js';
import { detectJsExpression } from './js-expression.js';
import { paranoidFindings } from './paranoid.js';
import { detectXss, MARKUP } from './xss.js';

export const INJECTION_FAMILIES = ['sqli', 'xss', 'traversal', 'cmdi'] as const;
export type InjectionFamily = (typeof INJECTION_FAMILIES)[number];
/** CRS-style paranoia: 1 (default) keeps to high-specificity rules; each level adds less specific ones. */
export type ParanoiaLevel = 1 | 2 | 3 | 4;

export interface DetectorOptions {
  families: ReadonlySet<InjectionFamily>;
  /** 'allow': HTML elements without script (markup injection) are not findings (rich-text routes). */
  markup: 'flag' | 'allow';
  /** Findings below this confidence are dropped. */
  minConfidence: number;
  /** Paranoia level 1–4 (see paranoid.ts for what each level adds). */
  paranoia: ParanoiaLevel;
}

export const DEFAULT_DETECTOR_OPTIONS: DetectorOptions = {
  families: new Set(INJECTION_FAMILIES),
  markup: 'flag',
  minConfidence: 0.3,
  paranoia: 1,
};

export interface ValueFinding {
  family: InjectionFamily;
  confidence: number;
  detail: string;
}

/**
 * Pre-filters: a family is read only when the value holds a character its grammar cannot start without.
 * Each is a necessary condition of the detector it guards (nothing else is skipped), and
 * test/unit/threat/prefilter.test.ts holds the detectors to it.
 *
 * Markup and script (xss.ts, js-expression.ts): a tag needs '<', a script URL ':', a call '(' or '`', an
 * event handler or assignment '=', a template expression '{', a comment breakout or DTD tail '>', a
 * comment-split member access '/*'; the 7-bit trick needs '¼'. A value that
 * arrived encoded and decodes to nothing but quotes or angle brackets is a scanner's probe.
 */
const XSS_SYNTAX = C_LT | C_GT | C_COLON | C_PAREN | C_BACKTICK | C_EQ | C_BRACE | C_FRACTION;
const PROBE_CHARS = C_LT | C_GT | C_SQUOTE | C_DQUOTE;
/**
 * Paths (traversal.ts): a dot, a separator, a colon (drive letters, stream wrappers) or spelled-out hex
 * (0x2e0x2e0x2f) — unless decoding itself was anomalous (overlong UTF-8, malformed or %u escapes, still
 * encoded after the last round).
 */
const PATH_SYNTAX = C_DOT | C_SLASH | C_BACKSLASH | C_COLON | C_HEX_PREFIX;

/**
 * Commands (cmdi.ts): a command runs from a command position — after a shell operator, a line break, a
 * closing quote, a redirection or cmd.exe caret, inside a substitution or a template — or at the very start of the value. A value with
 * none of the characters those are made of (nor a variable, a path, an escape or a '+' for a space) is a
 * command only when its first word names one.
 */
const SHELL_SYNTAX = C_SEMI | C_PIPE | C_AMP | C_NEWLINE | C_BACKTICK | C_DOLLAR | C_LT | C_GT | C_BRACE | C_PAREN | C_PERCENT |
  C_SLASH | C_BACKSLASH | C_SQUOTE | C_DQUOTE | C_PLUS | C_CARET;
const MAX_COMMAND_WORD = 64;
/** Longest name in the lexicon, plus an .exe/.com/.bat suffix: longer first words name no command. */
const LONGEST_COMMAND = Math.max(0, ...[...TIER_A, ...CODE_FUNCTIONS].map((w) => w.length)) + 4;

/**
 * First character and length of every lexicon name, bare and with a 4-character .exe/.com/.bat suffix: a
 * first word of another shape names no command, and needs no slice and lookup to tell.
 */
const COMMAND_SHAPES = new Set<number>([...TIER_A, ...CODE_FUNCTIONS].flatMap((w) => [(w.charCodeAt(0) << 8) | w.length, (w.charCodeAt(0) << 8) | (w.length + 4)]));

/** cmdi.ts's command word at the start: after blanks, a run of word characters, lower-cased, .exe/.com/.bat cut. */
function startsWithCommand(s: string): boolean {
  const n = s.length;
  let i = 0;
  while (i < n) { const c = s.charCodeAt(i); if (c !== 32 && c !== 9 && c !== 11 && c !== 12) break; i++; }
  const start = i;
  let upper = false;
  for (; i < n && i - start < MAX_COMMAND_WORD; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128) return true; // lower-casing may turn it into ASCII (K, İ): let the detector read it
    if (c >= 65 && c <= 90) { upper = true; continue; }
    const word = (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 45 || c === 46 || c === 58 || c === 126 || c === 63 || c === 42;
    if (!word) break;
  }
  if (i === start || i - start > LONGEST_COMMAND) return false;
  const first = s.charCodeAt(start);
  if (!COMMAND_SHAPES.has(((first >= 65 && first <= 90 ? first + 32 : first) << 8) | (i - start))) return false;
  let name = s.slice(start, i);
  if (upper) name = name.toLowerCase();
  if (name.endsWith('.exe') || name.endsWith('.com') || name.endsWith('.bat')) name = name.slice(0, -4);
  return TIER_A.has(name) || CODE_FUNCTIONS.has(name) || BATCH_KEYWORDS.has(name);
}

/** mayBeCmdi without the quoted-words refinement: what it is held to (cmdi-quoted-words.test.ts). */
export function mayBeCmdiPlain(d: Decoded): boolean {
  return (d.fullClasses & SHELL_SYNTAX) !== 0 || startsWithCommand(d.full);
}

export function mayBeCmdi(d: Decoded): boolean {
  const shell = d.fullClasses & SHELL_SYNTAX;
  if (shell === 0) return startsWithCommand(d.full);
  // quotes the only shell syntax: read unless a quoted-words value names no command (cmdi-quoted-words.ts)
  return (shell & ~QUOTES) !== 0 || d.full !== d.url || !quotedWordsNameNoCommand(d.full);
}
const QUOTES = C_SQUOTE | C_DQUOTE;

export function mayBeXss(d: Decoded): boolean {
  return (d.fullClasses & XSS_SYNTAX) !== 0 || ((d.fullClasses & C_SLASH) !== 0 && d.full.indexOf('/*') >= 0) || (d.full !== d.raw && (d.fullClasses & PROBE_CHARS) !== 0);
}

export function mayBeTraversal(d: Decoded): boolean {
  return (d.urlClasses & PATH_SYNTAX) !== 0 || d.overlong > 0 || d.invalid > 0 || d.unicode > 0 || d.depth > MAX_URL_ROUNDS;
}

function run(d: Decoded, opts: DetectorOptions, out: ValueFinding[], scale: number, prefix: string, fast: boolean): void {
  const f = opts.families;
  if (f.has('sqli')) {
    const v = fast ? detectSqli(d.full, d.fullClasses) : detectSqli(d.full, d.fullClasses, mayBeSqlPlain);
    if (v.confidence * scale >= opts.minConfidence) out.push({ family: 'sqli', confidence: v.confidence * scale, detail: prefix + v.reason });
  }
  if (f.has('xss') && mayBeXss(d)) {
    let v = detectXss(d.full, d.raw);
    if (v.confidence < 0.9) {
      const js = detectJsExpression(d.full);
      if (js.confidence > v.confidence) v = { ...js, markupOnly: false };
    }
    let c = v.confidence;
    if (opts.markup === 'allow' && v.markupOnly && c <= MARKUP) c = Math.min(c, 0.3);
    if (c * scale >= opts.minConfidence) out.push({ family: 'xss', confidence: c * scale, detail: prefix + v.reason });
  }
  if (f.has('traversal') && mayBeTraversal(d)) {
    const v = detectTraversal(d);
    if (v.confidence * scale >= opts.minConfidence) out.push({ family: 'traversal', confidence: v.confidence * scale, detail: prefix + v.reason });
  }
  if (f.has('cmdi') && (fast ? mayBeCmdi(d) : mayBeCmdiPlain(d))) {
    const v = detectCmdi(d);
    if (v.confidence * scale >= opts.minConfidence) out.push({ family: 'cmdi', confidence: v.confidence * scale, detail: prefix + v.reason });
  }
  if (opts.paranoia > 1) {
    for (const x of paranoidFindings(d, opts.paranoia)) {
      if (!f.has(x.family)) continue;
      if (x.family === 'xss' && opts.markup === 'allow' && x.markup) continue;
      if (x.confidence * scale >= opts.minConfidence) out.push({ family: x.family, confidence: x.confidence * scale, detail: `${prefix}PL${x.level} ${x.detail}` });
    }
  }
}

/**
 * Every injection finding for one value: decoded once (percent, escapes, entities, UTF-7 …), then read by
 * each enabled detector; a value that is base64 of text is read again decoded. A value of plain words none
 * of which a detector looks up is not read at all (quiet-words.ts). `fastPaths` false: every value read, with
 * the SQL and command pre-filters without their quoted-words refinements (sqli/gate.ts, cmdi-quoted-words.ts):
 * the full path the tests hold the fast one to (the findings are the same).
 */
export function inspectValue(raw: string, opts: DetectorOptions = DEFAULT_DETECTOR_OPTIONS, fastPaths = true): ValueFinding[] {
  const out: ValueFinding[] = [];
  if (raw.length < 2 || (fastPaths && quietWords(raw))) return out;
  const d = decodeValue(raw);
  run(d, opts, out, 1, '', fastPaths);
  if (d.base64 !== undefined) run(decodeValue(d.base64), opts, out, 0.95, 'base64: ', fastPaths);
  if (out.length < 2) return out;
  // one finding per family: the strongest
  const best = new Map<InjectionFamily, ValueFinding>();
  for (const x of out) { const b = best.get(x.family); if (!b || x.confidence > b.confidence) best.set(x.family, x); }
  return [...best.values()];
}
