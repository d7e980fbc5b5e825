import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileRegex } from '../../../src/pipeline/matchers.js';

/** What README says config regexes do where RE2 (Envoy's safe_regex) and JavaScript's RegExp differ. */
const m = (re: string, s: string) => compileRegex(re, '/p').test(s);

describe('config regexes: RE2 semantics (as Envoy), where they differ from JavaScript', () => {
  it('full match: no implicit prefix or substring match, and $ does not match before a final newline', () => {
    assert.equal(m('/api', '/api/x'), false);
    assert.equal(m('/a$', '/a\n'), false);
    assert.equal(m('/a|/b', '/b'), true, 'alternation is inside the anchors');
  });
  it('. matches any character but \\n: \\r and U+2028 too, and a character outside the BMP as one', () => {
    assert.equal(m('/x.', '/x\r'), true);
    assert.equal(m('/x.', '/x\u2028'), true);
    assert.equal(m('/x.', '/x\n'), false);
    assert.equal(m('/x.', '/x😀'), true);
    assert.equal(m('/x..', '/x😀'), false);
  });
  it('\\s, \\d, \\w and \\b are ASCII: no-break space and vertical tab are not \\s, Arabic-Indic digits not \\d', () => {
    assert.equal(m('a\\sb', 'a b'), true);
    assert.equal(m('a\\sb', 'a\u00a0b'), false);
    assert.equal(m('a\\sb', 'a\u000bb'), false);
    assert.equal(m('v\\d', 'v\u0661'), false);
    assert.equal(m('\\w+', 'é'), false);
  });
  it('RE2 syntax: (?i), (?s), \\p{L}, [[:alpha:]], \\Q…\\E', () => {
    assert.equal(m('(?i)/admin/.*', '/ADMIN/x'), true);
    assert.equal(m('(?s)a.b', 'a\nb'), true);
    assert.equal(m('/\\p{L}+', '/é'), true);
    assert.equal(m('[[:alpha:]]+', 'abc'), true);
    assert.equal(m('\\Q.\\E', 'x'), false);
  });
  it('what JavaScript accepted but RE2 has no meaning for is a config error: back-references, look-around, [^], [\\b]', () => {
    for (const re of ['(a)\\1', '/(?=x)', '/(?!x)', '(?<=a)b', '[^]', '[\\b]']) assert.throws(() => compileRegex(re, '/p'), /invalid regex/, re);
  });
});
