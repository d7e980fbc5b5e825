import type { RequestContext } from '../pipeline/context.js';
import { UNPARSED_KEY } from './exclude.js';
import { type InputOptions, type Inspector, inspectParams, suspiciousKey } from './inputs-inspector.js';
import { inspectMultipart } from './inputs-multipart.js';
import { isJsonType, JSON_BODY_FACT, mediaType } from './validation.js';

/** Form fields read before they count as over the limit (as the policy input's parsed body keeps). */
export const MAX_FORM_FIELDS = 2000;

/** The body by its media type: form fields, JSON string values, multipart parts, or the text itself. */
export function inspectBody(ctx: RequestContext, o: InputOptions, w: Inspector): void {
  const mt = mediaType(ctx.headers['content-type']);
  if (mt === 'application/x-www-form-urlencoded') { inspectParams(w, ctx.body.toString('utf8'), 'form', MAX_FORM_FIELDS); return; }
  if (isJsonType(mt) || (mt === '' && looksJson(ctx.body))) {
    let doc = ctx.facts[JSON_BODY_FACT];
    if (doc === undefined) {
      try { doc = JSON.parse(ctx.body.toString('utf8')); ctx.facts[JSON_BODY_FACT] = doc; }
      catch { w.lim.unparsedBody = 'json'; w.emit('body', ctx.body.toString('utf8'), false, UNPARSED_KEY); return; }
    }
    walkJson(doc, JSON_ROOT, 0, o, w, { n: 0 });
    return;
  }
  if (mt === 'multipart/form-data') { inspectMultipart(ctx.headers['content-type'] ?? '', ctx.body, o.maxParts, w); return; }
  if (mt.startsWith('text/') || mt === 'application/xml' || mt.endsWith('+xml') || mt === 'application/graphql' || mt === '' ||
      mt === 'application/javascript' || mt === 'application/x-yaml' || mt === 'application/yaml') {
    w.emit('body', ctx.body.toString('utf8'));
  }
  // other media types (images, octet-stream, protobuf …) are not text: not inspected
}

function looksJson(b: Buffer): boolean {
  for (let i = 0; i < b.length && i < 16; i++) {
    const c = b[i]!;
    if (c === 32 || c === 9 || c === 10 || c === 13) continue;
    return c === 123 || c === 91;
  }
  return false;
}

/** `where` of a JSON body value: `body.$.a.b[0]`; a suspicious key is reported as `body-key.$.a`. */
const JSON_ROOT = 'body.$';
const KEY_PREFIX = 'body-key.';

function walkJson(v: unknown, path: string, depth: number, o: InputOptions, w: Inspector, count: { n: number }): void {
  if (typeof v === 'string') { if (++count.n > o.maxJsonValues) w.lim.overCount++; w.emit(path, v); return; }
  if (v === null || typeof v !== 'object' || w.exhausted) return;
  if (depth >= o.maxJsonDepth) { w.lim.depthExceeded = true; walkDeep(v, path, o, w, count); return; }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length && !w.exhausted; i++) walkJson(v[i], `${path}[${i}]`, depth + 1, o, w, count);
    return;
  }
  for (const k of Object.keys(v as object)) {
    if (w.exhausted) return;
    if (suspiciousKey(k)) { if (++count.n > o.maxJsonValues) w.lim.overCount++; w.emit(KEY_PREFIX + path.slice(5), k); }
    walkJson((v as Record<string, unknown>)[k], path + keyStep(k.length > 64 ? k.slice(0, 64) : k), depth + 1, o, w, count);
  }
}

/**
 * The step of key `k` in a `where`: `.k`, or `['k']` (`\\` and `'` escaped) for a key that is empty or holds
 * `.` `[` `]` `'` `\\`, so that no key spells other steps (`{"a.b": …}` is `$['a.b']`, not `$.a.b`; `{"x[0]": …}`
 * is not `$.x[0]`; `{".*": …}` is not a depth cut `..*`). Exclusions cannot name such keys: they stay inspected.
 */
function keyStep(k: string): string {
  for (let i = 0; i < k.length; i++) {
    const c = k.charCodeAt(i);
    if (c === 46 || c === 91 || c === 93 || c === 39 || c === 92) return `['${k.replace(/[\\']/g, '\\$&')}']`;
  }
  return k === '' ? "['']" : `.${k}`;
}

/** Below maxJsonDepth: every string and odd key, without recursion, reported as `<path of the cut>..*`. */
function walkDeep(root: object, path: string, o: InputOptions, w: Inspector, count: { n: number }): void {
  const where = `${path}..*`;
  const keyWhere = KEY_PREFIX + where.slice(5);
  const stack: unknown[] = [root];
  while (stack.length > 0 && !w.exhausted) {
    const v = stack.pop();
    if (typeof v === 'string') { if (++count.n > o.maxJsonValues) w.lim.overCount++; w.emit(where, v); continue; }
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) { for (let i = v.length - 1; i >= 0; i--) stack.push(v[i]); continue; }
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i]!;
      if (suspiciousKey(k)) { if (++count.n > o.maxJsonValues) w.lim.overCount++; w.emit(keyWhere, k); }
      stack.push((v as Record<string, unknown>)[k]);
    }
  }
}
