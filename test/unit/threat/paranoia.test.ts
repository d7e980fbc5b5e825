import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigLoadError } from '../../../src/config/errors.js';
import { DEFAULT_DETECTOR_OPTIONS, inspectValue, type ParanoiaLevel } from '../../../src/threat/detectors/index.js';
import type { ThreatModule } from '../../../src/threat/module.js';
import { decide, denyBody, runtimeFrom } from '../helpers.js';

/** Strongest confidence for a value at a paranoia level. */
const at = (v: string, pl: ParanoiaLevel, markup: 'flag' | 'allow' = 'flag') =>
  Math.max(0, ...inspectValue(v, { ...DEFAULT_DETECTOR_OPTIONS, paranoia: pl, markup }).map((f) => f.confidence));

/** A value first blocked (≥ 0.8) at `level`: below it the value passes, at and above it it is blocked. */
function firstBlockedAt(v: string, level: ParanoiaLevel): void {
  for (const pl of [1, 2, 3, 4] as const) {
    if (pl < level) assert.ok(at(v, pl) < 0.8, `${JSON.stringify(v)} blocked at PL${pl}, expected from PL${level}: ${at(v, pl)}`);
    else assert.ok(at(v, pl) >= 0.8, `${JSON.stringify(v)} not blocked at PL${pl}: ${at(v, pl)}`);
  }
}

describe('paranoia levels: each level adds rules, lower levels stay quiet', () => {
  const pl2 = [
    'whoami', 'netstat', 'ifconfig.exe', 'systeminfo',                            // bare commands
    '<br>', '<br/><hr/>', '<kbd>Ctrl</kbd>', '<!-- IE 6-9 -->', '<![CDATA[x]]>',     // markup and comments
    '{{person.name}}', '{% for c in items %}', '${user}', '#{user}', '<% = x %>',  // template syntax
    'name--', 'a/*b*/c',                                                             // SQL comment sequences
    '../notes.txt', '..\\data\\x', '../{FILE}', 'passwd',                                               // dot-dot segments
    'string.rot13', 'see phpversion()',                                          // filter chains, interpreter calls
    '0x77006100690074006600', 'file.txt%00',                                         // hex text literal, NUL byte
  ];
  for (const v of pl2) it(`PL2 blocks ${JSON.stringify(v)}`, () => firstBlockedAt(v, 2));

  const pl3 = [
    'select', 'order by', 'HAVING', 'exec xp', 'union all',                         // keyword-only values
    '(||6)', '1-false', ',@variable', "'em",                                        // SQL fragments
    '(mail=*)',                                                                     // LDAP filters
    'a;{cmd}', '<{cmd}', '{cmd}', 'FAIL||{cmd}', 'x|y', '%0a%0d', '^cat',            // shell metacharacters
    'logs/{FILE}', 'shadow', 'a="get";', "$('a.b')",                                  // placeholders, files, script
  ];
  for (const v of pl3) it(`PL3 blocks ${JSON.stringify(v)}`, () => firstBlockedAt(v, 3));

  // probes PL1 reads itself (sqli-probes.test.ts has the rules): a lone quote glued to a word, a dangling
  // operator after a quote, ; -- and 1);--, a comment naming sp_password, LDAP composite filters
  const pl1 = ["'sqlvuln", "' or", '; --', '1);--', '--sp_password', '*(|(mail=*))', '*)(uid=*'];
  for (const v of pl1) it(`PL1 blocks ${JSON.stringify(v)}`, () => firstBlockedAt(v, 1));

  const pl4 = ['route', 'cat', '(sqlvuln)', 'sqlvuln;', '1*56', '<>"\'%;)(&+', 'price>100', '/usr/spool/lp/log', 'Price: {price}', 'https://cdn.example.net/x/test.xxe'];
  for (const v of pl4) it(`PL4 blocks ${JSON.stringify(v)}`, () => firstBlockedAt(v, 4));

  // realistic values no level may block: the paranoid rules must still read structure, not characters
  const benign = [
    "Seán O'Brien", 'Yes -- I agree with the terms & conditions.', '2024-01-05', '+1 (555) 123-4567', 'Apt. #5',
    'email@example.com', 'Hi; who is this?', 'true', 'null', 'view count', "I'll drop the kids off at 8; pick-up is at 3.",
    '日本語のテキスト（括弧付き）；セミコロンも。', '1/2', 'running shoes', '{"a":1}', 'Tom & Jerry',
  ];
  for (const v of benign) it(`no level blocks ${JSON.stringify(v)}`, () => { for (const pl of [1, 2, 3, 4] as const) assert.ok(at(v, pl) < 0.8, `PL${pl}: ${at(v, pl)}`); });

  it('markup: allow also silences the paranoid markup rules', () => {
    assert.ok(at('<kbd>Ctrl</kbd>', 2) >= 0.8);
    assert.ok(at('<kbd>Ctrl</kbd>', 4, 'allow') < 0.8);
    assert.ok(at('<script>alert(1)</script>', 4, 'allow') >= 0.8, 'script is never allowed');
  });
});

describe('paranoia configuration', () => {
  const UA = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', accept: '*/*', 'accept-language': 'en', 'accept-encoding': 'gzip' };
  it('applies the global level and a route override', async () => {
    const r = await runtimeFrom(`default_action: { action: deny }
threat:
  paranoia: 2
  ban: { ttl_ms: 0 }
  events: { log: false }
routes:
  - name: strict
    match: { path: { prefix: /strict } }
    threat: { paranoia: 3 }
  - name: relaxed
    match: { path: { prefix: /relaxed } }
    threat: { paranoia: 1 }
  - name: api
    match: { path: { prefix: / } }
`);
    await r.modules.get('threat')!.start?.();
    const q = async (path: string) => decide(r, { path, headers: UA, source: '198.51.100.30' });
    assert.equal(denyBody(await q('/api?q=whoami')).error, 'ERR_THREAT', 'global PL2 blocks a bare command');
    assert.ok((await q('/relaxed?q=whoami')).ok_response, 'a PL1 route lets it through');
    assert.ok((await q('/api?q=select')).ok_response, 'PL2 does not block a bare keyword');
    assert.equal(denyBody(await q('/strict?q=select')).error, 'ERR_THREAT', 'a PL3 route does');
    await (r.modules.get('threat') as ThreatModule).close();
  });

  it('rejects a level outside 1..4 naming the path', async () => {
    await assert.rejects(runtimeFrom('default_action: { action: deny }\nthreat:\n  paranoia: 5\nroutes: []\n'), (e: unknown) => e instanceof ConfigLoadError && /paranoia/.test(String((e as Error).message)));
    await assert.rejects(runtimeFrom('default_action: { action: deny }\nroutes:\n  - name: a\n    match: { path: { prefix: / } }\n    threat: { paranoia: 0 }\n'), (e: unknown) => e instanceof ConfigLoadError && /paranoia/.test(String((e as Error).message)));
  });
});
