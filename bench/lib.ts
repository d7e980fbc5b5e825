// Shared pieces of the load benchmarks: run wrk against a URL and print a side-by-side table.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
import { resolve } from 'node:path';

export interface LoadResult { name: string; rps: number; p50_us: number; p99_us: number; p999_us: number; max_us: number; errors: number; non2xx: number; requests: number }

const LUA = resolve(import.meta.dirname, 'wrk-report.lua');

/** Async, so servers living in this process (the echo upstream) keep answering during the run. */
export async function wrk(name: string, url: string, o: { seconds?: number; connections?: number; threads?: number; headers?: Record<string, string>; script?: string } = {}): Promise<LoadResult> {
  const args = ['-t', String(o.threads ?? 1), '-c', String(o.connections ?? 32), '-d', `${o.seconds ?? 10}s`, '--timeout', '5s', '-s', o.script ?? LUA];
  for (const [k, v] of Object.entries(o.headers ?? {})) args.push('-H', `${k}: ${v}`);
  args.push(url);
  const { stdout: out } = await run('wrk', args, { encoding: 'utf8', timeout: ((o.seconds ?? 10) + 30) * 1000 });
  const line = out.split('\n').find((l) => l.startsWith('{"requests"'));
  if (!line) throw new Error(`wrk printed no report:\n${out}`);
  return { name, ...JSON.parse(line) };
}

const ms = (us: number) => (us / 1000).toFixed(2);

export function printTable(title: string, rows: LoadResult[], baseline = rows[0]): void {
  console.log(`\n${title}`);
  console.log('| configuration | requests/s | p50 ms | p99 ms | p99.9 ms | max ms | errors | non-2xx | throughput vs first |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(`| ${r.name} | ${r.rps.toFixed(0)} | ${ms(r.p50_us)} | ${ms(r.p99_us)} | ${ms(r.p999_us)} | ${ms(r.max_us)} | ${r.errors} | ${r.non2xx} | ${(r.rps / baseline!.rps).toFixed(2)}× |`);
  }
}

export function machine(): string {
  const cpus = execFileSync('nproc', { encoding: 'utf8' }).trim();
  return `node ${process.versions.node}, ${cpus} cores, ${new Date().toISOString()}`;
}

/** One in-process operation measured one call at a time: calls/s and latency percentiles in µs. */
export interface OpRow { name: string; ops: number; p50: number; p99: number; p999: number; n: number }

/** Runs op(i) for `budgetMs` after `warmup` calls, one at a time, at most `limit` calls; latency per call in µs. */
export async function measureOps(name: string, op: (i: number) => unknown, o: { budgetMs: number; warmup?: number; limit?: number }): Promise<OpRow> {
  const limit = o.limit ?? 2_000_000;
  let i = 0;
  for (; i < (o.warmup ?? 200); i++) { const r = op(i); if (r instanceof Promise) await r; }
  const lat: number[] = [];
  const t0 = process.hrtime.bigint();
  const end = Date.now() + o.budgetMs;
  while (Date.now() < end && i < limit) {
    const s = process.hrtime.bigint();
    const r = op(i++);
    if (r instanceof Promise) await r;
    lat.push(Number(process.hrtime.bigint() - s) / 1000);
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))]!;
  return { name, ops: lat.length / secs, p50: q(0.5), p99: q(0.99), p999: q(0.999), n: lat.length };
}
