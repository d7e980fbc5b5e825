import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import { suspiciousKey } from '../../../src/threat/inputs-inspector.js';
import { walkInputs, type InputOptions } from '../../../src/threat/inputs.js';
import type { ThreatModule } from '../../../src/threat/module.js';
import { checkRequest, decide, denyBody, runtimeFrom, type ReqSpec } from '../helpers.js';

/**
 * JSON.parse keeps the LAST value of a repeated member name; Go's gjson/fastjson, simdjson on-demand and
 * streaming parsers keep the FIRST (others merge). Every value the text holds must be read.
 */
const ctx = (r: ReqSpec) => buildContext(checkRequest(r), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
const o: InputOptions = { headers: [], maxValueBytes: 64 * 1024, maxTotalBytes: 512 * 1024, maxJsonDepth: 8, maxJsonValues: 5000, maxParts: 100, inspectPath: false, inspectQuery: false, inspectBody: true };
const JSON_CT = { 'content-type': 'application/json' };
function read(body: string, opts = o, headers: Record<string, string> = JSON_CT): Array<[string, string]> {
  const seen: Array<[string, string]> = [];
  walkInputs(ctx({ method: 'POST', path: '/j', body, headers }), opts, (w, v) => seen.push([w, v]));
  return seen;
}
const sorted = (a: Array<[string, string]>) => [...a].sort((x, y) => (x[0] + '\0' + x[1] < y[0] + '\0' + y[1] ? -1 : 1));
const SQLI = "1' UNION SELECT password FROM users--";
const XSS = '<script>alert(1)</script>';

describe('JSON bodies with a repeated member name: every value is read', () => {
  it('the first of two values of one name (what a first-wins upstream sees)', () => {
    assert.deepEqual(sorted(read(`{"q":${JSON.stringify(SQLI)},"q":"xx"}`)), sorted([['body.$.q', 'xx'], ['body.$.q', SQLI]]));
  });

  it('without a content type, when the body looks like JSON', () => {
    assert.deepEqual(sorted(read(`{"q":${JSON.stringify(SQLI)},"q":"xx"}`, o, {})), sorted([['body.$.q', 'xx'], ['body.$.q', SQLI]]));
  });

  it('repeated names nested at any depth, in arrays, and inside a value that is itself overridden', () => {
    const body = `{"a":{"b":[{"q":${JSON.stringify(XSS)},"q":"xx"}]},"c":{"d":{"e":"in-lost","e":"lost-2"},"z":"kept"},"c":5}`;
    assert.deepEqual(sorted(read(body)), sorted([
      ['body.$.a.b[0].q', XSS], ['body.$.a.b[0].q', 'xx'],
      ['body.$.c.d.e', 'in-lost'], ['body.$.c.d.e', 'lost-2'], ['body.$.c.z', 'kept'],
    ]));
  });

  it('three values of one name, the first non-string: each string once', () => {
    assert.deepEqual(sorted(read(`{"q":1,"q":"first","q":"last"}`)), sorted([['body.$.q', 'first'], ['body.$.q', 'last']]));
  });

  it('names spelled with escapes are the same name (`\\u0071` is `q`)', () => {
    assert.deepEqual(sorted(read(`{"q":${JSON.stringify(SQLI)},"\\u0071":"xx"}`)), sorted([['body.$.q', 'xx'], ['body.$.q', SQLI]]));
    // values with escapes are read decoded, as JSON.parse decodes them
    assert.deepEqual(sorted(read(`{"q":"\\u003cscript\\u003e \\"x\\" \\\\","q":"xx"}`)), sorted([['body.$.q', '<script> "x" \\'], ['body.$.q', 'xx']]));
  });

  it('odd-looking repeated names are read, once per name', () => {
    const k = "x' OR 1=1";
    const got = read(`{"o":{${JSON.stringify(k)}:"aa",${JSON.stringify(k)}:"bb"}}`);
    assert.deepEqual(sorted(got), sorted([['body-key.$.o', k], ['body.$.o[\'x\\\' OR 1=1\']', 'aa'], ['body.$.o[\'x\\\' OR 1=1\']', 'bb']]));
  });

  it('past max_json_depth: the repeated values are reported under the path of the cut, and the cut is recorded', () => {
    const deep = (inner: string) => '{"a":'.repeat(9) + inner + '}'.repeat(9);
    const seen: Array<[string, string]> = [];
    const lim = walkInputs(ctx({ method: 'POST', path: '/j', body: deep(`{"q":${JSON.stringify(XSS)},"q":"xx"}`), headers: JSON_CT }), o, (w, v) => seen.push([w, v]));
    assert.equal(lim.depthExceeded, true);
    assert.deepEqual(sorted(seen), sorted([['body.$.a.a.a.a.a.a.a.a..*', XSS], ['body.$.a.a.a.a.a.a.a.a..*', 'xx']]));
    // an overridden value that is itself deeper than the limit (the kept one is not)
    const seen2: Array<[string, string]> = [];
    const lim2 = walkInputs(ctx({ method: 'POST', path: '/j', body: `{"a":${'['.repeat(10)}${JSON.stringify(XSS)}${']'.repeat(10)},"a":1}`, headers: JSON_CT }), o, (w, v) => seen2.push([w, v]));
    assert.equal(lim2.depthExceeded, true);
    assert.deepEqual(seen2, [['body.$.a[0][0][0][0][0][0][0]..*', XSS]]);
  });

  it('repeated values count toward max_json_values', () => {
    const small = { ...o, maxJsonValues: 2 };
    const lim = walkInputs(ctx({ method: 'POST', path: '/j', body: '{"q":"aa","q":"bb","q":"cc"}', headers: JSON_CT }), small, () => undefined);
    assert.equal(lim.overCount, 1);
  });

  it('a body that is not valid JSON (repeated names or not) is still read whole, as text', () => {
    const body = `{"q":${JSON.stringify(SQLI)},"q":"xx"`;
    const seen: Array<[string, string]> = [];
    const lim = walkInputs(ctx({ method: 'POST', path: '/j', body, headers: JSON_CT }), o, (w, v) => seen.push([w, v]));
    assert.deepEqual(seen, [['body', body]]);
    assert.equal(lim.unparsedBody, 'json');
  });
});

/** A JSON value that may repeat names: objects are lists of members. */
type J = string | number | boolean | null | J[] | { m: Array<[string, J]> };
/** The text of `v`; `ws`: with blanks between tokens (as a pretty printer writes). */
function text(v: J, ws = ''): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${ws}${v.map((e) => text(e, ws)).join(`${ws},${ws}`)}${ws}]`;
  return `{${ws}${v.m.map(([k, x]) => `${JSON.stringify(k)}${ws}:${ws}${text(x, ws)}`).join(`${ws},${ws}`)}${ws}}`;
}
/** What must be read: every string of the text and every odd name, by the walk's `where` (depth cut at `max`). */
function expected(v: J, max: number): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const step = (k: string) => (k === '' || /[.[\]'\\]/.test(k) ? `['${k.replace(/[\\']/g, '\\$&')}']` : `.${k}`);
  const go = (x: J, path: string, depth: number, cut: string | undefined): void => {
    if (typeof x === 'string') { if (x.length >= 2) out.push([cut ?? path, x]); return; }
    if (x === null || typeof x !== 'object') return;
    const here = cut ?? (depth >= max ? `${path}..*` : undefined);
    if (Array.isArray(x)) { x.forEach((e, i) => go(e, `${path}[${i}]`, depth + 1, here)); return; }
    const names = new Set<string>(); // an odd name is read once per object, however often it repeats there
    for (const [k, e] of x.m) {
      if (suspiciousKey(k) && k.length >= 2 && !names.has(k)) out.push([`body-key.${(here ?? path).slice(5)}`, k]);
      names.add(k);
      go(e, path + step(k), depth + 1, here);
    }
  };
  go(v, 'body.$', 0, undefined);
  return out;
}

