import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SecurityEvent } from '../../../src/threat/events/event.js';
import { formatRfc5424 } from '../../../src/threat/events/sinks/syslog.js';

const ev = (over: Partial<SecurityEvent> = {}): SecurityEvent => ({
  time: '2024-05-01T12:00:00.000Z', client_ip: '203.0.113.7', route: 'api', family: 'sqli', where: 'query.q', score: 0.95,
  action: 'block', mode: 'enforce', code: 'ERR_THREAT', decision_id: 'd-1', request_id: 'r-1', method: 'GET', path: '/search',
  findings: [{ family: 'sqli', where: 'query.q', confidence: 0.95, detail: 'x' }], ...over,
});

/** The MSG part: after the structured data's closing "] ". */
const msgOf = (line: string) => Buffer.from(line).subarray(Buffer.from(line.slice(0, line.indexOf('] ') + 2)).length);

describe('syslog RFC 5424 MSG', () => {
  it('a MSG carrying request-derived non-ASCII is ASCII (MSG-ANY), or UTF-8 only after a BOM (§6.4)', () => {
    const line = formatRfc5424(ev({ where: 'body-key.$.naïve\u2028кл', path: '/caf\u00e9', findings: [{ family: 'sqli', where: 'body.$.日本', confidence: 1 }] }), 13, 'portcullis', 'gw');
    const msg = msgOf(line);
    const bom = msg.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]));
    const ascii = [...msg].every((b) => b < 0x80);
    assert.ok(bom || ascii, 'UTF-8 MSG without the BOM RFC 5424 requires');
    const parsed = JSON.parse(msg.subarray(bom ? 3 : 0).toString('utf8')) as SecurityEvent;
    assert.equal(parsed.where, 'body-key.$.naïve\u2028кл', 'the value survives');
    assert.equal(parsed.findings[0]!.where, 'body.$.日本');
  });
});
