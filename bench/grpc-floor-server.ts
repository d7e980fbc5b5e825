// The floor under every Check: a bare grpc-js server with Portcullis's protos and options that answers every
// Check with one fixed CheckResponse (decoded request, encoded answer, nothing else). Used by bench/grpc.ts.
//   node --import tsx bench/grpc-floor-server.ts <port> <response.json>
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { serviceDef } from '../src/server/protos.js';

const [port, responseFile] = process.argv.slice(2);
const response: unknown = JSON.parse(readFileSync(responseFile!, 'utf8'));
const server = new grpc.Server();
server.addService(serviceDef('envoy.service.auth.v3.Authorization'), {
  // answered after a microtask, as Portcullis's async check() is
  Check: (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => { void call.request; void Promise.resolve().then(() => cb(null, response)); },
});
server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err) => {
  if (err) { process.stderr.write(`${err.message}\n`); process.exit(1); }
  process.stdout.write('listening\n');
});
process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
