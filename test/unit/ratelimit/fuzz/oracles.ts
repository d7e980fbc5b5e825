// What must hold for every RateLimitResponse, whatever the request was.
import { RLS_SERVICE } from '../../../../src/server/grpc.js';
import { serviceDef } from '../../../../src/server/protos.js';

const method = serviceDef(RLS_SERVICE).ShouldRateLimit!;
const UINT32_MAX = 4_294_967_295;

/** Problems with one answer to `req` (empty: fine). */
export function judgeRls(req: any, resp: any): string[] {
  const p: string[] = [];
  if (resp === null || typeof resp !== 'object') return ['response is not an object'];
  const n = Array.isArray(req?.descriptors) ? req.descriptors.length : -1;
  if (!Array.isArray(resp.statuses) || resp.statuses.length !== n) p.push(`statuses: ${resp.statuses?.length} for ${n} descriptors`);
  const anyOver = (resp.statuses ?? []).some((s: any) => s.code === 'OVER_LIMIT');
  if (resp.overall_code !== (anyOver ? 'OVER_LIMIT' : 'OK')) p.push(`overall_code ${resp.overall_code} with ${anyOver ? 'an' : 'no'} OVER_LIMIT status`);
  for (const s of resp.statuses ?? []) {
    if (s.code !== 'OK' && s.code !== 'OVER_LIMIT') p.push(`status code ${s.code}`);
    if (s.limit_remaining !== undefined && !(Number.isInteger(s.limit_remaining) && s.limit_remaining >= 0 && s.limit_remaining <= UINT32_MAX)) p.push(`limit_remaining ${s.limit_remaining}`);
    const cl = s.current_limit;
    if (cl && !(Number.isInteger(cl.requests_per_unit) && cl.requests_per_unit >= 0 && cl.requests_per_unit <= UINT32_MAX)) p.push(`current_limit.requests_per_unit ${cl.requests_per_unit}`);
    const d = s.duration_until_reset;
    if (d && !(Number.isSafeInteger(d.seconds) && d.seconds >= 0 && Number.isInteger(d.nanos) && d.nanos >= 0 && d.nanos < 1e9)) p.push(`duration_until_reset ${JSON.stringify(d)}`);
  }
  for (const h of resp.response_headers_to_add ?? []) {
    if (!/^[a-z0-9-]+$/i.test(h.key) || /[\0\r\n]/.test(String(h.value))) p.push(`header ${JSON.stringify(h).slice(0, 100)}`);
  }
  try {
    const back: any = method.responseDeserialize(method.responseSerialize(resp));
    if ((back.overall_code ?? 'UNKNOWN') !== resp.overall_code) p.push(`overall_code changed through the proto: ${back.overall_code}`);
    const codes = (back.statuses ?? []).map((s: any) => s.code ?? 'UNKNOWN').join();
    if (codes !== (resp.statuses ?? []).map((s: any) => s.code).join()) p.push('status codes changed through the proto');
  } catch (err) { p.push(`response does not serialise: ${(err as Error).message}`); }
  return p;
}
