import { C_BRACE, C_DOT, C_DQUOTE, C_HEX_PREFIX, C_PAREN, C_SLASH, C_SQUOTE, charClasses } from '../../decode/charclass.js';
import { CATALOG_WORDS, PROBE_FUNCTIONS, T } from './lexicon.js';
import { SqlReader } from './parser.js';
import { fingerprint, tokenize, type Token } from './tokenizer.js';
import { ldapFilterInjection } from './ldap.js';
import { hexText, joinCommentSplitWords } from './obfuscation.js';
import { mayBeSql } from './gate.js';
import { probeVerdict } from './probes.js';
import { fromTail, statementTail } from './clauses.js';
import { inchMarksOnly, phraseQuote, proseComment, quotedLastWord, quotedSymbolInText } from './prose.js';
import { commentedOperand, comparingOperand, leadingArithmetic, stringArithmetic, stringOperatorProbe } from './operand.js';
import { caseExpression, ifFunction } from './case.js';
import { holdsSqlCall, metadataComparison } from './calls.js';
import { catalogSource } from './catalog.js';
import { commentSpacing } from './comment-spacing.js';
import { setOperation, unionTableOrValues } from './setops.js';
import { extraAssignments, extraRows } from './dml-tail.js';
import { commentedTautology } from './tautology.js';
import { assignedFragment } from './assigned.js';
import { dropEmptyExponents } from './scientific.js';
import { stripOdbcEscapes } from './odbc.js';
import { danglingComparison, stackedAfterBreak, truncatedUnion } from './truncated.js';
import { collateBreak } from './collate.js';
import { spacedCall } from './spaced-call.js';
import { numericCast } from './numeric-cast.js';
import { exponentCatalog } from './exponent-catalog.js';
import { loginTerminate } from './login-terminate.js';

export { hexText, joinCommentSplitWords };

export interface SqliVerdict {
  confidence: number;
  /** Which reading and rule matched, plus the token shape (e.g. "sq:logic s&1o1"). */
  reason: string;
}

type Context = 'raw' | 'sq' | 'dq' | 'bt';

/**
 * Token budgets. The raw reading runs the "anywhere" rules (union select, stacked statements, probes)
 * over this many tokens; a quoted reading swallows everything before the first quote into one string
 * token, so padding before the break does not push the injection out of view.
 */
const MAX_RAW_TOKENS = 4096;
const MAX_QUOTED_TOKENS = 1024;

interface Prepared {
  toks: Token[];
  /** commentAfter[k]: a comment followed toks[k] (index -1 → position 0 holds "comment at start"). */
  commentAfter: boolean[];
  all: Token[];
  /**
   * The value was read as pasted into a string and what it broke out of is at most one word (`' or`,
   * `admin' or`). Prose that ends in a quote and a conjunction (`…to Spanish," or`, `"a b" and`, a search
   * typed as you go) broke out of a sentence, not an operand.
   */
  shortBreak: boolean;
  /**
   * The value opens and closes a string itself ('hi' or 'x'='x). Two quoted words joined by or/and
   * ('red' or 'blue') is a search for either, unless the operand is a number a condition can be true with.
   */
  ownString: boolean;
  /** Quoted reading: the value and its quote, for the text conventions (prose.ts) the rules ask about. */
  input: string;
  quote: string;
}

function prepare(all: Token[]): Prepared {
  const toks: Token[] = [];
  const commentAfter: boolean[] = [];
  let leading = false;
  for (const t of all) {
    if (t.type === T.COMMENT) {
      if (toks.length === 0) leading = true;
      else commentAfter[toks.length - 1] = true;
      continue;
    }
    toks.push(t);
  }
  void leading;
  return { toks, commentAfter, all, shortBreak: false, ownString: false, input: '', quote: '' };
}

/** A number, or a string holding one ('1'): an operand that makes a condition true. */
function numericOperand(t: Token | undefined): boolean {
  if (t === undefined) return false;
  if (t.type === T.NUMBER) return true;
  return t.type === T.STRING && t.value.length > 0 && t.value.length <= 20 && !Number.isNaN(Number(t.value));
}

