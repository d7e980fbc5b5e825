import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import { walkInputs, type InputLimits, type InputOptions } from '../../../src/threat/inputs.js';
import { checkRequest, decide, denyBody, runtimeFrom } from '../helpers.js';

const o: InputOptions = { headers: [], maxValueBytes: 4096, maxTotalBytes: 100_000, maxJsonDepth: 8, maxJsonValues: 50, maxParts: 10, inspectPath: false, inspectQuery: false, inspectBody: true };
function lim(body: string, contentType: string): InputLimits {
  const ctx = buildContext(checkRequest({ method: 'POST', path: '/login', body, headers: { 'content-type': contentType } }), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
  return walkInputs(ctx, o, () => {});
}
const FORM = 'application/x-www-form-urlencoded';
/** "1' or 1=1--" in EBCDIC code page 037, percent-encoded. */
const EBCDIC_SQLI = '%f1%7d%40%96%99%40%f1%7e%f1%60%60';

/**
 * ASP.NET (System.Web HttpRequest.ContentEncoding → GetAttributeFromHeader) takes the first `charset`
 * in the whole Content-Type that follows `;`, `,` or whitespace and precedes `=` or whitespace — inside a
 * quoted value of another parameter too, and after a comma with no `;` at all — its unquoted value ending at
 * whitespace, `,` or `;`; and it parses any Content-Type that starts with the form type as a form. The
 * gateway read those bodies as UTF-8 while IIS decoded EBCDIC: the charset refusal bypassed.
 */
describe('a charset ASP.NET reads where the parameter parser sees none', () => {
  it('in a quoted value of another parameter, or after a comma: recorded as a second charset (refused)', () => {
    for (const ct of [`${FORM}; foo="a charset=ibm037;b"`, `${FORM}; foo="x, charset=ibm037 y"`, `${FORM}, charset=ibm037`]) {
      assert.match(lim(`q=${EBCDIC_SQLI}`, ct).undecodableCharset ?? '', /ibm037/, ct);
    }
  });

  // ASP.NET takes the first: the parameter before the quoted text is what it reads
  it('the parameter first, the same text later in a quoted value: the parameter (as ASP.NET reads it)', () => {
    assert.equal(lim('q=1', `${FORM}; charset=utf-8; foo="a charset=cp500;"`).undecodableCharset, undefined);
    assert.equal(lim('q=1', `${FORM}; charset=ibm037; foo="a charset=utf-8;"`).undecodableCharset, 'ibm037');
  });

  it('benign spellings the two readings agree on: nothing recorded', () => {
    for (const ct of [`${FORM}; charset=UTF-8`, `${FORM}; charset="utf-8"`, `${FORM};charset=utf-8;`, `${FORM}; charset = utf-8 ; foo=bar`, `${FORM}; charset=ISO-8859-1`,
      'multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW', `${FORM}; foo="no charset here"`, 'text/plain;charset=US-ASCII']) {
      assert.equal(lim('q=1', ct).undecodableCharset, undefined, ct);
    }
  });

  it('end to end: the quoted-value EBCDIC form is refused', async () => {
    const rt = await runtimeFrom('threat: { ban: { ttl_ms: 0 } }\ndefault_action: { action: allow }\nroutes:\n  - name: api\n    match: { path: { prefix: / } }\n');
    const r = await decide(rt, { method: 'POST', path: '/login', body: `user=${EBCDIC_SQLI}&pw=x`, headers: { 'content-type': `${FORM}; foo="a charset=ibm037;b"`, 'user-agent': 'curl/8.5.0' } });
    assert.equal(r.denied_response?.status?.code, 403);
    assert.equal(denyBody(r).error, 'ERR_THREAT');
  });
});
