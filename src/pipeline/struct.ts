/** google.protobuf.Struct <-> plain JS (proto-loader object form, keepCase). */

export type StructValue =
  | { null_value: 'NULL_VALUE' }
  | { number_value: number }
  | { string_value: string }
  | { bool_value: boolean }
  | { struct_value: { fields: Record<string, StructValue> } }
  | { list_value: { values: StructValue[] } };

export function toValue(v: unknown, depth = 0): StructValue {
  if (depth > 32) return { string_value: '[too deep]' };
  if (v === null || v === undefined) return { null_value: 'NULL_VALUE' };
  switch (typeof v) {
    case 'number': return { number_value: v };
    case 'string': return { string_value: v };
    case 'boolean': return { bool_value: v };
    case 'bigint': return { number_value: Number(v) };
    case 'object':
      if (Array.isArray(v)) return { list_value: { values: v.map((x) => toValue(x, depth + 1)) } };
      return { struct_value: toStruct(v as Record<string, unknown>, depth + 1) };
    default: return { string_value: String(v) };
  }
}

export function toStruct(obj: Record<string, unknown>, depth = 0): { fields: Record<string, StructValue> } {
  const fields: Record<string, StructValue> = {};
  for (const k of Object.keys(obj)) if (obj[k] !== undefined) fields[k] = toValue(obj[k], depth);
  return { fields };
}

export function fromValue(v: any): unknown {
  if (v === null || v === undefined) return null;
  if ('string_value' in v) return v.string_value;
  if ('number_value' in v) return v.number_value;
  if ('bool_value' in v) return v.bool_value;
  if ('struct_value' in v) return fromStruct(v.struct_value);
  if ('list_value' in v) return (v.list_value?.values ?? []).map(fromValue);
  return null;
}

export function fromStruct(s: any): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s?.fields ?? {})) out[k] = fromValue(v);
  return out;
}