/**
 * Does the token run from `i` continue a query after its operand was broken out of (a closed string or a
 * number)? Returns a confidence. `quoted`: the break was a closing quote, so even a bare comment counts.
 */
function tail(p: Prepared, r: SqlReader, i: number, quoted: boolean, leading: boolean): [number, string] {
  // the links of a boolean chain (`' or 0 or 1=1`, `'||'||'||…`) are read in a loop, the strongest kept; other
  // continuations call tail again, past MAX_TAIL_DEPTH nested calls the rest adds nothing, and the stack
  // stays bounded whatever the value
  if (tailDepth >= MAX_TAIL_DEPTH) return [0, ''];
  tailDepth++;
  try {
    let best: [number, string] = [0, ''];
    for (let at = i, lead = leading; ;) {
      const [c, w, next] = tailAt(p, r, at, quoted, lead);
      if (c > best[0]) best = [c, w];
      if (next === undefined) return best;
      at = next;
      lead = false;
    }
  } finally { tailDepth--; }
}

/** Nested tail calls (see tail); the reader is synchronous, so one counter serves. */
const MAX_TAIL_DEPTH = 64;
let tailDepth = 0;

/** One continuation at `i`: its confidence and rule, and where the chain goes on when this was one link of it. */
function tailAt(p: Prepared, r: SqlReader, i: number, quoted: boolean, leading: boolean): [number, string, number?] {
  const toks = p.toks;
  let closers = 0;
  while (toks[i]?.type === T.RPAREN && closers < 8) { i++; closers++; }
  const t = toks[i];
  const commentBefore = i > 0 && p.commentAfter[i - 1] === true;
  if (t === undefined) {
    // only a comment after the break: admin'-- / admin')# — or, in a fragment, )) -- (closes and comments out)
    if (quoted && commentBefore && !(p.quote !== '' && proseComment(p.input, p.quote, proseBreak(p)))) return [0.8, 'comment'];
    return leading && closers > 0 && commentBefore && p.all[p.all.length - 1]!.value !== '#' ? [0.8, 'comment'] : [0, ''];
  }
  if (commentBefore && quoted && !leading) {
    // a comment between the break and more SQL (admin'/**/or/**/1=1) — continue reading, slightly stronger
  }
  switch (t.type) {
    case T.LOGIC: case T.NOT: {
      // ' OR / ') and: the break, then an operator word with its operand still to come (a truncated probe)
      if (quoted && p.shortBreak && toks[i + 1] === undefined && isLogicWord(t)) return [0.8, 'dangling-logic'];
      // 1 and select top 1 name from users --: a whole SELECT where an operand should stand
      if (toks[i + 1]?.type === T.STATEMENT && toks[i + 1]!.value === 'select') return [r.statement(i + 1, quoted) * 0.95, 'logic-select'];
      const e = r.expr(t.type === T.NOT ? i : i + 1);
      if (e.end < 0) return [0, ''];
      const after = toks[e.end];
      // an unclosed string as the last token is the application's own closing quote, opened by the value
      const endsHere = after === undefined || (quoted && after.type === T.STRING && after.closed === false && e.end === toks.length - 1);
      const commented = p.commentAfter[e.end - 1] === true;
      const cont = endsHere || after.type === T.RPAREN || after.type === T.LOGIC || after.type === T.SEMICOLON ||
        after.type === T.UNION || after.type === T.CLAUSE || (quoted && after.type === T.STRING) ||
        (after.type === T.OTHER && e.end === toks.length - 1) || statementTail(toks, e.end);
      if (!cont && !commented) {
        // the first predicate did not read cleanly; a later `or …` in the same run may
        if (!quoted) return [0, ''];
        if (t.type === T.LOGIC) {
          const d = danglingComparison(toks, p.shortBreak, e.values, e.end, p.commentAfter);
          if (d > 0) return [d, 'dangling-compare'];
        }
        for (let k = e.end; k < toks.length && k < e.end + 8; k++) {
          if (toks[k]!.type === T.LOGIC) { const [more, w] = tail(p, r, k, quoted, false); return [more * 0.95, w]; }
        }
        return [0, ''];
      }
      let c = 0;
      if (e.probe || e.subquery) c = 0.95;
      else if (e.tautology) c = 0.92;
      else if (e.compare && e.literal) c = quoted || leading || closers > 0 ? 0.9 : 0.85;
      else if (e.func && (quoted || closers > 0)) c = 0.85;
      else if (e.literal && e.values === 1 && (commented || (endsHere && (quoted || leading))) &&
        (commented || !(p.ownString || proseBreak(p)) || numericOperand(toks[e.end - 1]))) c = 0.8;
      else if (quoted && e.literal && e.names === 0 && e.values >= 2 && (endsHere || commented)) c = 0.8;
      else if (e.func && leading && commented) c = 0.8;
      else if (e.compare && commented) c = quoted || leading ? 0.85 : 0.7;
      else if (e.compare && leading && endsHere && isLogicWord(t)) c = 0.8; // OR col=other: the rest of a WHERE
      else if (e.compare && (quoted || toks[0]!.type === T.NUMBER) && holdsSqlCall(toks, i + 1, e.end)) c = 0.85; // 1 || substr(user,1,1) = …
      else if (quoted && t.value === '||' && e.literal && e.names === 0 && (endsHere || after.value === '||')) c = 0.8; // 'x'||'y'||' concatenation
      if (after?.type === T.CLAUSE && e.literal) {
        // 0 or 1 group by … having …: the operand, then the clauses of the query it was spliced into
        const [more] = tail(p, r, e.end, quoted, false);
        c = Math.max(c, more);
      }
      // the rest of the chain is read whatever this link scored (a neutral link first, ' or 0 or 1=1--, hides
      // nothing): tail reads the next link in the same call, so a long chain costs no stack
      if (after && after.type === T.LOGIC && e.end > i) return [c, 'logic', e.end];
      return [c, 'logic'];
    }
    case T.UNION: {
      const nx = toks[i + 1];
      const nx2 = toks[i + 2];
      if (nx && nx.type === T.STATEMENT && nx.value === 'select') return [Math.max(0.9, r.statement(i + 1, true)), 'union'];
      if (nx && nx.type === T.LPAREN && nx2?.value === 'select') return [0.95, 'union'];
      // (after a quote, a number or a closing parenthesis: a leading word is prose, "European Union table …")
      const prev = toks[i - 1]?.type;
      const tv = quoted || prev === T.NUMBER || prev === T.RPAREN ? unionTableOrValues(toks, i, (k) => p.commentAfter[k] === true) : 0;
      if (tv > 0) return [tv, 'union-table'];
      if (quoted && p.quote === '\'') {
        const c = truncatedUnion(toks, i, (k) => p.commentAfter[k] === true);
        if (c > 0) return [c, 'truncated-union'];
      }
      return [0, ''];
    }
    case T.SEMICOLON: {
      const nx = toks[i + 1];
      if (nx === undefined) {
        if (quoted && p.commentAfter[i] === true) return [0.85, 'terminate'];
        // ; -- / ); /*: end the statement, comment out the rest (a '#' after ';' is too often a hashtag)
        // also right after a leading number: 5;-- ends a numeric condition the same way
        const last = p.all[p.all.length - 1]!;
        const afterNumber = i - closers === 1 && toks[0]!.type === T.NUMBER;
        return (leading || afterNumber) && p.commentAfter[i] === true && last.value !== '#' ? [0.8, 'terminate'] : [0, ''];
      }
      if (nx.type === T.STATEMENT) return [Math.max(r.statement(i + 1, true), quoted ? stackedAfterBreak(toks, i, p.shortBreak) : 0), 'stacked'];
      if (nx.type === T.SEMICOLON) return [0, ''];
      const [more, w] = tail(p, r, i + 1, quoted, leading);
      return [more * 0.95, w];
    }
    case T.COMMA: {
      // ',NULL) / '),1,2): the break lands in a VALUES or argument list, padded with literals and closed
      if (!quoted) return [0, ''];
      // '),('admin','x')-- / ', role='admin: more rows of an INSERT, more assignments of an UPDATE
      const dml = Math.max(extraRows(toks, i, closers, (k) => p.commentAfter[k] === true), extraAssignments(toks, i, p.shortBreak && closers === 0, (k) => p.commentAfter[k] === true));
      if (dml > 0) return [dml, 'dml-list'];
      let k = i, items = 0, nulls = 0;
      while (toks[k]?.type === T.COMMA && items < 32) {
        const v = toks[k + 1];
        if (!v || (v.type !== T.NUMBER && v.type !== T.STRING && v.type !== T.VARIABLE)) return [0, ''];
        items++;
        if (v.value === 'null') nulls++;
        k += 2;
      }
      if (toks[k]?.type !== T.RPAREN) return [0, ''];
      return closers > 0 || nulls > 0 || items > 1 ? [0.85, 'values-list'] : [0, ''];
    }
    case T.LPAREN: {
      const nx = toks[i + 1];
      if (nx?.type === T.STATEMENT && nx.value === 'select' && (quoted || closers > 0)) return [Math.max(0.85, r.statement(i + 1, true)), 'subquery'];
      return [0, ''];
    }
    case T.CLAUSE: {
      if (t.value === 'where' || t.value === 'having') {
        const e = r.expr(i + 1);
        if (e.end < 0) return [0, ''];
        if (e.probe || e.subquery || e.tautology || (e.compare && e.literal)) return [0.9, t.value];
        // HAVING with an aggregate call as its whole condition (having min(0)): only a query writes that
        if (t.value === 'having' && e.func && toks[i + 1]?.type === T.FUNCTION) return [0.85, t.value];
        return [0, ''];
      }
      const l = r.list(i + 1);
      if (l.end < 0) return [0, ''];
      const after = toks[l.end];
      const commented = p.commentAfter[l.end - 1] === true;
      const tidy = after === undefined || after.type === T.UNION || after.type === T.SEMICOLON || after.type === T.CLAUSE || after.type === T.RPAREN || (quoted && after.type === T.STRING);
      if (!tidy && !commented) return [0, ''];
      if (after?.type === T.CLAUSE) {
        const [more] = tail(p, r, l.end, quoted, false);
        if (more > 0) return [more, 'clause'];
      }
      if (l.info.probe || l.info.subquery) return [0.95, 'clause'];
      const numeric = toks[i + 1]?.type === T.NUMBER;
      if (numeric || l.info.func) return [quoted || commented || closers > 0 ? 0.9 : 0.8, 'clause'];
      return commented && quoted ? [0.8, 'clause'] : [0, ''];
    }
    case T.COMPARE: case T.ARITH: {
      if (quoted && t.value === 'collate') {
        const c = collateBreak(toks, i, p.shortBreak, p.commentAfter);
        if (c > 0) return [c, 'collate'];
      }
      if ((t.value === 'like' || t.value === 'ilike') && (quoted || leading || closers > 0) && wildcardOnly(toks[i + 1])) {
        return [0.85, 'match-all']; // like '%': true for every row
      }
      if (!quoted && !leading && closers === 0 && t.type === T.COMPARE) {
        // 1=1… after a number is a plain comparison unless it carries a probe or sub-query
        const e = r.expr(i + 1);
        return e.probe || e.subquery ? [0.9, 'operator'] : [0, ''];
      }
      const e = r.expr(i + 1);
      if (e.end < 0) return [0, ''];
      if (e.probe || e.subquery) return [0.9, 'operator'];
      const after = toks[e.end];
      if (!quoted) return [0, ''];
      if (e.func) return [0.85, 'operator'];
      if (t.type === T.COMPARE && e.literal) {
        // '=' / 'or'='…: the closing half of a predicate around the broken string
        if (after === undefined || after.type === T.LOGIC || p.commentAfter[e.end - 1] === true) {
          if (after?.type === T.LOGIC) {
            const [more] = tail(p, r, e.end, quoted, false);
            if (more > 0) return [Math.max(0.85, more), 'operator'];
          }
          return [0.8, 'operator'];
        }
      }
      return [0, ''];
    }
    case T.STATEMENT: {
      if (quoted && p.quote === '\'' && t.value === 'select') {
        const u = truncatedUnion(toks, i, (k) => p.commentAfter[k] === true);
        if (u > 0) return [u, 'truncated-select'];
      }
      const c = r.statement(i, quoted || closers > 0);
      return [quoted || closers > 0 || leading ? c : c * 0.8, 'statement'];
    }
    case T.KEYWORD: {
      if (t.value === 'into' && (toks[i + 1]?.value === 'outfile' || toks[i + 1]?.value === 'dumpfile')) return [0.95, 'outfile'];
      if (t.value === 'from' && (quoted || closers > 0)) return [fromTail(r, toks, i), 'from'];
      if (t.value === 'if') {
        // T-SQL IF <predicate> <statement> (;if 1=1 shutdown --)
        const e = r.expr(i + 1);
        if (e.end > 0 && e.compare && toks[e.end]?.type === T.STATEMENT) return [r.statement(e.end, true) * 0.95, 'if'];
      }
      return [0, ''];
    }
    default:
      return [0, ''];
  }
}

