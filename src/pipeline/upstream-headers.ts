import type { HeaderPair, RequestContext } from './context.js';

/** Header names compare case-insensitively; most arrive lower-cased, so the common case costs one compare. */
export function sameHeaderName(a: string, b: string): boolean {
  return a === b || (a.length === b.length && a.toLowerCase() === b.toLowerCase());
}

/** Whether the name of `pairs[i]` is also the name of another pair (`earlierOnly`: of one before it). */
export function nameRepeats(pairs: readonly HeaderPair[], i: number, earlierOnly: boolean): boolean {
  const name = pairs[i]![0];
  const end = earlierOnly ? i : pairs.length;
  for (let j = 0; j < end; j++) if (j !== i && sameHeaderName(pairs[j]![0], name)) return true;
  return false;
}

/**
 * Sets headers on the upstream request as one stage's word on them: values an earlier stage put under the
 * same names are dropped (the later stage wins, as when every value overwrote), while the values this
 * stage gives one name together stay a list (respond.ts sends them as one joined header).
 */
export function setUpstreamHeaders(ctx: RequestContext, pairs: readonly HeaderPair[]): void {
  if (pairs.length === 0) return;
  const list = ctx.upstreamHeaders;
  let kept = 0;
  for (const p of list) if (!pairs.some((q) => sameHeaderName(q[0], p[0]))) list[kept++] = p;
  list.length = kept;
  list.push(...pairs);
}
