import type { Cluster, Redis } from 'ioredis';
import { DECIDE_LUA } from './redis-lua.js';
import type { CommitMode, CounterOp, CounterStore, RawResult } from './types.js';

const COMMAND = 'portcullisRatelimitDecideV1';

type Client = (Redis | Cluster) & { [COMMAND]?: (...args: Array<string | number>) => Promise<Array<string | number>> };

/**
 * Counters in Redis or Redis Cluster: one Lua script call per decision (per hash tag group). Keys are
 * `<prefix>{<tag>}<counter key>`; every op of a call shares its tag, so on a Cluster the call goes to one
 * slot. With hash_tag "domain" (the default) a decision always has one tag: one call, atomic across all
 * of its counters. With "key" each counter has its own tag and a decision spanning several makes one
 * call per tag, in parallel (atomic per counter).
 */
export class RedisCounterStore implements CounterStore {
  readonly kind: 'redis' | 'cluster';
  private readonly client: Client;

  constructor(client: Redis | Cluster, private readonly prefix: string) {
    this.client = client as Client;
    this.kind = (client as Cluster).isCluster ? 'cluster' : 'redis';
    if (typeof this.client[COMMAND] !== 'function') {
      // defineCommand: EVALSHA, and EVAL on NOSCRIPT (script cache flushed, Redis restarted, new node)
      this.client.defineCommand(COMMAND, { lua: DECIDE_LUA });
    }
  }

  /** Redis key of a counter (exposed for tests and the admin view). */
  redisKey(op: CounterOp, which: 'key' | 'key2' = 'key'): string {
    // braces inside the tag would end it early (or make it empty, hashing each key apart): replace them
    const tag = /[{}]/.test(op.tag) ? op.tag.replace(/[{}]/g, '_') : op.tag;
    return `${this.prefix}{${tag}}${which === 'key' ? op.key : op.key2}`;
  }

  decide(ops: CounterOp[], mode: CommitMode, now: number): Promise<RawResult[]> {
    if (this.kind === 'redis' || ops.length <= 1) return this.call(ops, mode, now);
    const tag = ops[0]!.tag;
    let single = true;
    for (let i = 1; i < ops.length; i++) if (ops[i]!.tag !== tag) { single = false; break; }
    if (single) return this.call(ops, mode, now);
    // several tags on a Cluster: one call per tag, answers put back in order
    const groups = new Map<string, number[]>();
    ops.forEach((op, i) => { const g = groups.get(op.tag); if (g) g.push(i); else groups.set(op.tag, [i]); });
    return Promise.all([...groups.values()].map((idx) => this.call(idx.map((i) => ops[i]!), mode, now).then((r) => ({ idx, r }))))
      .then((parts) => {
        const out: RawResult[] = new Array(ops.length);
        for (const { idx, r } of parts) idx.forEach((i, j) => { out[i] = r[j]!; });
        return out;
      });
  }

  private async call(ops: CounterOp[], mode: CommitMode, now: number): Promise<RawResult[]> {
    const keys: string[] = new Array(ops.length * 2);
    const args: Array<string | number> = [mode === 'independent' ? 0 : 1, now];
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      keys[2 * i] = this.redisKey(op, 'key');
      keys[2 * i + 1] = this.redisKey(op, 'key2');
      args.push(op.kind, op.a, op.hits, op.p, Math.max(1, Math.ceil(op.ttlMs)), op.shadow ? 1 : 0);
    }
    const reply = await this.client[COMMAND]!(keys.length, ...keys, ...args);
    if (!Array.isArray(reply) || reply.length !== ops.length * 3) throw new Error('unexpected reply from the rate-limit script');
    const out: RawResult[] = new Array(ops.length);
    for (let i = 0; i < ops.length; i++) {
      out[i] = { ok: Number(reply[3 * i]) === 1, x: Number(reply[3 * i + 1]), y: Number(reply[3 * i + 2]) };
    }
    return out;
  }
}