/** Quoted reading: the break is preceded by two words or more (prose, not an operand). */
function proseBreak(p: Prepared): boolean { return p.quote !== '' && /\S\s+\S/.test(p.toks[0]!.value); }

function isLogicWord(t: Token): boolean { return t.type === T.LOGIC && (t.value === 'or' || t.value === 'and' || t.value === 'xor'); }
/** A string literal of LIKE wildcards only ('%', '%%'). */
function wildcardOnly(t: Token | undefined): boolean {
  if (t?.type !== T.STRING || t.value.length === 0) return false;
  for (let k = 0; k < t.value.length; k++) if (t.value.charCodeAt(k) !== 37) return false;
  return true;
}

interface Acc { best: number; why: string }
function take(acc: Acc, c: number, why: string): void { if (c > acc.best) { acc.best = c; acc.why = why; } }

function evaluate(input: string, ctx: Context): SqliVerdict {
  const all = tokenize(input, ctx === 'raw' ? { maxTokens: MAX_RAW_TOKENS } : { quote: ctx === 'sq' ? '\'' : ctx === 'dq' ? '"' : '`', maxTokens: MAX_QUOTED_TOKENS });
  const p = prepare(all);
  const r = new SqlReader(p.toks);
  const toks = p.toks;
  const acc: Acc = { best: 0, why: '' };
  if (toks.length === 0) return { confidence: 0, reason: '' };

  if (ctx !== 'raw') {
    // toks[0] is the string the value was pasted into; the rest is what broke out of it
    const quote = ctx === 'sq' ? '\'' : ctx === 'dq' ? '"' : '`';
    p.shortBreak = !/\s/.test(toks[0]!.value);
    p.input = input;
    p.quote = quote;
    const [c, w] = tail(p, r, 1, true, false);
    take(acc, c, `${ctx}:${w}`);
    take(acc, spacedCall(toks, 1, p.shortBreak, p.commentAfter), `${ctx}:spaced-call`);
    take(acc, loginTerminate(toks, p.commentAfter), `${ctx}:login-terminate`);
    // the broken string continued by arithmetic: x'|3!='4, a'*@a or '1
    const o = stringArithmetic(input, quote, r, toks);
    if (o.end > 0) {
      take(acc, comparingOperand(toks, o, p.commentAfter[o.end - 1] === true), `${ctx}:operand-compare`);
      take(acc, stringOperatorProbe(toks, o), `${ctx}:string-arithmetic`);
      if (o.end < toks.length) { const [c2, w2] = tail(p, r, o.end, true, false); take(acc, c2, `${ctx}:operand-${w2}`); }
    }
  } else {
    const first = toks[0]!;
    if (first.type === T.NUMBER || first.type === T.BAREWORD || first.type === T.VARIABLE) {
      const [c, w] = tail(p, r, 1, false, false);
      take(acc, c, `num:${w}`);
      // (a '#' after a number is too often a hashtag: 5 or apples (2) #fruit)
      if (first.type === T.NUMBER && p.all[p.all.length - 1]!.value !== '#') take(acc, spacedCall(toks, 1, true, p.commentAfter, false), 'num:spaced-call');
      // T-SQL runs a batch without ';': @v SELECT … INTO … is two statements
      if (first.type === T.VARIABLE && toks[1]?.type === T.STATEMENT) take(acc, r.statement(1, false), 'var:statement');
    } else if (first.type === T.STRING && first.closed) {
      // the value itself opens and closes a string: 'hi' or 'x'='x
      p.ownString = true;
      const [c, w] = tail(p, r, 1, true, false);
      p.ownString = false;
      take(acc, c, `str:${w}`);
    }
    // the leading operand is an arithmetic expression: HOPE*1 and 8=3, -9-(2) or 1=1, floor(pi()) and …
    const o = leadingArithmetic(r, toks);
    if (o.end > 0 && o.end < toks.length) { const [c2, w2] = tail(p, r, o.end, false, false); take(acc, c2, `num:operand-${w2}`); }
    take(acc, commentedOperand(input, r, toks, p.all), 'num:commented');
    take(acc, metadataComparison(r, toks), 'raw:metadata-compare');
    take(acc, commentedTautology(r, toks, p.all, p.commentAfter), 'raw:commented-tautology');
    // a fragment that starts with SQL (spliced after a value the application supplies)
    const [c, w] = tail(p, r, 0, false, true);
    take(acc, c, `lead:${w}`);
  }
  // anywhere: union select, stacked statements, probes, string building, catalog discovery
  let charCalls = 0;
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k]!;
    if (toks[k + 1]?.type === T.LPAREN && t.type !== T.LPAREN) take(acc, numericCast(toks, k), `${ctx}:numeric-cast`);
    if (t.type === T.UNION) {
      const nx = toks[k + 1];
      if (nx && nx.type === T.STATEMENT && nx.value === 'select') {
        const s = r.statement(k + 1, false);
        take(acc, Math.max(s, 0.75), `${ctx}:union-select`);
      } else if (nx?.type === T.LPAREN && toks[k + 2]?.value === 'select') take(acc, 0.9, `${ctx}:union-select`);
    } else if (t.type === T.SEMICOLON && toks[k + 1]?.type === T.STATEMENT) {
      take(acc, r.statement(k + 1, true) * (ctx === 'raw' ? 1 : 0.95), `${ctx}:stacked`);
    } else if (t.type === T.STATEMENT && (k === 0 || toks[k - 1]!.type === T.LPAREN)) {
      take(acc, r.statement(k, false), `${ctx}:statement`);
    } else if (t.type === T.STATEMENT && (t.value === 'waitfor delay' || t.value === 'exec' || t.value === 'execute')) {
      take(acc, r.statement(k, false) * 0.95, `${ctx}:statement`);
    } else if (t.type === T.STATEMENT && (toks[k - 1]!.type === T.RPAREN || ['else', 'then', 'begin'].includes(toks[k - 1]!.value))) {
      take(acc, r.statement(k, true) * 0.95, `${ctx}:statement`);
    } else if (t.type === T.CLAUSE && (t.value === 'where' || t.value === 'having')) {
      const e = r.expr(k + 1);
      if (e.end > 0 && (e.probe || e.subquery || e.tautology || (e.compare && e.literal && p.commentAfter[e.end - 1] === true))) take(acc, 0.85, `${ctx}:${t.value}`);
    } else if (t.type === T.FUNCTION) {
      if (t.value === 'if' || t.value === 'iif') take(acc, ifFunction(r, toks, k), `${ctx}:if`);
      if (PROBE_FUNCTIONS.has(t.value)) {
        const arg = toks[k + 2];
        const close = toks[k + 3];
        if (toks[k + 1]?.type === T.LPAREN && arg && (arg.type === T.NUMBER || arg.type === T.FUNCTION || arg.type === T.VARIABLE || arg.type === T.STRING || arg.type === T.STATEMENT ||
            (arg.type === T.BAREWORD && close?.type === T.RPAREN && p.commentAfter[k + 3] === true))) {
          take(acc, 0.85, `${ctx}:probe`);
        }
      } else if ((t.value === 'char' || t.value === 'chr' || t.value === 'nchar') && toks[k + 2]?.type === T.NUMBER) {
        charCalls++;
        if (charCalls >= 3) take(acc, 0.85, `${ctx}:char-building`);
      }
    } else if (t.type === T.VARIABLE && t.value.startsWith('@@') && toks.length > 1) {
      take(acc, 0.6, `${ctx}:system-variable`);
    } else if (t.type === T.BAREWORD && toks[k + 1]?.type === T.DOT && CATALOG_WORDS.has(t.value) && t.value !== 'sys' && t.value !== 'master' && t.value !== 'mysql') {
      take(acc, 0.7, `${ctx}:catalog`);
    } else if (t.type === T.KEYWORD && (t.value === 'intersect' || t.value === 'except' || t.value === 'minus')) {
      const broke = (ctx !== 'raw' && k === 1) || (k > 0 && toks[k - 1]!.type === T.RPAREN);
      take(acc, setOperation(r, toks, k, broke), `${ctx}:set-operation`);
    } else if (t.type === T.KEYWORD && (t.value === 'from' || t.value === 'join')) {
      take(acc, catalogSource(toks, k, p.commentAfter), `${ctx}:catalog-source`);
    } else if (t.type === T.KEYWORD && t.value === 'case') {
      if (caseExpression(r, toks, k) > 0) take(acc, 0.85, `${ctx}:case`);
    } else if (t.type === T.KEYWORD && t.value === 'into' && (toks[k + 1]?.value === 'outfile' || toks[k + 1]?.value === 'dumpfile')) {
      take(acc, 0.95, `${ctx}:outfile`);
    }
  }
  // a quoted reading whose quote opens a phrase ("not" stuffer) or marks inches (16" or 18"): the weaker
  // rules read text, not a break (a tautology, a probe or a statement still counts)
  // (double quotes only: search boxes quote phrases with them; a single-quoted word is a break: a 'or' b)
  if (ctx === 'dq' && acc.best > 0 && acc.best < 0.9 && (phraseQuote(input, '"') || inchMarksOnly(input))) return { confidence: 0, reason: '' };
  if (ctx === 'sq' && acc.best > 0 && acc.best < 0.9 && (quotedLastWord(input) || quotedSymbolInText(input))) return { confidence: 0, reason: '' };
  return { confidence: acc.best, reason: acc.best > 0 ? `${acc.why} ${fingerprint(p.all)}` : '' };
}

