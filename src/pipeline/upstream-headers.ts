import type { HeaderPair, RequestContext } from './context.js';

/**
 * Sets headers on the upstream request as one stage's word on them: values an earlier stage put under the
 * same names are dropped (the later stage wins, as when every value overwrote), while the values this
 * stage gives one name together stay a list (respond.ts sends them as one joined header).
 */
export function setUpstreamHeaders(ctx: RequestContext, pairs: readonly HeaderPair[]): void {
  if (pairs.length === 0) return;
  const names = new Set(pairs.map((p) => p[0].toLowerCase()));
  const kept = ctx.upstreamHeaders.filter((p) => !names.has(p[0].toLowerCase()));
  if (kept.length !== ctx.upstreamHeaders.length) ctx.upstreamHeaders.splice(0, ctx.upstreamHeaders.length, ...kept);
  ctx.upstreamHeaders.push(...pairs);
}
