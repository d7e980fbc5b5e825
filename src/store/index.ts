import type { Logger } from 'pino';
import { DEFAULT_MEMORY_MAX_KEYS, MemoryStore } from './memory.js';
import { RedisStore } from './redis.js';
import type { KvStore } from './types.js';

export interface StoreConfig {
  kind: 'memory' | 'redis' | 'cluster';
  url?: string;
  nodes?: string[];
  password?: string;
  command_timeout_ms?: number;
  connect_timeout_ms?: number;
  key_prefix?: string;
  max_keys?: number;
}

export function createStore(cfg: StoreConfig | undefined, logger: Logger): KvStore {
  if (cfg === undefined || cfg.kind === 'memory') return new MemoryStore(Date.now, 10_000, cfg?.max_keys ?? DEFAULT_MEMORY_MAX_KEYS);
  return new RedisStore({
    url: cfg.kind === 'redis' ? cfg.url : undefined,
    cluster: cfg.kind === 'cluster' ? cfg.nodes : undefined,
    password: cfg.password,
    commandTimeoutMs: cfg.command_timeout_ms ?? 25,
    connectTimeoutMs: cfg.connect_timeout_ms ?? 1000,
    keyPrefix: cfg.key_prefix ?? 'portcullis:',
  }, logger);
}
