import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_DETECTOR_OPTIONS, inspectValue } from '../../../src/threat/detectors/index.js';

const pl4 = (v: string) => Math.max(0, ...inspectValue(v, { ...DEFAULT_DETECTOR_OPTIONS, paranoia: 4 }).map((f) => f.confidence));

describe('PL4 angle brackets: markup or an address written the mail/git way', () => {
  // still glued markup: a tag, an address glued to text or carrying markup characters, a script URL
  const attacks = ['x<b>', 'Name<user@example.org>', '<user@example.org>x', '<a@b onmouseover=alert(1)>', '<img src=x@y>', '<svg/onload=alert(1)>',
    '<javascript:alert(1)>', 'a<https://example.org/>b', '<user@example.org><script>'];
  for (const a of attacks) it(`blocks ${JSON.stringify(a)}`, () => assert.ok(pl4(a) >= 0.8, `${a}: ${pl4(a)}`));
  const benign = ['Edward Example <edward@example.org>', 'Debian Team <team+pkg@tracker.example.org>', 'see <https://example.org/docs>, then retry',
    'Maintainers: Ann <ann@example.org>, Bob <bob@example.org>', '(<ops@example.org>)'];
  for (const b of benign) it(`does not block ${JSON.stringify(b)}`, () => assert.ok(pl4(b) < 0.8, `${b}: ${pl4(b)}`));
});
