// What must hold for every CheckResponse, whatever the request was.
import { AUTH_SERVICE } from '../../../../src/server/grpc.js';
import { serviceDef } from '../../../../src/server/protos.js';
import { fromStruct } from '../../../../src/pipeline/struct.js';
import { IDENTITY_REQUIRED } from './demo-runtime.js';

const method = serviceDef(AUTH_SERVICE).Check!;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const CODE = /^[A-Z][A-Z0-9_]{1,63}$/;

/** A secret counts as leaked when it, or a long enough piece of it (a JWT segment), is in the text. */
function leaked(text: string, secrets: readonly string[]): string | undefined {
  for (const s of secrets) {
    const pieces = [s, ...s.split(/[.,\s]/)].filter((p) => p.length >= 16);
    for (const p of pieces) if (text.includes(p)) return p.length > 24 ? `${p.slice(0, 12)}…` : p;
  }
  return undefined;
}

export interface Verdict { allowed: boolean; code: string; route: string }

/** Returns the problems found (empty: all good). */
export function judge(resp: any, secrets: readonly string[], validCred: boolean): { problems: string[]; verdict?: Verdict } {
  const problems: string[] = [];
  if (resp === null || typeof resp !== 'object') return { problems: ['response is not an object'] };
  const allowed = resp.ok_response !== undefined;
  if (allowed === (resp.denied_response !== undefined)) problems.push('exactly one of ok_response / denied_response expected');
  const meta = fromStruct(resp.dynamic_metadata);
  const route = String(meta.route ?? '');
  const code = allowed ? 'OK' : String(resp.status?.message);
  if (allowed && resp.status?.code !== 0) problems.push(`allow with gRPC status ${resp.status?.code}`);
  if (!allowed) {
    if (resp.status?.code !== 7 && resp.status?.code !== 16) problems.push(`deny with gRPC status ${resp.status?.code}`);
    if (!CODE.test(code)) problems.push(`unstable deny code ${JSON.stringify(code).slice(0, 80)}`);
    if (code === 'ERR_INTERNAL') problems.push('ERR_INTERNAL: an exception escaped');
    const d = resp.denied_response;
    const st = d?.status?.code; // a number from check(), the HttpStatus enum's name once decoded (enums: String)
    if (typeof st === 'string' ? !/^[A-Z][A-Za-z]+$/.test(st) : !Number.isInteger(st) || st < 200 || st > 599) problems.push(`deny HTTP status ${st}`);
    const ct = (d?.headers ?? []).find((h: any) => h.header.key === 'content-type')?.header.value;
    if (ct === 'application/json') {
      try {
        const b = JSON.parse(d.body);
        if (b.error !== code || typeof b.message !== 'string' || typeof b.decision_id !== 'string') problems.push(`deny body fields: ${d.body.slice(0, 200)}`);
      } catch { problems.push(`deny body is not JSON: ${String(d.body).slice(0, 100)}`); }
    }
  }
  const h = allowed ? [...resp.ok_response.headers, ...resp.ok_response.response_headers_to_add] : resp.denied_response?.headers ?? [];
  for (const { header } of h) {
    if (!TOKEN.test(header.key)) problems.push(`response header name ${JSON.stringify(header.key).slice(0, 80)}`);
    if (typeof header.value !== 'string' || /[\0\r\n]/.test(header.value)) problems.push(`response header ${header.key} value has CR/LF/NUL`);
  }
  const text = JSON.stringify(resp, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
  const leak = leaked(text, secrets);
  if (leak) problems.push(`response carries a secret of the request (${leak})`);
  if (allowed && IDENTITY_REQUIRED.has(route) && !validCred) problems.push(`allowed on identity route "${route}" without a valid credential`);
  // the response goes out through the service's own serializer; it must decode to the same decision
  try {
    const back: any = method.responseDeserialize(method.responseSerialize(resp));
    if ((back.ok_response !== undefined) !== allowed) problems.push('decision changed through the proto');
    if (!allowed && (back.denied_response?.body ?? '') !== (resp.denied_response.body ?? '')) problems.push('deny body changed through the proto');
    if ((back.status?.message ?? '') !== (resp.status?.message ?? '')) problems.push('status message changed through the proto');
    if (JSON.stringify(fromStruct(back.dynamic_metadata)) !== JSON.stringify(meta)) problems.push('dynamic_metadata changed through the proto');
  } catch (err) { problems.push(`response does not serialise: ${(err as Error).message}`); }
  return { problems, verdict: { allowed, code, route } };
}

export function logProblems(lines: string[], secrets: readonly string[]): string[] {
  const problems: string[] = [];
  for (const l of lines) {
    const leak = leaked(l, secrets);
    if (leak) problems.push(`a log line carries a secret of the request (${leak}): ${l.slice(0, 160)}`);
    if (/"level":(50|60)/.test(l)) problems.push(`error log: ${l.slice(0, 300)}`);
  }
  return problems;
}
