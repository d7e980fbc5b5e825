import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './ports.js';
import { spawnManaged, waitFor, type Managed } from './proc.js';
import { toolBinary } from './tools.js';

export interface RedisNode {
  port: number;
  url: string;
  proc: Managed;
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Start again on the same port (after stop). */
  start(): Promise<void>;
}

async function startNode(dir: string, name: string, port: number, extra: string[]): Promise<Managed> {
  const proc = spawnManaged(name, toolBinary('redis-server'), [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--dir', dir, '--protected-mode', 'yes', ...extra,
  ], { dir });
  await waitFor(`${name} ping`, async () => {
    const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    c.on('error', () => undefined);
    try { await c.connect(); return (await c.ping()) === 'PONG'; } finally { c.disconnect(); }
  }, 10000, 50, proc);
  return proc;
}

export async function startRedis(dir: string, name = 'redis'): Promise<RedisNode> {
  const port = await freePort();
  const node: RedisNode = {
    port,
    url: `redis://127.0.0.1:${port}`,
    proc: await startNode(dir, name, port, []),
    async stop(signal: NodeJS.Signals = 'SIGKILL') { await node.proc.stop(signal); },
    async start() { node.proc = await startNode(dir, name, port, []); },
  };
  return node;
}

export interface RedisCluster {
  nodes: RedisNode[];
  /** host:port seeds for the `store: { kind: cluster, nodes }` config */
  seeds: string[];
  stop(): Promise<void>;
}

/**
 * A real Redis Cluster of `masters` masters, each with `replicas` replicas (none by default), slots spread by
 * redis-cli --cluster create (which makes the first `masters` nodes the masters).
 */
export async function startRedisCluster(dir: string, masters = 3, replicas = 0): Promise<RedisCluster> {
  const nodes: RedisNode[] = [];
  for (let i = 0; i < masters * (1 + replicas); i++) {
    const port = await freePort();
    const ndir = join(dir, `cluster-${i}`);
    const extra = ['--cluster-enabled', 'yes', '--cluster-config-file', join(ndir, 'nodes.conf'), '--cluster-node-timeout', '2000'];
    const n: RedisNode = {
      port, url: `redis://127.0.0.1:${port}`,
      proc: await startNode(ndir, `redis-cluster-${i}`, port, extra),
      async stop(signal: NodeJS.Signals = 'SIGKILL') { await n.proc.stop(signal); },
      async start() { n.proc = await startNode(ndir, `redis-cluster-${i}`, port, extra); },
    };
    nodes.push(n);
  }
  const seeds = nodes.map((n) => `127.0.0.1:${n.port}`);
  execFileSync(toolBinary('redis-cli'), ['--cluster', 'create', ...seeds, '--cluster-replicas', String(replicas), '--cluster-yes'], { stdio: 'pipe', timeout: 30000 });
  await waitFor('redis cluster ok', async () => {
    for (const n of nodes) {
      const info = execFileSync(toolBinary('redis-cli'), ['-p', String(n.port), 'cluster', 'info'], { encoding: 'utf8', timeout: 2000 });
      if (!info.includes('cluster_state:ok')) return false;
      if (replicas > 0) {
        // every node knows every replica as one (redis-cli sets them up after the slots)
        const table = execFileSync(toolBinary('redis-cli'), ['-p', String(n.port), 'cluster', 'nodes'], { encoding: 'utf8', timeout: 2000 });
        if (table.split('\n').filter((l) => (l.split(' ')[2] ?? '').split(',').includes('slave') && / connected/.test(l)).length !== masters * replicas) return false;
      }
    }
    return true;
  }, 20000, 100);
  return { nodes, seeds, async stop() { await Promise.all(nodes.map((n) => n.stop())); } };
}