/** A small seeded generator (xorshift), so a failure can be replayed. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return (n: number) => { s ^= s << 13; s >>>= 0; s ^= s >> 17; s ^= s << 5; s >>>= 0; return s % n; };
}
const NAMES = ['q', 'a', 'b', "x' OR 1=1", 'a.b', '', 'id', '__proto__', 'k\\"'];
const STRINGS = ['aa', "1' OR '1'='1", XSS, 'x', 'plain text', '\\"quoted\\"', 'é ü', '\u2028', '"'];
function gen(r: (n: number) => number, depth: number, dups: boolean): J {
  const t = depth > 5 ? r(3) : r(6);
  if (t === 0) return STRINGS[r(STRINGS.length)]!;
  if (t === 1) return [r(100), -0.0005, 1.5e300, true, false][r(5)]!;
  if (t === 2) return null;
  if (t === 3) return Array.from({ length: r(4) }, () => gen(r, depth + 1, dups));
  const m: Array<[string, J]> = [];
  const used = new Set<string>();
  for (let i = r(5); i > 0; i--) {
    const k = NAMES[r(NAMES.length)]!;
    if (!dups && used.has(k)) continue;
    used.add(k);
    m.push([k, gen(r, depth + 1, dups)]);
  }
  return { m };
}

describe('JSON bodies: differential', () => {
  it('without repeated names, the walk reads exactly what JSON.parse holds, in its order (above the depth cut)', () => {
    const r = rng(7);
    for (let n = 0; n < 400; n++) {
      const v = gen(r, 0, false);
      if (typeof v !== 'object' || v === null) continue;
      const body = text(v, n % 3 === 0 ? ' \n\t' : '');
      assert.deepEqual(read(body, { ...o, maxJsonDepth: 32 }), expected(v, 32), body);
      // past the depth cut the order differs (the cut is read with a stack), not what is read
      assert.deepEqual(sorted(read(body, { ...o, maxJsonDepth: 4 })), sorted(expected(v, 4)), body);
    }
  });

  it('with repeated names, the walk reads the union of every value (each string of the text once)', () => {
    const r = rng(11);
    let withDups = 0;
    for (let n = 0; n < 400; n++) {
      const v = gen(r, 0, true);
      if (typeof v !== 'object' || v === null) continue;
      const body = text(v, n % 3 === 0 ? '\r\n ' : '');
      if (Object.keys(JSON.parse(body)).length !== (Array.isArray(v) ? v.length : v.m.length)) withDups++;
      assert.deepEqual(sorted(read(body, { ...o, maxJsonDepth: 4 })), sorted(expected(v, 4)), body);
    }
    assert.ok(withDups > 20, `only ${withDups} bodies with a repeated top-level name`);
  });
});

describe('JSON bodies with a repeated member name: through the threat stages', () => {
  const UA = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', accept: '*/*', 'accept-language': 'en', 'accept-encoding': 'gzip' };
  let ip = 10;
  const rt = async (yaml: string) => { const r = await runtimeFrom(`default_action: { action: allow }\n${yaml}`); await r.modules.get('threat')!.start?.(); return r; };
  const post = (r: Awaited<ReturnType<typeof rt>>, path: string, body: string) =>
    decide(r, { method: 'POST', path, body, headers: { ...UA, ...JSON_CT }, source: `198.51.100.${ip++}` });

  it('the SQL in the first of two `q` is refused; an exclusion of body.$.q still applies to it', async () => {
    const r = await rt(`threat: { events: { log: false }, ban: { ttl_ms: 0 } }\nroutes:\n` +
      '  - name: notes\n    match: { path: { prefix: /notes } }\n    threat:\n      exclude: [{ input: "body.$.q" }]\n' +
      '  - name: other\n    match: { path: { prefix: / } }\n');
    try {
      const resp: any = await post(r, '/api', `{"q":${JSON.stringify(SQLI)},"q":"x"}`);
      assert.equal(resp.denied_response?.status?.code, 403, JSON.stringify(resp.ok_response ?? null));
      assert.equal(denyBody(resp).error, 'ERR_THREAT');
      const ok: any = await post(r, '/notes', `{"q":${JSON.stringify(SQLI)},"q":"x"}`);
      assert.ok(ok.ok_response, 'excluded on /notes');
      const other: any = await post(r, '/notes', `{"q":"x","p":${JSON.stringify(SQLI)},"p":"x"}`);
      assert.equal(other.denied_response?.status?.code, 403, 'body.$.p is not excluded');
    } finally { await (r.modules.get('threat') as ThreatModule).close(); }
  });
});