/**
 * SQL injection confidence for one decoded value: the value is read as code in three positions — after
 * a number (raw), inside a single-quoted and inside a double-quoted string — and each reading is checked
 * for a continuation that only makes sense as injected SQL. `classes`: charClasses(input), when the caller
 * has it (decodeValue does): which of the further readings have anything to read. `gate`: the pre-filter
 * (tests pass mayBeSqlPlain to compare the refined one with it).
 */
export function detectSqli(input: string, classes = charClasses(input), gate: (s: string, classes: number) => boolean = mayBeSql): SqliVerdict {
  if (input.length < 2) return { confidence: 0, reason: '' };
  const maybe = gate(input, classes);
  let best: SqliVerdict = maybe ? readings(input) : { confidence: 0, reason: '' };
  if (maybe && best.confidence < 0.85) {
    // probes (a lone quote, a comment trick) and LDAP filter fragments: shapes, not statements (each
    // needs a character mayBeSql looks for: a quote, '*', '-', '#', '(')
    const v = probeVerdict(input);
    if (v.confidence > best.confidence) best = v;
    const ldap = (classes & C_PAREN) !== 0 ? ldapFilterInjection(input) : undefined;
    if (ldap !== undefined && best.confidence < 0.85) best = { confidence: 0.85, reason: ldap };
  }
  // name=AND 1=(…: the value's own assignment, then a condition chained with a boolean operator
  const assigned = maybe && best.confidence < 0.85 ? assignedFragment(input) : undefined;
  if (assigned !== undefined) {
    const v = readings(assigned);
    if (v.confidence >= 0.85 && v.confidence > best.confidence) best = { confidence: v.confidence, reason: `assigned ${v.reason}` };
  }
  // 1.e(ascii 1.e(…: MySQL drops a number with an empty exponent; read the text it executes
  if (maybe && best.confidence < 0.85) {
    const d = dropEmptyExponents(input);
    if (d.count > 0) {
      const v = readings(d.text);
      if (v.confidence >= 0.8 && v.confidence > best.confidence) best = { confidence: v.confidence, reason: `empty-exponent ${v.reason}` };
    }
  }
  // information_schema 1.e.tables: an empty-exponent number qualifying a catalog view (no gate word needed)
  if (best.confidence < 0.85 && (classes & C_DOT) !== 0) {
    const x = exponentCatalog(input);
    if (x > best.confidence) best = { confidence: x, reason: 'empty-exponent catalog' };
  }
  // 1 or {x sleep(5)}: an ODBC escape brace around an expression; read the expression
  if (maybe && best.confidence < 0.85 && (classes & C_BRACE) !== 0) {
    const o = stripOdbcEscapes(input);
    if (o.count > 0) {
      const v = readings(o.text);
      if (v.confidence >= 0.8 && v.confidence > best.confidence) best = { confidence: v.confidence, reason: `odbc-escape ${v.reason}` };
    }
  }
  // keywords split by inline comments (uni/**/on sel/**/ect): no reason to write that but to slip past filters
  if ((classes & C_SLASH) !== 0 && input.indexOf('/*') >= 0) {
    const j = joinCommentSplitWords(input);
    if (j.keywords > 0) {
      if (0.85 > best.confidence) best = { confidence: 0.85, reason: 'comment-split keyword' };
      const v = readings(j.text);
      if (v.confidence > best.confidence) best = { confidence: v.confidence, reason: `comment-split ${v.reason}` };
    }
    // comments as the whitespace between SQL words (select/**/x/**/from)
    const c = best.confidence < 0.85 ? commentSpacing(input) : 0;
    if (c > best.confidence) best = { confidence: c, reason: 'comment-spaced keywords' };
  }
  // doubled quotes read as the break, not as an escape ("a"" or 1=1--"), and a backslash before a quote as
  // one the application's own escaping doubles (\' becomes \\' — the quote then breaks out)
  if ((classes & (C_SQUOTE | C_DQUOTE)) !== 0 && (input.indexOf('""') >= 0 || input.indexOf('\'\'') >= 0 || input.indexOf('\\\'') >= 0 || input.indexOf('\\"') >= 0)) {
    const v = readings(input.replaceAll('""', '"').replaceAll('\'\'', '\'').replaceAll('\\\'', '\'').replaceAll('\\"', '"'));
    if (v.confidence > best.confidence) best = { confidence: v.confidence, reason: `quote-escape ${v.reason}` };
  }
  // a 0x… literal that spells SQL (MSSQL: EXEC(CAST(0x… AS VARCHAR))): the decoded text is read too
  if (best.confidence < 0.85 && (classes & C_HEX_PREFIX) !== 0 && input.indexOf('0x') >= 0) {
    const text = hexText(input);
    if (text !== undefined) {
      const v = readings(text);
      if (v.confidence >= 0.8) best = { confidence: Math.max(0.85, v.confidence * 0.95), reason: `hex-encoded ${v.reason}` };
    }
  }
  return best;
}

/** The raw, single- and double-quoted readings of one value: the strongest (exported for the pre-filter test). */
export function readings(input: string): SqliVerdict {
  let best = evaluate(input, 'raw');
  if (input.indexOf('\'') >= 0) { const v = evaluate(input, 'sq'); if (v.confidence > best.confidence) best = v; }
  if (input.indexOf('"') >= 0) { const v = evaluate(input, 'dq'); if (v.confidence > best.confidence) best = v; }
  // name`,(select …),`id: a value closing the backtick-quoted identifier it was pasted into (ORDER BY `…`);
  // the raw reading pairs its backticks into one name and never sees what they hold. Read when the
  // backtick closes a name, nothing else before it (markdown quotes code after a blank or a bracket: "run
  // `npm i`", "[`--flag`][]")
  const bt = input.indexOf('`');
  if (bt > 0 && bt <= 64 && /^[\w$.]+$/.test(input.slice(0, bt))) { const v = evaluate(input, 'bt'); if (v.confidence > best.confidence) best = v; }
  return best;
}
