// Shared pieces of the gRPC benchmarks: a pre-encoded gRPC request body and an h2load run against it.
// h2load (C, HTTP/2) posts the same body on every stream, so the load generator is not what saturates the CPU.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { serviceDef } from '../src/server/protos.js';

const run = promisify(execFile);

/** A gRPC request body as it travels on the wire: 1 byte flags, 4 bytes length, the protobuf message. */
export function grpcFrame(service: string, method: string, message: unknown): Buffer {
  const def = serviceDef(service)[method]!;
  const msg = def.requestSerialize(message);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(msg.length, 1);
  return Buffer.concat([head, msg]);
}

let runs = 0;

export interface H2Row { name: string; rps: number; p50: number; p99: number; p999: number; max: number; done: number; failed: number; cpuUs?: number }

/** CPU seconds (user + system) a process has used so far, from /proc; undefined where there is no /proc. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100 on Linux)
  } catch { return undefined; }
}

/**
 * Loads `address` + `path` with h2load for `seconds` after a 2 s warm-up. Latency percentiles (ms) come from
 * h2load's per-request log; cpuUs is the CPU the server process `pid` used per answered call.
 */
export async function h2load(name: string, o: { address: string; path: string; body: Buffer; dir: string; seconds: number; clients: number; streams: number; pid?: number }): Promise<H2Row> {
  // one file per run: h2load appends to an existing log, and two rows may share a name
  const bodyFile = join(o.dir, `${name.replace(/\W+/g, '_')}-${++runs}.bin`);
  const logFile = `${bodyFile}.log`;
  writeFileSync(bodyFile, o.body);
  const args = [
    '-t', '1', '-c', String(o.clients), '-m', String(o.streams), '-D', String(o.seconds), '--warm-up-time', '2',
    '-d', bodyFile, '-H', 'content-type: application/grpc', '-H', 'te: trailers', '--log-file', logFile,
    `http://${o.address}${o.path}`,
  ];
  const pending = run('h2load', args, { encoding: 'utf8', timeout: (o.seconds + 30) * 1000 });
  // the CPU window starts after the warm-up, as h2load's own counting does
  await new Promise((r) => setTimeout(r, 2000));
  const cpu0 = cpuSeconds(o.pid);
  const { stdout } = await pending;
  const cpu1 = cpuSeconds(o.pid);
  const req = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(stdout);
  if (!req) throw new Error(`h2load printed no summary:\n${stdout}`);
  const lat = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => Number(l.split('\t')[2])).filter(Number.isFinite);
  const sorted = Float64Array.from(lat).sort();
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]! / 1000;
  const done = Number(req[3]);
  return {
    name, rps: done / o.seconds, p50: q(0.5), p99: q(0.99), p999: q(0.999), max: sorted[sorted.length - 1]! / 1000,
    done, failed: Number(req[5]) + Number(req[6]),
    cpuUs: cpu0 !== undefined && cpu1 !== undefined && done > 0 ? ((cpu1 - cpu0) * 1e6) / done : undefined,
  };
}
