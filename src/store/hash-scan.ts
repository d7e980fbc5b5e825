import type { Cluster, Redis } from 'ioredis';

/** Fields per HSCAN reply: ~100 KB for revocation or API-key entries, a few ms to send and parse. */
export const HSCAN_COUNT = 1000;
/** Tries per batch: one slow reply (a GC pause, a busy event loop) does not fail the whole read. */
const TRIES_PER_BATCH = 3;
/**
 * Batches before a scan is given up: 10⁸ buckets visited. Redis returns to cursor 0 within about (table size /
 * COUNT) batches; a server or proxy whose cursor never does would otherwise keep the load (and its memory) going forever.
 */
export const MAX_HSCAN_BATCHES = 100_000;

/**
 * A whole hash, read in HSCAN batches instead of one HGETALL. The hashes read whole are background loads
 * (the revocation list, API keys, policy data); one HGETALL of 50k entries is a reply of several MB that no
 * command deadline sized for the Check path (25 ms by default) lets through, so such a hash never loaded.
 * Each batch is a small command under that same deadline. HSCAN returns every field present for the whole
 * scan (a field changed during it may come with either value, as it might have just after an HGETALL);
 * fields returned twice are the same field.
 */
export async function scanHash(redis: Redis | Cluster, key: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  let cursor = '0';
  let batches = 0;
  do {
    if (batches++ >= MAX_HSCAN_BATCHES) throw new Error(`HSCAN of ${key} did not finish after ${MAX_HSCAN_BATCHES} batches (the server's cursor never returned to 0)`);
    let reply: [string, string[]] | undefined;
    for (let attempt = 1; reply === undefined; attempt++) {
      try {
        reply = await redis.hscan(key, cursor, 'COUNT', HSCAN_COUNT);
      } catch (err) {
        if (attempt >= TRIES_PER_BATCH || !/timed out/i.test((err as Error).message)) throw err;
      }
    }
    const [next, flat] = reply;
    for (let i = 0; i + 1 < flat.length; i += 2) putField(out, flat[i]!, flat[i + 1]!);
    cursor = next;
  } while (cursor !== '0');
  return out;
}

/** out[field] = value, also for a field named `__proto__` (an assignment would set the object's prototype). */
function putField(out: Record<string, string>, field: string, value: string): void {
  if (field === '__proto__') Object.defineProperty(out, field, { value, enumerable: true, writable: true, configurable: true });
  else out[field] = value;
}
