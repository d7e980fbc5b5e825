import type { HeaderPair } from '../pipeline/context.js';

/** The policy's answer could not be understood (OPA-Envoy: "illegal value for policy evaluation result"). */
export class PolicyResultError extends Error {}

/** An OPA-Envoy decision, validated. */
export interface PolicyDecision {
  allowed: boolean;
  /** On allow: headers set on the upstream request; on deny: headers of the denied response. */
  headers: HeaderPair[];
  /** On allow: headers added to the response the client gets. */
  responseHeadersToAdd: HeaderPair[];
  requestHeadersToRemove: string[];
  queryParametersToSet: HeaderPair[];
  queryParametersToRemove: string[];
  /** On deny. */
  body?: string;
  /** On deny; 403 unless the policy says otherwise. */
  httpStatus: number;
  dynamicMetadata?: Record<string, unknown>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// RFC 9110 §5.5 field-value: no control character but HTAB. Envoy answers 503 for any other in an upstream
// header, and passes it on in a client response header, where HTTP clients refuse the whole response.
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function headerName(k: string, field: string): string {
  if (!TOKEN.test(k)) throw new PolicyResultError(`${field}: "${k.slice(0, 64)}" is not a valid header name`);
  return k.toLowerCase();
}

function headerValue(v: unknown, k: string, field: string): string {
  if (typeof v !== 'string') throw new PolicyResultError(`${field}: value of "${k.slice(0, 64)}" must be a string`);
  if (BAD_VALUE.test(v)) throw new PolicyResultError(`${field}: value of "${k.slice(0, 64)}" contains a control character (CR, LF, NUL …)`);
  return v;
}

/** {name: value | [values]} or a list of such objects, as OPA-Envoy accepts. */
function headerPairs(v: unknown, field: string, names = true): HeaderPair[] {
  if (v === undefined) return [];
  const objects = Array.isArray(v) ? v : [v];
  const out: HeaderPair[] = [];
  for (const o of objects) {
    if (!isObject(o)) throw new PolicyResultError(`${field} must be an object (or a list of objects)`);
    for (const [k, val] of Object.entries(o)) {
      const name = names ? headerName(k, field) : k;
      if (Array.isArray(val)) for (const x of val) out.push([name, headerValue(x, k, field)]);
      else out.push([name, headerValue(val, k, field)]);
    }
  }
  return out;
}

function stringList(v: unknown, field: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new PolicyResultError(`${field} must be a list of strings`);
  return v as string[];
}

/**
 * OPA-Envoy semantics: a boolean, or an object with a boolean `allowed` and optional headers,
 * response_headers_to_add, request_headers_to_remove, query_parameters_to_set/_to_remove, body,
 * http_status, dynamic_metadata. Anything else is an error (the request is denied with ERR_POLICY).
 */
export function interpretResult(value: unknown): PolicyDecision {
  if (typeof value === 'boolean') {
    return { allowed: value, headers: [], responseHeadersToAdd: [], requestHeadersToRemove: [], queryParametersToSet: [], queryParametersToRemove: [], httpStatus: 403 };
  }
  if (value === undefined) throw new PolicyResultError('the policy decision is undefined for this input (add a default rule)');
  if (!isObject(value)) throw new PolicyResultError(`illegal value for policy evaluation result: ${Array.isArray(value) ? 'array' : typeof value}`);
  if (!('allowed' in value)) throw new PolicyResultError('unable to determine evaluation result due to missing "allowed" key');
  if (typeof value.allowed !== 'boolean') throw new PolicyResultError('"allowed" must be a boolean');
  let httpStatus = 403;
  if (value.http_status !== undefined) {
    const s = value.http_status;
    if (typeof s !== 'number' || !Number.isInteger(s) || s < 200 || s > 599) throw new PolicyResultError(`invalid HTTP status code ${JSON.stringify(s)?.slice(0, 20)}`);
    httpStatus = s;
  }
  if (value.body !== undefined && typeof value.body !== 'string') throw new PolicyResultError('"body" must be a string');
  if (value.dynamic_metadata !== undefined && !isObject(value.dynamic_metadata)) throw new PolicyResultError('"dynamic_metadata" must be an object');
  return {
    allowed: value.allowed,
    headers: headerPairs(value.headers, 'headers'),
    responseHeadersToAdd: headerPairs(value.response_headers_to_add, 'response_headers_to_add'),
    requestHeadersToRemove: stringList(value.request_headers_to_remove, 'request_headers_to_remove').map((h) => headerName(h, 'request_headers_to_remove')),
    queryParametersToSet: headerPairs(value.query_parameters_to_set, 'query_parameters_to_set', false),
    queryParametersToRemove: stringList(value.query_parameters_to_remove, 'query_parameters_to_remove'),
    body: value.body as string | undefined,
    httpStatus,
    dynamicMetadata: value.dynamic_metadata as Record<string, unknown> | undefined,
  };
}
