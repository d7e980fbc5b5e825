import type { Hit, Verdict } from '../rule.js';
import type { CounterOp, RawResult } from '../store/types.js';
import { finishFixed, planFixed } from './fixed-window.js';
import { finishGcra, planGcra } from './gcra.js';
import { finishSliding, planSliding } from './sliding-window.js';

/** The store operation for one hit. */
export function plan(hit: Hit, tag: string, now: number): CounterOp {
  switch (hit.rule.algorithm) {
    case 'sliding_window': return planSliding(hit, tag, now);
    case 'gcra': return planGcra(hit, tag);
    default: return planFixed(hit, tag, now);
  }
}

/** The verdict for one hit from the store's raw answer. */
export function finish(hit: Hit, r: RawResult, now: number): Verdict {
  switch (hit.rule.algorithm) {
    case 'sliding_window': return finishSliding(hit, r, now);
    case 'gcra': return finishGcra(hit, r, now);
    default: return finishFixed(hit, r, now);
  }
}
