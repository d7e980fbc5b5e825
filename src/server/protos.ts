import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** proto/ at the repository root, found from both src/ (tsx) and dist/src/ (compiled). */
export function protoDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'proto', 'envoy'))) return join(dir, 'proto');
    dir = dirname(dir);
  }
  throw new Error('cannot find the proto/ directory');
}

export const PROTO_FILES = [
  'envoy/service/auth/v3/external_auth.proto',
  'envoy/service/ratelimit/v3/rls.proto',
  'grpc/health/v1/health.proto',
];

/** keepCase: field names as in the .proto; longs as numbers; enums as names; no default-filling. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true, longs: Number, enums: String, defaults: false, oneofs: true, includeDirs: [],
};

let cached: grpc.GrpcObject | undefined;

export function loadProtos(): grpc.GrpcObject {
  if (cached) return cached;
  const dir = protoDir();
  const def = protoLoader.loadSync(PROTO_FILES, { ...LOADER_OPTIONS, includeDirs: [dir] });
  cached = grpc.loadPackageDefinition(def);
  return cached;
}

export function serviceDef(path: string): grpc.ServiceDefinition {
  let node: any = loadProtos();
  for (const p of path.split('.')) node = node[p];
  return node.service as grpc.ServiceDefinition;
}

export function clientCtor(path: string): grpc.ServiceClientConstructor {
  let node: any = loadProtos();
  for (const p of path.split('.')) node = node[p];
  return node as grpc.ServiceClientConstructor;
}
