import * as grpc from '@grpc/grpc-js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clientCtor } from '../../src/server/protos.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Write envoyproxy/ratelimit YAML files into <dir>/<sub>/ (from a startStack config callback). */
export function writeRlsConfig(dir: string, files: Record<string, string>, sub = 'rl'): string {
  const d = join(dir, sub);
  mkdirSync(d, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return sub;
}

/**
 * Counting tests use hourly fixed windows; a burst must not straddle the top of the hour, so wait when
 * it is less than `marginMs` away (bounded: at most marginMs).
 */
export async function awayFromHourBoundary(marginMs = 20_000): Promise<void> {
  await awayFromBoundary(3_600_000, marginMs);
}

/** Wait past the next window boundary when it is less than `marginMs` away. */
export async function awayFromBoundary(windowMs: number, marginMs: number): Promise<void> {
  const toNext = windowMs - (Date.now() % windowMs);
  if (toNext < marginMs) await sleep(toNext + 250);
}

export type RlsClient = grpc.Client & { ShouldRateLimit(req: any, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: any) => void): void };

/** A ShouldRateLimit client on its own connection (not shared with other clients). */
export function rlsClient(address: string): RlsClient {
  const Ctor = clientCtor('envoy.service.ratelimit.v3.RateLimitService');
  return new Ctor(address, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }) as unknown as RlsClient;
}

export function shouldRateLimit(c: RlsClient, req: any, deadlineMs = 5000): Promise<any> {
  return new Promise((resolve, reject) => {
    c.ShouldRateLimit(req, { deadline: Date.now() + deadlineMs }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

export function rlsRequest(domain: string, entries: Array<[string, string]>, hitsAddend?: number): any {
  return { domain, descriptors: [{ entries: entries.map(([key, value]) => ({ key, value })) }], hits_addend: hitsAddend };
}

/** Run `clients` workers in parallel, each doing `perClient` sequential calls of `fn`; results in completion order. */
export async function concurrently<T>(clients: number, perClient: number, fn: (client: number, i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    for (let i = 0; i < perClient; i++) out.push(await fn(c, i));
  }));
  return out;
}

export async function metricsText(adminUrl: string): Promise<string> {
  const r = await fetch(`${adminUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
  return r.text();
}

/** Sum of a Prometheus counter's samples whose labels include all of `labels`. */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? ([0-9.eE+-]+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const ls = m[3] ?? '';
    if (Object.entries(labels).every(([k, v]) => ls.includes(`${k}="${v}"`))) sum += Number(m[4]);
  }
  return sum;
}

/** How many times each value occurs, e.g. { 200: 100, 429: 156 }: a failing count shows every status seen. */
export function histogram<T extends string | number>(values: T[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[String(v)] = (out[String(v)] ?? 0) + 1;
  return out;
}
