/** The strongest command-injection reading of a value so far, shared by the cmdi readers. */
export interface Acc { best: number; why: string }

/** Keep the finding if it is stronger than the best so far. */
export function take(acc: Acc, c: number, why: string): void { if (c > acc.best) { acc.best = c; acc.why = why; } }
