import { CATALOG_WORDS, DDL_OBJECTS, NAME_KEYWORDS, PROBE_FUNCTIONS, PROBE_PACKAGES, T } from './lexicon.js';
import type { Token } from './tokenizer.js';
import { queryEnds, readClauses } from './clauses.js';

/**
 * A small recursive-descent reader over SQL tokens (comments removed). It does not validate SQL; it
 * measures how much of a token run reads as an expression, a predicate or a statement, and what evidence
 * the run carries: comparisons, literals, probe functions, sub-queries, tautologies.
 */
export interface ExprInfo {
  /** Index after the expression; -1 when no expression starts here. */
  end: number;
  compare: boolean;
  literal: boolean;
  func: boolean;
  probe: boolean;
  subquery: boolean;
  tautology: boolean;
  values: number;
  /** Operands that were plain names (identifiers), as opposed to literals, calls or groups. */
  names: number;
  catalog: boolean;
}

/** Quantifiers of a comparison with a sub-query (x = ALL (select …)). */
const QUANTIFIERS = new Set(['all', 'any', 'some']);

/** Token visits one reader may spend on a value: keeps the reader linear-bounded on hostile input. */
const STEP_BUDGET = 60_000;
/** A group that does not close within this many tokens is read as running to here. */
const MAX_GROUP = 256;

export class SqlReader {
  private depth = 0;
  private steps = 0;
  constructor(readonly toks: readonly Token[]) {}

  private fresh(): ExprInfo {
    return { end: -1, compare: false, literal: false, func: false, probe: false, subquery: false, tautology: false, values: 0, names: 0, catalog: false };
  }

  /** Index after the ')' matching the '(' at i (or toks.length), noting what the group holds. */
  skipGroup(i: number, info: ExprInfo): number {
    let depth = 0;
    const toks = this.toks;
    const end = Math.min(toks.length, i + MAX_GROUP);
    for (let j = i; j < end; j++) {
      if (++this.steps > STEP_BUDGET) return toks.length;
      const t = toks[j]!;
      if (t.type === T.LPAREN) depth++;
      else if (t.type === T.RPAREN) { depth--; if (depth === 0) return j + 1; }
      else if (t.type === T.STATEMENT && t.value === 'select') info.subquery = true;
      else if (t.type === T.UNION) info.subquery = true;
      else if (t.type === T.FUNCTION) { info.func = true; if (PROBE_FUNCTIONS.has(t.value)) info.probe = true; }
      else if (t.type === T.BAREWORD && CATALOG_WORDS.has(t.value)) info.catalog = true;
      else if (t.type === T.VARIABLE && t.value.startsWith('@@')) info.probe = true;
    }
    return end;
  }

