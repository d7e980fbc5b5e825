/**
 * Something a config reload can hand over to the next module instance (a bundle fetcher, a data source):
 * reference-counted, started once, stopped when the last instance that uses it is closed.
 */
export abstract class SharedHandle<T> {
  private refs = 0;
  private started = false;
  private stopped = false;
  private readonly listeners = new Set<(value: T) => void>();

  /** Identity of the configuration this handle was made from (a new instance with the same key adopts it). */
  constructor(readonly key: string) {}

  retain(): this {
    this.refs++;
    return this;
  }

  async release(): Promise<void> {
    if (--this.refs > 0 || this.stopped) return;
    this.stopped = true;
    this.listeners.clear();
    await this.onStop();
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Starts background work once, however many instances call it. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.onStart();
  }

  subscribe(fn: (value: T) => void): () => void {
    this.listeners.add(fn);
    return () => { this.listeners.delete(fn); };
  }

  protected emit(value: T): void {
    for (const fn of this.listeners) fn(value);
  }

  protected abstract onStart(): void;
  protected abstract onStop(): Promise<void>;
}

/** Adopt the previous instance's handle with the same key, or make a new one; either way retained. */
export function adopt<H extends SharedHandle<any>>(previous: Iterable<H> | undefined, key: string, make: () => H): H {
  for (const h of previous ?? []) if (h.key === key && !h.isStopped) return h.retain();
  return make().retain();
}
