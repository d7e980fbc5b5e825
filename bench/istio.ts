// Portcullis behind the Istio-style sidecar chain (envoy/istio-sidecar.yaml), side by side in one run:
//   in-process: the mTLS verification Istio gets (SPIFFE principal, no certificate) vs one with the certificate;
//   through Envoy (wrk via the client sidecar, mTLS to the inbound sidecar): a path outside the CUSTOM rules (no
//   Check), and one inside them (Check: mTLS identity from the SPIFFE ID + forwarded claims).
//   node --import tsx bench/istio.ts   (BENCH_MS=1500 per in-process case, BENCH_SECONDS=8, BENCH_CONNECTIONS=32)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthFailure } from '../src/identity/failure.js';
import { MtlsVerifier } from '../src/identity/mtls.js';
import type { RequestContext } from '../src/pipeline/context.js';
import { startStack } from '../test/integration/harness/stack.js';
import { makeIstioCerts } from '../test/integration/istio-certs.js';
import { ctxOf } from '../test/unit/identity/helpers.js';
import { machine, measureOps, printTable, wrk, type LoadResult } from './lib.js';

const budgetMs = Number(process.env.BENCH_MS ?? 1500);
const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);

function verify(v: MtlsVerifier, ctx: RequestContext): unknown {
  const p = v.extract(ctx);
  if (p === undefined || p instanceof AuthFailure) throw new Error('no credential');
  const r = v.verify(ctx, p);
  if (r instanceof AuthFailure) throw new Error(r.code);
  return r;
}

const dir = mkdtempSync(join(tmpdir(), 'pc-bench-istio-'));
try {
  const certs = makeIstioCerts(join(dir, 'certs'));
  const mtls = new MtlsVerifier({ allow: [{ spiffe_id: 'spiffe://cluster.local/ns/shop/*', roles: ['svc'] }] }, '/m', Date.now);
  const principal = ctxOf({ principal: 'spiffe://cluster.local/ns/shop/sa/web' });
  const withCert = ctxOf({ certificate: encodeURIComponent(readFileSync(join(certs.dir, 'sidecar.crt'), 'utf8')) });
  const rows = [
    await measureOps('mtls, SPIFFE principal only (Istio)', () => verify(mtls, principal), { budgetMs, warmup: 2000 }),
    await measureOps('mtls, certificate (cached parse)', () => verify(mtls, withCert), { budgetMs, warmup: 2000 }),
  ];
  console.log(`\nmTLS verification in-process, one at a time, ${budgetMs} ms per case (${machine()})`);
  console.log('| path | verifications/s | p50 µs | p99 µs | p99.9 µs | samples |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.name} | ${r.ops.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.p999.toFixed(2)} | ${r.n} |`);

  const stack = await startStack({
    config: `
log: { level: warn }
identity:
  mtls: { allow: [ { spiffe_id: "spiffe://cluster.local/ns/shop/*", roles: [svc] } ] }
routes:
  - name: orders
    match: { host: [api-gateway, api-gateway.shop.svc.cluster.local], path: { prefix: /api/orders } }
    identity: { accept: [mtls], forward: { claims: { sub: x-user-id, namespace: x-source-namespace } } }
`,
    env: { PORTCULLIS_LOG_LEVEL: 'warn' },
    envoy: { template: 'istio-sidecar.yaml', waitHealthy: false, vars: { CERT_DIR: certs.dir } },
  });
  const envoyRows: LoadResult[] = [];
  try {
    // "Host" capitalized: wrk adds its own Host unless one is given in exactly that spelling
    const headers = { Host: 'api-gateway.shop.svc.cluster.local:8080' };
    for (const [name, path] of [['outside the CUSTOM rules (no Check)', '/healthz'], ['inside the rules (Check, mTLS identity)', '/api/orders/1']] as const) {
      const probe = await stack.request({ path, headers });
      if (probe.status !== 200) throw new Error(`${path}: probe got ${probe.status} ${probe.body}`);
      const url = `http://127.0.0.1:${stack.envoy.httpPort}${path}`;
      await wrk(`${name} warm-up`, url, { seconds: 2, connections, headers });
      envoyRows.push(await wrk(name, url, { seconds, connections, headers }));
    }
  } finally {
    await stack.stop();
  }
  printTable(`Through the sidecar chain (client sidecar → mTLS → inbound sidecar → app) — wrk ${connections} connections, ${seconds}s each (${machine()})`, envoyRows);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
