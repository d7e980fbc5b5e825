import { createHash } from 'node:crypto';
import type { Hit } from './rule.js';

export interface OffenderEntry {
  domain: string;
  descriptor: string;
  /** The counter key: request values, or a hash of them where they may be credentials. */
  key: string;
  overLimit: number;
  /** Hits seen, for limits with detailed_metric only (envoyproxy/ratelimit's per-value counters); undefined otherwise. */
  hits?: number;
  firstSeen: number;
  lastSeen: number;
}

/**
 * The keys that hit their limits most, for the admin port: a bounded map of recently active keys (least
 * recently seen goes first when full), sorted by over-limit hits when read. Request values never reach
 * metric labels; they are only here, and hashed when the descriptor key or header looks like a
 * credential (or when reveal_values is off).
 */
export class Offenders {
  private readonly entries = new Map<string, OffenderEntry>();

  constructor(private readonly capacity: number, private readonly revealValues: boolean) {}

  get size(): number { return this.entries.size; }

  record(hit: Hit, over: boolean, now: number): void {
    if (this.capacity <= 0) return;
    const id = hit.key;
    let e = this.entries.get(id);
    if (e === undefined) {
      if (this.entries.size >= this.capacity) {
        const lru = this.entries.keys().next();
        if (!lru.done) this.entries.delete(lru.value);
      }
      e = {
        domain: hit.rule.domain, descriptor: hit.rule.descriptor, key: this.display(hit),
        overLimit: 0, hits: hit.rule.detailed ? 0 : undefined, firstSeen: now, lastSeen: now,
      };
    } else {
      this.entries.delete(id); // re-insert: most recently seen last
    }
    if (over) e.overLimit += hit.hits;
    if (e.hits !== undefined) e.hits += hit.hits;
    e.lastSeen = now;
    this.entries.set(id, e);
  }

  top(n: number): OffenderEntry[] {
    return [...this.entries.values()]
      .sort((a, b) => b.overLimit - a.overLimit || (b.hits ?? 0) - (a.hits ?? 0) || b.lastSeen - a.lastSeen)
      .slice(0, Math.max(0, n));
  }

  private display(hit: Hit): string {
    if (this.revealValues && !hit.redact) return hit.key;
    return `sha256:${createHash('sha256').update(hit.key).digest('hex').slice(0, 16)}`;
  }
}
