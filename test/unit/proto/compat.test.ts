// Our proto/ declares a subset of Envoy's API. This test loads Envoy's own definitions (shipped in
// @grpc/grpc-js-xds under deps/envoy-api) and fails if any message, field or enum value we declare
// differs from upstream in number, type or label.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { PROTO_FILES, protoDir } from '../../../src/server/protos.js';

const require = createRequire(import.meta.url);
const xds = dirname(require.resolve('@grpc/grpc-js-xds/package.json'));
const UPSTREAM_DIRS = ['envoy-api', 'googleapis', 'protoc-gen-validate', 'xds', 'cncf-xds'].map((d) => join(xds, 'deps', d));

function load(dirs: string[], files: string[]): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    for (const d of dirs) {
      const p = join(d, target);
      try { require('node:fs').accessSync(p); return p; } catch { /* next */ }
    }
    return target; // google/protobuf/* are built into protobufjs
  };
  root.loadSync(files, { keepCase: true });
  root.resolveAll();
  return root;
}

function allTypes(ns: protobuf.NamespaceBase, out: Array<protobuf.Type | protobuf.Enum> = []): Array<protobuf.Type | protobuf.Enum> {
  for (const n of ns.nestedArray) {
    if (n instanceof protobuf.Type || n instanceof protobuf.Enum) out.push(n);
    if (n instanceof protobuf.Namespace || n instanceof protobuf.Type) allTypes(n as protobuf.NamespaceBase, out);
  }
  return out;
}

const ours = load([protoDir()], PROTO_FILES);
const upstreamFiles = ['envoy/service/auth/v3/external_auth.proto', 'envoy/service/ratelimit/v3/rls.proto'];
const upstream = load(UPSTREAM_DIRS, upstreamFiles);

const typeName = (f: protobuf.Field) => (f.resolvedType ? f.resolvedType.fullName : f.type);

interface PinnedField { id: number; type: string; repeated: boolean }

/**
 * Fields newer than the Envoy API copy @grpc/grpc-js-xds ships, pinned from Envoy's own .proto files.
 * A declared field missing from that copy must be pinned here, and a pin is checked against the copy as
 * soon as the copy has the field. The integration tests show a real Envoy sending these fields
 * (test/integration/ratelimit-hits-addend.test.ts).
 */
const NEWER_THAN_VENDORED: Record<string, PinnedField> = {
  // api/envoy/extensions/common/ratelimit/v3/ratelimit.proto: google.protobuf.UInt64Value hits_addend = 3;
  // envoyproxy/ratelimit reads it as descriptor.HitsAddend (nil: the request's hits_addend).
  '.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor.hits_addend': { id: 3, type: '.google.protobuf.UInt64Value', repeated: false },
};

describe('proto compatibility with Envoy upstream', () => {
  const declared = allTypes(ours).filter((t) => t.fullName.startsWith('.envoy.') || t.fullName.startsWith('.google.rpc.'));

  it('declares the messages Envoy sends and expects', () => {
    const names = declared.map((t) => t.fullName);
    for (const n of ['.envoy.service.auth.v3.CheckRequest', '.envoy.service.auth.v3.CheckResponse', '.envoy.service.auth.v3.AttributeContext.HttpRequest',
      '.envoy.service.ratelimit.v3.RateLimitRequest', '.envoy.service.ratelimit.v3.RateLimitResponse', '.envoy.config.core.v3.HeaderValueOption']) {
      assert.ok(names.includes(n), `missing ${n}`);
    }
  });

  for (const t of declared) {
    it(`${t.fullName} matches upstream`, () => {
      const up = upstream.lookup(t.fullName);
      assert.ok(up, `${t.fullName} does not exist upstream`);
      if (t instanceof protobuf.Enum) {
        assert.ok(up instanceof protobuf.Enum, `${t.fullName} is not an enum upstream`);
        for (const [name, num] of Object.entries(t.values)) assert.equal((up as protobuf.Enum).values[name], num, `${t.fullName}.${name}`);
        return;
      }
      assert.ok(up instanceof protobuf.Type, `${t.fullName} is not a message upstream`);
      for (const f of t.fieldsArray) {
        const uf: protobuf.Field | undefined = (up as protobuf.Type).fields[f.name];
        const pin: PinnedField | undefined = NEWER_THAN_VENDORED[`${t.fullName}.${f.name}`];
        if (pin) {
          const where: string = `${t.fullName}.${f.name} (pinned)`;
          assert.deepEqual({ id: f.id, type: typeName(f), repeated: f.repeated }, pin, where);
          assert.equal(f.partOf, null, `${where} oneof`);
          if (uf) assert.deepEqual({ id: uf.id, type: typeName(uf), repeated: uf.repeated }, pin, `${where}: the vendored copy now has it`);
          if (!uf) continue;
        }
        assert.ok(uf, `${t.fullName}.${f.name} does not exist upstream`);
        assert.equal(f.id, uf.id, `${t.fullName}.${f.name} number`);
        assert.equal(typeName(f), typeName(uf), `${t.fullName}.${f.name} type`);
        assert.equal(f.repeated, uf.repeated, `${t.fullName}.${f.name} repeated`);
        assert.equal(f.map, uf.map, `${t.fullName}.${f.name} map`);
        if (f.map) assert.equal((f as unknown as protobuf.MapField).keyType, (uf as unknown as protobuf.MapField).keyType, `${t.fullName}.${f.name} key type`);
        assert.equal(f.partOf?.name, uf.partOf?.name, `${t.fullName}.${f.name} oneof`);
      }
    });
  }

  it('every pinned field is one we declare', () => {
    for (const name of Object.keys(NEWER_THAN_VENDORED)) {
      const i = name.lastIndexOf('.');
      const t = ours.lookupType(name.slice(0, i));
      assert.ok(t.fields[name.slice(i + 1)], `${name} is pinned but not declared`);
    }
  });

  it('service methods match', () => {
    for (const s of ['.envoy.service.auth.v3.Authorization', '.envoy.service.ratelimit.v3.RateLimitService']) {
      const a = ours.lookupService(s);
      const b = upstream.lookupService(s);
      for (const m of a.methodsArray) {
        const um = b.methods[m.name];
        assert.ok(um, `${s}.${m.name}`);
        assert.equal(m.resolvedRequestType!.fullName, um.resolvedRequestType!.fullName);
        assert.equal(m.resolvedResponseType!.fullName, um.resolvedResponseType!.fullName);
      }
    }
  });
});
