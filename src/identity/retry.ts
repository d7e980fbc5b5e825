import type { Logger } from 'pino';
import type { KvStore } from '../store/types.js';

/** 100 ms, 200 ms, 400 ms … capped. */
export function backoffMs(attempt: number, maxMs: number): number {
  return Math.min(maxMs, 100 * 2 ** Math.min(attempt, 12));
}

/**
 * A store subscription that keeps trying until SUBSCRIBE succeeds (the store may still be connecting at
 * start, or down). Once subscribed, the store client re-subscribes by itself across reconnects.
 * `onSubscribed` runs once subscribed, and again each time the subscription is back after a lost
 * connection (messages published meanwhile were missed): the caller re-reads the state the channel announces.
 * `first` settles after the first attempt (subscribed, or failed and retrying in the background).
 */
export function subscribeWithRetry(store: KvStore, channel: string, handler: (m: string) => void, logger: Logger, onSubscribed?: () => void): { stop(): Promise<void>; first: Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let unsubscribe: (() => Promise<void>) | undefined;
  let attempt = 0;
  let firstDone: () => void = () => undefined;
  const first = new Promise<void>((resolve) => { firstDone = resolve; });
  const tryOnce = (): void => {
    store.subscribe(channel, handler, onSubscribed).then((u) => {
      if (stopped) { void u().catch(() => undefined); firstDone(); return; }
      unsubscribe = u;
      onSubscribed?.();
      firstDone();
    }, (err) => {
      firstDone();
      if (stopped) return;
      if (attempt === 0) logger.warn({ channel, err: (err as Error).message }, 'subscribe failed; retrying');
      timer = setTimeout(tryOnce, backoffMs(attempt++, 5000));
      timer.unref();
    });
  };
  tryOnce();
  return {
    first,
    stop() {
      stopped = true;
      clearTimeout(timer);
      const u = unsubscribe;
      unsubscribe = undefined;
      return u === undefined ? Promise.resolve() : u().catch(() => undefined);
    },
  };
}
