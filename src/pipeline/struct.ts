/**
 * google.protobuf.Struct <-> plain JS, in the object form @grpc/proto-loader uses. protobufjs defines the
 * well-known types itself with camelCase members (stringValue, structValue…), keepCase or not: a Value
 * written as { string_value } is encoded as an empty Value. Reading accepts both spellings.
 */

export type StructValue =
  | { nullValue: 'NULL_VALUE' }
  | { numberValue: number }
  | { stringValue: string }
  | { boolValue: boolean }
  | { structValue: { fields: Record<string, StructValue> } }
  | { listValue: { values: StructValue[] } };

export function toValue(v: unknown, depth = 0): StructValue {
  if (depth > 32) return { stringValue: '[too deep]' };
  if (v === null || v === undefined) return { nullValue: 'NULL_VALUE' };
  switch (typeof v) {
    case 'number': return { numberValue: v };
    case 'string': return { stringValue: v };
    case 'boolean': return { boolValue: v };
    case 'bigint': return { numberValue: Number(v) };
    case 'object':
      if (Array.isArray(v)) return { listValue: { values: v.map((x) => toValue(x, depth + 1)) } };
      return { structValue: toStruct(v as Record<string, unknown>, depth + 1) };
    default: return { stringValue: String(v) };
  }
}

export function toStruct(obj: Record<string, unknown>, depth = 0): { fields: Record<string, StructValue> } {
  const fields: Record<string, StructValue> = {};
  for (const k of Object.keys(obj)) if (obj[k] !== undefined) fields[k] = toValue(obj[k], depth);
  return { fields };
}

/** Deeper than the gRPC decoder's own nesting limit: only hand-built objects get here. Read as null. */
const MAX_READ_DEPTH = 64;

export function fromValue(v: any, depth = 0): unknown {
  if (v === null || v === undefined || typeof v !== 'object' || depth > MAX_READ_DEPTH) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.numberValue !== undefined) return v.numberValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.structValue !== undefined) return fromStruct(v.structValue, depth + 1);
  if (v.listValue !== undefined) return (v.listValue?.values ?? []).map((x: unknown) => fromValue(x, depth + 1));
  if ('string_value' in v) return v.string_value;
  if ('number_value' in v) return v.number_value;
  if ('bool_value' in v) return v.bool_value;
  if ('struct_value' in v) return fromStruct(v.struct_value, depth + 1);
  if ('list_value' in v) return (v.list_value?.values ?? []).map((x: unknown) => fromValue(x, depth + 1));
  return null;
}

export function fromStruct(s: any, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s?.fields ?? {})) out[k] = fromValue(v, depth);
  return out;
}
