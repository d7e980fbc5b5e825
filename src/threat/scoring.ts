import type { Finding } from '../pipeline/context.js';

export type Action = 'block' | 'throttle' | 'log' | 'none';

export interface Thresholds { block: number; throttle: number }

/** Default family weights: injection and reputation findings count fully, behaviour less. */
export const DEFAULT_WEIGHTS: Readonly<Record<string, number>> = {
  sqli: 1, xss: 1, traversal: 1, cmdi: 1, oversize: 1, bot: 0.7, anomaly: 0.8,
  // a body in a declared charset nothing decodes (inputs.ts charsetFinding): read as UTF-8, not as the application reads it
  charset: 1,
  // refusals (IP lists and feeds, geo, bans, CSRF, validation) deny outright in enforce mode; in detect mode
  // their findings are scored with these weights
  ip: 1, geo: 1, ban: 1, csrf: 1, validation: 0.5,
};

/** The finding families there are: the only keys `scoring.weights` accepts. */
export const SCORED_FAMILIES = Object.keys(DEFAULT_WEIGHTS);

/**
 * Risk in [0, 1]: per family the strongest finding (weighted), combined as independent evidence
 * (noisy-OR: 1 − Π(1 − w·c)). Many weak findings in one family do not add up; findings in different
 * families do.
 */
export function riskScore(findings: readonly Finding[], weights: Readonly<Record<string, number>>): number {
  if (findings.length === 0) return 0;
  const best = new Map<string, number>();
  for (const f of findings) {
    const w = weights[f.family] ?? 1;
    const v = Math.max(0, Math.min(1, w * f.confidence));
    if (v > (best.get(f.family) ?? 0)) best.set(f.family, v);
  }
  let keep = 1;
  for (const v of best.values()) keep *= 1 - v;
  return Math.round((1 - keep) * 1000) / 1000;
}

export function actionFor(score: number, t: Thresholds): Action {
  if (score <= 0) return 'none'; // nothing found: no threshold acts on it
  if (score >= t.block) return 'block';
  if (score >= t.throttle) return 'throttle';
  return score > 0 ? 'log' : 'none';
}

/** The finding that drove the score (strongest weighted). */
export function topFinding(findings: readonly Finding[], weights: Readonly<Record<string, number>>): Finding | undefined {
  let top: Finding | undefined;
  let best = -1;
  for (const f of findings) {
    const v = (weights[f.family] ?? 1) * f.confidence;
    if (v > best) { best = v; top = f; }
  }
  return top;
}
