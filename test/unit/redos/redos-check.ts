/**
 * ReDoS verdict for one pattern, from recheck (https://makenowjust-labs.github.io/recheck/): it builds the
 * pattern's automaton and decides whether a backtracking matcher (V8's Irregexp is one) can take super-linear
 * time — exponential (`(a+)+`) or polynomial (`\s*,\s*` searched unanchored is quadratic). Patterns the
 * automaton checker does not support (back-references, look-behind …) go to its fuzzer, which runs the
 * pattern on generated attack strings.
 *
 * Runs recheck's pure-JavaScript engine in this process (RECHECK_SYNC_BACKEND=pure), so the verdict needs
 * neither its optional native binary nor Java, and is the same on every machine (and under any load: no
 * limit but the overall timeout is measured in time).
 */
import { checkSync, type Diagnostics } from 'recheck';

export interface Verdict {
  status: Diagnostics['status'];
  /** 'linear', 'safe', 'constant', 'polynomial', 'exponential' — or the error kind when unknown. */
  complexity: string;
  checker?: string;
  /** For a vulnerable pattern: the attack string recheck found, as a JS expression (`'a'.repeat(31) + '!'`). */
  attack?: string;
  /** Character ranges of the pattern that cause the backtracking. */
  hotspots?: string;
}

export function checkRedos(source: string, flags: string): Verdict {
  const prev = process.env.RECHECK_SYNC_BACKEND;
  process.env.RECHECK_SYNC_BACKEND = 'pure';
  try {
    // recheck rejects the `d` (indices) flag, which does not change matching.
    // Deterministic: the fuzzer's limits are counts of characters read (attackLimit, incubationLimit), not
    // wall-clock times, which a loaded CI machine would exceed and report as an attack or a timeout.
    const d = checkSync(source, flags.replace('d', ''), {
      checker: 'auto', randomSeed: 1, timeout: 120_000, attackTimeout: null, incubationTimeout: null, seedingTimeout: null,
    });
    if (d.status === 'safe') return { status: d.status, complexity: d.complexity.type, checker: d.checker };
    if (d.status === 'vulnerable') {
      const hot = d.hotspot.map((h) => source.slice(h.start, h.end)).join(' ');
      return { status: d.status, complexity: d.complexity.summary, checker: d.checker, attack: d.attack.pattern, hotspots: hot };
    }
    return { status: d.status, complexity: `${d.error.kind}${'message' in d.error ? `: ${d.error.message}` : ''}`, checker: d.checker };
  } finally {
    if (prev === undefined) delete process.env.RECHECK_SYNC_BACKEND;
    else process.env.RECHECK_SYNC_BACKEND = prev;
  }
}
