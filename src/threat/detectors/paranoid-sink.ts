import type { InjectionFamily } from './index.js';

/** One finding of a paranoia-level rule (paranoid.ts). */
export interface ParanoidFinding { family: InjectionFamily; confidence: number; detail: string; level: number; markup?: boolean }

const HIT = 0.85;

/** Where the rules put their findings: one per family, the first rule that fires wins, levels above pl are dropped. */
export interface Sink { out: ParanoidFinding[]; pl: number }
export function add(k: Sink, level: number, family: InjectionFamily, detail: string, markup = false): void {
  if (level > k.pl) return;
  const out = k.out;
  for (let i = 0; i < out.length; i++) if (out[i]!.family === family) return;
  out.push({ family, confidence: HIT, detail, level, markup });
}
