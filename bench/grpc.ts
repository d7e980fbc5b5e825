// Where a Check's time goes over gRPC, one run, side by side (no Envoy: h2load speaks gRPC to the server):
//   1. the floor: a bare grpc-js server with the same protos answering every Check with the same CheckResponse
//      Portcullis sent for this request (decode + encode + HTTP/2, no decision);
//   2. Portcullis, static rules (envoy/portcullis.yaml): an allowed GET and a denied POST (route rule);
//   3. the same, one call at a time: the latency of a call, without queueing.
// Prints requests/s, latency percentiles and the server's CPU per call (from /proc), the figure that does not
// depend on how many cores the load generator leaves it.
//   npm run bench:grpc        (BENCH_SECONDS=8 BENCH_CLIENTS=4 BENCH_STREAMS=16)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { clientCtor } from '../src/server/protos.js';
import { startPortcullis } from '../test/integration/harness/portcullis.js';
import { freePort } from '../test/integration/harness/ports.js';
import { spawnManaged, waitFor } from '../test/integration/harness/proc.js';
import { checkRequest } from '../test/unit/helpers.js';
import { grpcFrame, h2load, type H2Row } from './h2load.js';
import { machine } from './lib.js';

const REPO = resolve(import.meta.dirname, '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 4);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 16);
const AUTH = 'envoy.service.auth.v3.Authorization';
const PATH = `/${AUTH}/Check`;

function call(address: string, req: unknown): Promise<any> {
  const Ctor = clientCtor(AUTH);
  const c = new Ctor(address, grpc.credentials.createInsecure()) as any;
  return new Promise((res, rej) => c.Check(req, { deadline: Date.now() + 5000 }, (err: Error | null, r: any) => { c.close(); if (err) rej(err); else res(r); }));
}

function print(title: string, rows: H2Row[]): void {
  const f = (n: number) => n.toFixed(2);
  console.log(`\n${title}`);
  console.log('| server | requests/s | p50 ms | p99 ms | p99.9 ms | max ms | failed | server CPU µs per call | CPU vs first |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const cpu = r.cpuUs === undefined ? 'n/a' : r.cpuUs.toFixed(0);
    const ratio = r.cpuUs === undefined || rows[0]!.cpuUs === undefined ? 'n/a' : `${(r.cpuUs / rows[0]!.cpuUs).toFixed(2)}×`;
    console.log(`| ${r.name} | ${r.rps.toFixed(0)} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.p999)} | ${f(r.max)} | ${r.failed} | ${cpu} | ${ratio} |`);
  }
}

const headers = {
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  accept: 'application/json', 'accept-encoding': 'gzip, deflate, br', 'x-request-id': '0b6f3c1e-8a1d-4d0e-9d7e-2f0c5b6a7e11',
  'x-forwarded-proto': 'http', 'x-envoy-expected-rq-timeout-ms': '10000',
};
const allow = checkRequest({ path: '/api/v1/orders/42?expand=items', headers, contextExtensions: { service: 'orders' } });
const deny = checkRequest({ method: 'POST', path: '/api/v1/inventory/1', headers, contextExtensions: { service: 'inventory' } });

const dir = mkdtempSync(join(tmpdir(), 'portcullis-bench-grpc-'));
const stops: Array<() => Promise<unknown>> = [];
try {
  const config = readFileSync(join(REPO, 'envoy', 'portcullis.yaml'), 'utf8').replace('config_dir: ratelimit', `config_dir: ${join(REPO, 'envoy', 'ratelimit')}`);
  const p = await startPortcullis({ dir, name: 'bench-static', config, env: { PORTCULLIS_LOG_LEVEL: 'warn' } });
  stops.push(() => p.stop('SIGKILL'));
  const allowed = await call(p.grpcAddress, allow);
  const denied = await call(p.grpcAddress, deny);
  if (allowed.status?.code !== 0 || !allowed.ok_response) throw new Error(`the allow request was not allowed: ${JSON.stringify(allowed).slice(0, 300)}`);
  if (denied.status?.code !== 7 || !denied.denied_response) throw new Error(`the deny request was not denied: ${JSON.stringify(denied).slice(0, 300)}`);

  const floorPort = await freePort();
  writeFileSync(join(dir, 'response.json'), JSON.stringify(allowed));
  const floor = spawnManaged('floor', process.execPath, ['--import', 'tsx', join(REPO, 'bench', 'grpc-floor-server.ts'), String(floorPort), join(dir, 'response.json')], { dir, cwd: REPO });
  stops.push(() => floor.stop('SIGKILL'));
  await waitFor('floor server', async () => floor.logs().includes('listening'), 30000, 100, floor);
  const floorAddress = `127.0.0.1:${floorPort}`;
  const same = await call(floorAddress, allow);
  if (JSON.stringify(same.ok_response?.headers_to_remove) !== JSON.stringify(allowed.ok_response.headers_to_remove)) throw new Error('the floor server does not answer as Portcullis did');

  const saturated = { dir, seconds: SECONDS, clients: CLIENTS, streams: STREAMS, path: PATH };
  const rows: H2Row[] = [
    await h2load('bare grpc-js, fixed answer (the floor)', { ...saturated, address: floorAddress, body: grpcFrame(AUTH, 'Check', allow), pid: floor.child.pid }),
    await h2load('Portcullis, static rules, allowed GET', { ...saturated, address: p.grpcAddress, body: grpcFrame(AUTH, 'Check', allow), pid: p.proc.child.pid }),
    await h2load('Portcullis, static rules, denied POST', { ...saturated, address: p.grpcAddress, body: grpcFrame(AUTH, 'Check', deny), pid: p.proc.child.pid }),
  ];
  const single = { ...saturated, clients: 1, streams: 1 };
  const lowRows: H2Row[] = [
    await h2load('bare grpc-js, fixed answer (the floor)', { ...single, address: floorAddress, body: grpcFrame(AUTH, 'Check', allow), pid: floor.child.pid }),
    await h2load('Portcullis, static rules, allowed GET', { ...single, address: p.grpcAddress, body: grpcFrame(AUTH, 'Check', allow), pid: p.proc.child.pid }),
  ];
  console.log(`\nCheck over gRPC without Envoy — ${machine()}; h2load -t1, ${SECONDS}s per row after 2s warm-up`);
  print(`Saturated: ${CLIENTS} connections × ${STREAMS} streams`, rows);
  print('One call at a time (1 connection, 1 stream)', lowRows);
} finally {
  for (const s of stops.reverse()) await s().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}
