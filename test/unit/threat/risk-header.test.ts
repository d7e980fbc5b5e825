import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ThreatModule } from '../../../src/threat/module.js';
import { decide, runtimeFrom, upstreamHeaders } from '../helpers.js';

const UA = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', accept: '*/*', 'accept-language': 'en', 'accept-encoding': 'gzip' };
const VISIBLE = /^[\x21-\x7e]*$/;

describe('x-portcullis-risk-findings', () => {
  it('carries only visible ASCII: decoded query and JSON keys cannot inject CR/LF/NUL or split entries', async () => {
    const r = await runtimeFrom('threat: { upstream_header: true, mode: detect, events: { log: false } }\nroutes:\n  - name: api\n    match: { path: { prefix: / } }\n');
    await r.modules.get('threat')!.start?.();
    const q = await decide(r, { path: '/s?x%0d%0aX-Injected:%20yes%00,sqli@y=%3Cscript%3Ealert(1)%3C/script%3E', headers: UA, source: '198.51.100.90' });
    const hq = upstreamHeaders(q)['x-portcullis-risk-findings']!;
    assert.match(hq, VISIBLE);
    assert.equal(hq, 'xss@query.x%0D%0AX-Injected:%20yes%00%2Csqli@y');
    const body = JSON.stringify({ 'a\r\nSet-Cookie: x\u00e9': '<script>alert(1)</script>' });
    const j = await decide(r, { method: 'POST', path: '/j', body, headers: { ...UA, 'content-type': 'application/json' }, source: '198.51.100.91' });
    const hj = upstreamHeaders(j)['x-portcullis-risk-findings']!;
    assert.match(hj, VISIBLE);
    assert.ok(hj.startsWith('xss@body.$.a%0D%0ASet-Cookie:%20x%C3%A9'), hj);
    await (r.modules.get('threat') as ThreatModule).close();
  });
});

describe('header tokens', async () => {
  const { findingsHeaderValue, headerToken } = await import('../../../src/threat/risk-header.js');
  it('keep visible ASCII as it is and percent-encode the rest, the escape and the separator', () => {
    assert.equal(headerToken('body.$.items[0].note'), 'body.$.items[0].note');
    assert.equal(headerToken('a b\tc\u0000d\u007fé%,'), 'a%20b%09c%00d%7F%C3%A9%25%2C');
    assert.equal(headerToken('\ud800'), '%EF%BF%BD');
  });

  it('bound the header to 8 entries and 512 characters, never ending on half an escape', () => {
    const many = Array.from({ length: 20 }, (_, i) => ({ family: 'xss', where: `query.q${i}`, confidence: 1 }));
    assert.equal(findingsHeaderValue(many).split(',').length, 8);
    const long = [{ family: 'sqli', where: `query.${'a'.repeat(505)}\n\n`, confidence: 1 }];
    const v = findingsHeaderValue(long);
    assert.ok(v.length <= 512);
    assert.match(v, /a$/);
  });
});
