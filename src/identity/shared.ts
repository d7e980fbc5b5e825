/**
 * Resources that outlive one config load (JWKS fetchers, the revocation list, API key sets): a new
 * module instance acquires the ones whose config did not change from its predecessor, so a reload keeps
 * warm key sets and never re-opens a window where a revoked credential would pass. Reference counted:
 * released by close(); stopped when the last holder lets go.
 */
export interface SharedResource {
  start(): void;
  stop(): void;
}

interface Entry { res: SharedResource; refs: number }

export class SharedRegistry {
  private readonly entries = new Map<string, Entry>();

  acquire<T extends SharedResource>(key: string, make: () => T): T {
    let e = this.entries.get(key);
    if (e === undefined) { e = { res: make(), refs: 0 }; this.entries.set(key, e); }
    e.refs++;
    return e.res as T;
  }

  release(key: string): void {
    const e = this.entries.get(key);
    if (e === undefined) return;
    if (--e.refs <= 0) { this.entries.delete(key); e.res.stop(); }
  }

  size(): number { return this.entries.size; }
}
