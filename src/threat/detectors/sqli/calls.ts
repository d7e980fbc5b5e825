import { DANGEROUS_FUNCTIONS, T } from './lexicon.js';
import type { SqlReader } from './parser.js';
import type { Token } from './tokenizer.js';

/**
 * Comparisons built from SQL's own functions: blind extraction compares a piece of data with a constant
 * (`substr(user,1,1) = lower(…)`, `ascii(mid(…)) > 64`), fingerprinting compares what the server says
 * about itself (`database() like schema()`).
 */

/** Functions that report on the server or session when called with no arguments. */
const METADATA = new Set(['version', 'database', 'schema', 'user', 'current_user', 'system_user', 'session_user', 'db_name',
  'current_database', 'sqlite_version', 'connection_id', 'host_name', 'suser_sname']);

/** toks[a..b) holds a call (no space before '(') of a function injection payloads lean on. */
export function holdsSqlCall(toks: readonly Token[], a: number, b: number): boolean {
  for (let k = a; k < b; k++) {
    const t = toks[k]!;
    if (t.type === T.FUNCTION && !t.spaced && DANGEROUS_FUNCTIONS.has(t.value)) return true;
  }
  return false;
}

/** Tokens a whole-value comparison of metadata calls may take. */
const MAX_COMPARISON = 32;

/** The whole value compares, and one side is a metadata call with no arguments: database() like schema(). */
export function metadataComparison(r: SqlReader, toks: readonly Token[]): number {
  let call = false;
  for (let k = 0; k + 2 < toks.length && k < MAX_COMPARISON && !call; k++) {
    const t = toks[k]!;
    call = t.type === T.FUNCTION && METADATA.has(t.value) && toks[k + 1]!.type === T.LPAREN && toks[k + 2]!.type === T.RPAREN;
  }
  if (!call || toks.length > MAX_COMPARISON) return 0;
  const e = r.expr(0);
  return e.end === toks.length && e.compare ? 0.85 : 0;
}
