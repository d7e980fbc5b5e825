import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileRegex } from '../../../src/pipeline/matchers.js';

/**
 * A config regex is compiled anchored (`^(?:…)$`, Envoy's full match). RE2's error quotes the pattern it was
 * given, so the message quoted that wrapper (`missing ): ^(?:^(?:/api/(v1)$)$`): a pattern the operator
 * never wrote. The message quotes the pattern as configured.
 */
describe('config regex errors quote the pattern as written', () => {
  const message = (source: string): string => {
    try { compileRegex(source, '/routes/0/match/path/regex'); } catch (err) { return (err as Error).message; }
    assert.fail(`${source} compiled`);
  };

  it('an unbalanced group names the configured pattern, not the anchored wrapper', () => {
    assert.equal(message('^(?:\\/api\\/(v1)$'), "invalid regex (RE2 syntax, as Envoy's safe_regex): missing ): ^(?:\\/api\\/(v1)$");
  });

  it('a pattern with plain slashes (which RE2 quotes escaped) is named as written too', () => {
    assert.equal(message('^/api/(v1$'), "invalid regex (RE2 syntax, as Envoy's safe_regex): missing ): ^/api/(v1$");
  });

  it('errors that quote a fragment keep it', () => {
    assert.equal(message('/(?=x)'), "invalid regex (RE2 syntax, as Envoy's safe_regex): invalid perl operator: (?=");
  });
});