  /** One operand: literal, name, variable, call, parenthesised group, with unary operators. */
  value(i: number, info: ExprInfo): number {
    if (++this.steps > STEP_BUDGET) return -1;
    const toks = this.toks;
    let t = toks[i];
    let guard = 0;
    while (t && (t.type === T.NOT || (t.type === T.ARITH && (t.value === '-' || t.value === '+' || t.value === '~'))) && guard++ < 8) t = toks[++i];
    if (!t) return -1;
    switch (t.type) {
      case T.STRING: case T.NUMBER:
        info.literal = true; info.values++;
        return i + 1;
      case T.VARIABLE:
        info.literal = true; info.values++;
        if (t.value.startsWith('@@')) info.probe = true;
        return i + 1;
      case T.BAREWORD: {
        info.values++; info.names++;
        if (CATALOG_WORDS.has(t.value)) info.catalog = true;
        // Oracle packages reached through a dot: utl_http.request, dbms_pipe.receive_message
        // (only packages: sleep.c or benchmark.hpp is a file name, not a call)
        if (PROBE_PACKAGES.has(t.value) && toks[i + 1]?.type === T.DOT) info.probe = true;
        // a name, spaces, then an argument list: a call of a function the lexicon does not know (soundex (1));
        // it only lengthens the operand (no evidence of its own: prose puts asides in parentheses too)
        if (toks[i + 1]?.type === T.LPAREN) return this.skipGroup(i + 1, this.fresh());
        let j = i + 1;
        let hops = 0;
        while (toks[j]?.type === T.DOT && hops++ < 4) {
          const nx = toks[j + 1];
          if (!nx) return j;
          if (nx.type === T.FUNCTION) return this.value(j + 1, info);
          if (nx.type !== T.BAREWORD && nx.type !== T.KEYWORD && nx.type !== T.NUMBER) return j;
          if (CATALOG_WORDS.has(nx.value)) info.catalog = true;
          j += 2;
        }
        return j;
      }
      case T.FUNCTION: {
        info.func = true; info.values++;
        if (PROBE_FUNCTIONS.has(t.value)) info.probe = true;
        if (toks[i + 1]?.type !== T.LPAREN) return i + 1;
        return this.skipGroup(i + 1, info);
      }
      case T.LPAREN: {
        info.values++;
        const inner = toks[i + 1];
        if (inner && inner.type === T.STATEMENT && inner.value === 'select') info.subquery = true;
        else if (this.depth < 6) {
          // a parenthesised expression: what it compares counts as if it stood outside
          this.depth++;
          const e = this.expr(i + 1);
          this.depth--;
          if (e.end > 0) merge(info, e);
        }
        return this.skipGroup(i, info);
      }
      case T.COMPARE: {
        // MySQL full-text search: MATCH (cols) AGAINST ('words' …) is a predicate only a query writes
        if (t.value !== 'match' || toks[i + 1]?.type !== T.LPAREN) return -1;
        const j = this.skipGroup(i + 1, info);
        if (toks[j]?.value !== 'against' || toks[j + 1]?.type !== T.LPAREN) return -1;
        info.values++; info.func = true;
        return this.skipGroup(j + 1, info);
      }
      case T.KEYWORD:
        // a non-reserved keyword where an operand stands is a column name (where column = 1)
        if (NAME_KEYWORDS.has(t.value)) { info.values++; info.names++; return i + 1; }
        if (t.value === 'exists' && toks[i + 1]?.type === T.LPAREN) { info.values++; return this.skipGroup(i + 1, info); }
        // = ALL (select …) / > ANY (…) / < SOME (…): a quantified comparison with a sub-query
        if (QUANTIFIERS.has(t.value) && toks[i + 1]?.type === T.LPAREN && toks[i + 2]?.value === 'select') {
          info.values++; info.subquery = true; return this.skipGroup(i + 1, info);
        }
        // a bare EXISTS / a predicate keyword standing as an operand: only SQL writes that
        if (t.value === 'exists') { info.values++; info.func = true; return i + 1; }
        if (t.value === 'case') {
          // CASE … END
          for (let j = i + 1; j < toks.length && j < i + 40; j++) if (toks[j]!.value === 'end') { info.values++; info.func = true; return j + 1; }
        }
        return -1;
      default:
        return -1;
    }
  }

  /** operand ((arith | compare) operand)* */
  expr(i: number): ExprInfo {
    const info = this.fresh();
    const toks = this.toks;
    const start = i;
    let end = this.value(i, info);
    if (end < 0) return info;
    let prevStart = start;
    let guard = 0;
    while (end < toks.length && guard++ < 32) {
      let op = toks[end]!;
      let opIdx = end;
      if (op.type === T.NOT && toks[end + 1]?.type === T.COMPARE) { opIdx = end + 1; op = toks[opIdx]!; }
      if (op.type !== T.ARITH && op.type !== T.COMPARE) break;
      let rhs = opIdx + 1;
      if (op.value === 'is' && toks[rhs]?.type === T.NOT) rhs++;
      if (op.value === 'sounds like') { /* fallthrough */ }
      const rhsStart = rhs;
      const next = this.value(rhs, info);
      if (next < 0) break;
      if (op.type === T.COMPARE) {
        info.compare = true;
        if ((op.value === '=' || op.value === 'like' || op.value === '<=>' || op.value === '==' || op.value === 'is') &&
            this.same(prevStart, opIdx, rhsStart, next)) info.tautology = true;
        if (op.value === 'between' && toks[next]?.type === T.LOGIC && toks[next]!.value === 'and') {
          const n2 = this.value(next + 1, info);
          if (n2 > 0) { end = n2; prevStart = next + 1; continue; }
        }
      }
      prevStart = rhsStart;
      end = next;
    }
    info.end = end;
    return info;
  }

  /** Same token text on both sides of a comparison, parentheses aside: 1=1, 'a'='a, x=x, ('x')=('x. */
  private same(a0: number, a1: number, b0: number, b1: number): boolean {
    if (a1 - a0 > 12 || b1 - b0 > 12) return false;
    let i = a0, j = b0;
    const skip = (k: number, end: number) => { while (k < end && (this.toks[k]!.type === T.LPAREN || this.toks[k]!.type === T.RPAREN)) k++; return k; };
    for (;;) {
      i = skip(i, a1); j = skip(j, b1);
      if (i >= a1 || j >= b1) return i >= a1 && j >= b1 && i > a0;
      const x = this.toks[i]!, y = this.toks[j]!;
      if (x.value !== y.value) return false;
      if (x.type !== y.type && !(x.type === T.STRING || y.type === T.STRING)) return false;
      i++; j++;
    }
  }

