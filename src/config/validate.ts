import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsImport from 'ajv-formats';
import { configSchema } from './schema.js';

const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv;

let compiled: ValidateFunction | undefined;

/** The config validator, compiled once per process. */
export function configValidator(): ValidateFunction {
  if (compiled === undefined) {
    const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, strictTuples: false });
    addFormats(ajv);
    compiled = ajv.compile(configSchema());
  }
  return compiled;
}

export interface SchemaProblem { path: string; message: string }

/** Ajv errors → one readable problem each, with the JSON pointer of the offending value. */
export function describeErrors(errors: ErrorObject[] | null | undefined): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const e of errors ?? []) {
    let path = e.instancePath;
    let message: string;
    switch (e.keyword) {
      case 'additionalProperties':
        path = `${path}/${e.params.additionalProperty}`;
        message = `unknown key "${e.params.additionalProperty}"`;
        break;
      case 'required':
        message = `missing required key "${e.params.missingProperty}"`;
        break;
      case 'enum':
        message = `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
        break;
      case 'if':
        continue; // the failing "then" branch is reported on its own
      default:
        message = e.message ?? e.keyword;
    }
    const key = `${path} ${message}`;
    if (!seen.has(key)) { seen.add(key); out.push({ path, message }); }
  }
  return out;
}
