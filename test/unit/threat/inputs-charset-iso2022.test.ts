import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import { DEFAULT_DETECTOR_OPTIONS, inspectValue } from '../../../src/threat/detectors/index.js';
import { walkInputs, type InputOptions } from '../../../src/threat/inputs.js';
import { checkRequest, decide, denyBody, runtimeFrom } from '../helpers.js';

const o: InputOptions = { headers: [], maxValueBytes: 4096, maxTotalBytes: 100_000, maxJsonDepth: 8, maxJsonValues: 50, maxParts: 10, inspectPath: false, inspectQuery: false, inspectBody: true };
function families(body: string, contentType: string): string[] {
  const ctx = buildContext(checkRequest({ method: 'POST', path: '/x', body, headers: { 'content-type': contentType } }), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
  const out = new Set<string>();
  walkInputs(ctx, o, (_w, value) => { for (const f of inspectValue(value, DEFAULT_DETECTOR_OPTIONS)) out.add(f.family); });
  return [...out].sort();
}
const SQLI = "1' union select password from users--";
const ESC_JIS = '\x1b$B';

/**
 * ISO-2022-JP is stateful: after `ESC $ B` every pair of ASCII bytes is one JIS X 0208 character. It passed
 * the ASCII-compatibility probe (plain ASCII reads as itself), so a body or form value in it was read only
 * decoded — `ESC $ B 1' union select …` as kanji — while an application that ignores the charset (Go, Node,
 * PHP read bodies as UTF-8) reads the injection after the escape. The request passed; the same bytes with no
 * charset are refused.
 */
describe('ISO-2022-JP: the UTF-8 reading too, where an escape sequence makes the two differ', () => {
  it('a text body, a form value, a multipart field', () => {
    assert.deepEqual(families(`${ESC_JIS}${SQLI}`, 'text/plain; charset=iso-2022-jp'), ['sqli']);
    assert.deepEqual(families(`q=%1b%24B${encodeURIComponent(SQLI)}`, 'application/x-www-form-urlencoded; charset=ISO-2022-JP'), ['sqli']);
    const mp = `--XyZ\r\nContent-Disposition: form-data; name="q"\r\nContent-Type: text/plain; charset=iso-2022-jp\r\n\r\n${ESC_JIS}${SQLI}\r\n--XyZ--\r\n`;
    assert.deepEqual(families(mp, 'multipart/form-data; boundary=XyZ'), ['sqli']);
  });

  it('end to end: refused', async () => {
    const rt = await runtimeFrom('threat: { ban: { ttl_ms: 0 } }\ndefault_action: { action: allow }\nroutes:\n  - name: api\n    match: { path: { prefix: / } }\n');
    const r = await decide(rt, { method: 'POST', path: '/x', body: `${ESC_JIS}${SQLI}`, headers: { 'content-type': 'text/plain; charset=iso-2022-jp', 'user-agent': 'curl/8.5.0' } });
    assert.equal(denyBody(r).error, 'ERR_THREAT');
  });

  it('ASCII-compatible charsets still have one reading; benign Japanese in ISO-2022-JP finds nothing', () => {
    for (const cs of ['windows-1252', 'shift_jis', 'euc-jp', 'gbk', 'koi8-r', 'iso-8859-2']) {
      const ctx = buildContext(checkRequest({ method: 'POST', path: '/x', body: `q=caf%E9+${encodeURIComponent('\x1b$B')}`, headers: { 'content-type': `application/x-www-form-urlencoded; charset=${cs}` } }), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
      let n = 0;
      walkInputs(ctx, o, () => { n++; });
      assert.equal(n, 1, cs);
    }
    // 日本語 in ISO-2022-JP
    const jp = Buffer.from([0x1b, 0x24, 0x42, 0x46, 0x7c, 0x4b, 0x5c, 0x38, 0x6c, 0x1b, 0x28, 0x42]).toString('latin1');
    assert.deepEqual(families(`こんにちは ${jp} hello`, 'text/plain; charset=iso-2022-jp'), []);
  });
});