  /** A comma-separated list of expressions (select lists, order by lists). */
  list(i: number): { end: number; items: number; info: ExprInfo } {
    const all = this.fresh();
    let items = 0;
    let end = i;
    let guard = 0;
    while (guard++ < 64) {
      if (this.toks[end]?.type === T.ARITH && this.toks[end]!.value === '*') { end++; items++; all.literal = true; }
      else {
        const e = this.expr(end);
        if (e.end < 0) break;
        merge(all, e);
        end = e.end;
        items++;
        // optional alias: `expr alias` / `expr as alias`
        const nx = this.toks[end];
        if (nx && nx.type === T.KEYWORD && nx.value === 'as' && this.toks[end + 1]) end += 2;
        else if (nx && nx.type === T.BAREWORD) end++;
      }
      if (this.toks[end]?.type !== T.COMMA) break;
      end++;
    }
    all.end = items > 0 ? end : -1;
    return { end: all.end, items, info: all };
  }

  /**
   * Confidence that a statement starts at i (toks[i] is a statement verb). `stacked`: it follows `;`
   * or a context break, so a plausible shape is enough.
   */
  statement(i: number, stacked: boolean): number {
    const toks = this.toks;
    const verb = toks[i];
    if (!verb || verb.type !== T.STATEMENT) return 0;
    const nx = toks[i + 1];
    const nx2 = toks[i + 2];
    const boost = (base: number) => (stacked ? Math.max(base, 0.9) : base);
    switch (verb.value) {
      case 'select': {
        // SELECT DISTINCT / ALL, T-SQL SELECT TOP n: a row limit is a literal of the query
        let s0 = i + 1;
        while (toks[s0]?.value === 'distinct' || toks[s0]?.value === 'all') s0++;
        const top = toks[s0]?.value === 'top' && toks[s0 + 1]?.type === T.NUMBER;
        if (top) s0 += 2;
        const l = this.list(s0);
        if (l.end < 0) return 0;
        const e = l.info;
        let fromOk = false;
        let j = l.end;
        if (toks[j]?.value === 'from') {
          const src = this.list(j + 1);
          if (src.end > 0) { fromOk = true; j = src.end; if (src.info.catalog) e.catalog = true; if (src.info.subquery) e.subquery = true; }
        } else if (toks[j]?.value === 'into') fromOk = true;
        const after = toks[j];
        const tidy = after === undefined || after.type === T.SEMICOLON || after.type === T.CLAUSE || after.type === T.UNION || after.type === T.RPAREN || after.type === T.COMMENT;
        if (top) e.literal = true;
        if (e.probe || e.catalog || e.subquery) return 0.95;
        // FROM source, then clauses that read (where id=1, limit 1,1, order by 2) up to the query's end
        if (fromOk) { const cl = readClauses(this, toks, j); if (cl > j && queryEnds(toks[cl])) return boost(0.85); }
        // the whole value is SELECT 'text': an instruction naming a menu item (select 'save'), it reads nothing
        if (i === 0 && !stacked && !fromOk && after === undefined && l.items === 1 && toks[i + 1]?.type === T.STRING && l.end === i + 2) return 0.4;
        if ((e.literal || e.func || l.items > 1) && (tidy || fromOk)) return boost(0.85);
        if (e.literal || e.func || l.items > 1) return stacked ? 0.5 : 0.4;
        if (fromOk && after?.type === T.SEMICOLON) return boost(0.8);
        if (fromOk && tidy) return boost(0.45);
        return stacked ? 0.6 : 0.2;
      }
      case 'insert': case 'replace':
        if (nx?.value === 'into') {
          for (let j = i + 2; j < toks.length && j < i + 40; j++) if (toks[j]!.value === 'values' || toks[j]!.value === 'select') return boost(0.9);
          return boost(0.5);
        }
        return stacked ? 0.5 : 0.1;
      case 'update':
        if (nx?.type === T.BAREWORD && nx2?.type === T.STATEMENT && nx2.value === 'set') return boost(0.9);
        return stacked ? 0.4 : 0.1;
      case 'delete':
        if (nx?.value === 'from' && toks[i + 2]?.type === T.BAREWORD) {
          const after = toks[i + 3];
          if (after?.type === T.CLAUSE || after?.type === T.SEMICOLON) return boost(0.9);
          return boost(0.6);
        }
        return stacked ? 0.4 : 0.1;
      case 'drop': case 'create': case 'alter': case 'truncate':
        if (nx && DDL_OBJECTS.has(nx.value)) return boost(0.85);
        return stacked ? 0.5 : 0.1;
      case 'exec': case 'execute':
        // EXEC proc / EXEC (@sql) / EXEC ('…'): dynamic SQL takes a string or a variable, not a word ("Execute (tsx): …").
        // A string that never closes is an apostrophe in prose ("it exec's helper programs"), unless a break came
        // first (stacked): then the application's own closing quote ends it.
        if (nx && ((nx.type === T.BAREWORD && /^(xp_|sp_|master|dbo|sys|immediate)/.test(nx.value)) || (nx.type === T.LPAREN && dynamicSqlArg(toks[i + 2])) ||
          (nx.type === T.STRING && (nx.closed || stacked)) || nx.type === T.VARIABLE || nx.type === T.FUNCTION)) return boost(0.9);
        return stacked ? 0.6 : 0.1;
      case 'declare':
        return nx?.type === T.VARIABLE ? boost(0.9) : stacked ? 0.5 : 0.1;
      case 'waitfor delay': case 'waitfor':
        return nx?.type === T.STRING || nx?.value === 'time' ? 0.95 : stacked ? 0.6 : 0.2;
      case 'shutdown': case 'reconfigure':
        return stacked ? 0.9 : nx === undefined ? 0.3 : 0.1;
      case 'grant': case 'revoke': {
        // GRANT <privilege> [ON object] TO grantee
        const priv = nx && (nx.type === T.STATEMENT || PRIVILEGES.has(nx.value));
        if (!priv) return stacked ? 0.4 : 0.1;
        for (let j = i + 1; j < toks.length && j < i + 12; j++) if (toks[j]!.value === 'to' || toks[j]!.value === 'from') return boost(0.8);
        return stacked ? 0.6 : 0.1;
      }
      case 'call':
        return nx?.type === T.FUNCTION ? boost(0.75) : stacked ? 0.4 : 0;
      case 'set':
        return nx?.type === T.VARIABLE && nx2?.type === T.COMPARE ? boost(0.7) : stacked ? 0.4 : 0;
      case 'copy':
        return (toks[i + 2]?.value === 'from' || toks[i + 2]?.value === 'to') && toks[i + 3]?.type === T.STRING ? boost(0.85) : stacked ? 0.6 : 0;
      case 'backup': case 'restore':
        return nx?.value === 'database' || nx?.value === 'log' ? boost(0.85) : stacked ? 0.6 : 0;
      case 'begin':
        if (nx?.type === T.STATEMENT) return Math.max(0.75, this.statement(i + 1, true));
        return stacked && nx !== undefined ? 0.5 : stacked ? 0.4 : 0;
      case 'show': case 'describe': case 'desc': case 'explain': case 'use':
        // desc users; / show tables -- : one object name, then the statement ends
        if (stacked && nx && (nx.type === T.BAREWORD || nx.type === T.KEYWORD) && (nx2 === undefined || nx2.type === T.SEMICOLON)) return 0.85;
        return stacked && nx !== undefined ? 0.5 : stacked ? 0.4 : 0;
      case 'commit': case 'rollback':
      case 'pragma': case 'load': case 'handler': case 'rename': case 'dbcc':
      case 'bulk': case 'attach': case 'vacuum': case 'kill': case 'merge':
        return stacked && nx !== undefined ? 0.5 : stacked ? 0.4 : 0;
      case 'print':
        // T-SQL PRINT @@version / PRINT @@servername: a disclosure only an injected batch writes
        if (nx?.type === T.VARIABLE && nx.value.startsWith('@@')) return boost(0.85);
        return stacked && nx !== undefined ? 0.5 : 0;
      case 'openrowset': case 'opendatasource':
        return 0.9;
      default:
        return stacked ? 0.5 : 0;
    }
  }
}

const PRIVILEGES = new Set(['all', 'connect', 'resource', 'dba', 'usage', 'references', 'alter', 'index', 'file', 'process', 'super', 'reload', 'replication', 'privileges', 'role', 'sysadmin', 'public', 'create', 'drop', 'trigger', 'temporary', 'lock', 'event']);

export function merge(into: ExprInfo, e: ExprInfo): void {
  into.compare ||= e.compare; into.literal ||= e.literal; into.func ||= e.func; into.probe ||= e.probe;
  into.subquery ||= e.subquery; into.tautology ||= e.tautology; into.catalog ||= e.catalog;
  into.values += e.values;
}

/** What EXEC ( … ) runs: a string, a variable, or a call that builds one (char(…), concat(…)). */
function dynamicSqlArg(t: Token | undefined): boolean {
  return t !== undefined && (t.type === T.STRING || t.type === T.VARIABLE || t.type === T.FUNCTION || t.type === T.LPAREN);
}
