import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { mintKey, recordLine } from '../../src/identity/api-key-format.js';
import { simpleBundle } from '../unit/policy/helpers.js';
import { startStack, type Stack } from './harness/stack.js';

/**
 * Through a real Envoy: a credential the identity config reads from the query (the README's API key
 * example) or from a custom header never reaches the decision log — not in the headers Envoy sends
 * (pseudo-headers included), parsed_query or the path.
 */
describe('policy decision logs through Envoy: configured credentials are erased', () => {
  let stack: Stack;
  const key = mintKey();
  const TOKEN = 'HDRSECRET-session-token-0001';

  before(async () => {
    stack = await startStack({
      config: ({ dir }) => {
        writeFileSync(join(dir, 'keys.jsonl'), recordLine(key, { owner: 'acme', roles: ['buyer'] }));
        writeFileSync(join(dir, 'b.tar.gz'), simpleBundle('t', 'default allow := true'));
        return `
default_action: { action: deny }
identity:
  issuers:
    - name: local
      issuer: https://issuer.example
      keys: [ { secret: "0123456789abcdef0123456789abcdef0123456789" } ]
      algorithms: [HS256]
      from: [ { header: x-session-token } ]
  api_keys: { file: keys.jsonl, from: [ { query: api_key } ] }
policy:
  bundles:
    b: { file: b.tar.gz }
  default_entrypoint: t/allow
  decision_logs: { file: decisions.jsonl, reporting: { max_delay_ms: 50 } }
routes:
  - name: all
    match: { path: { prefix: / } }
    identity: { accept: [api_key] }
    policy: {}
`;
      },
    });
  });
  after(async () => { await stack?.stop(); });

  it('the API key in ?api_key= and a token in a custom header are not in the decision-log line', async () => {
    const r = await stack.request({ path: `/orders?api_key=${key}&page=2`, headers: { 'x-session-token': TOKEN } });
    assert.equal(r.status, 200, r.body);
    const id = r.headers['x-portcullis-decision-id']!;
    let line: string | undefined;
    for (let i = 0; i < 200 && line === undefined; i++) {
      try { line = readFileSync(join(stack.dir, 'decisions.jsonl'), 'utf8').split('\n').find((l) => l.includes(id)); } catch { /* not yet */ }
      if (line === undefined) await sleep(50);
    }
    assert.ok(line, 'the decision-log event');
    assert.ok(!line.includes(key), `the API key is in the decision log: ${line}`);
    assert.ok(!line.includes(TOKEN), `the token is in the decision log: ${line}`);
    const e = JSON.parse(line);
    assert.equal(e.input.attributes.request.http.path, '/orders?page=2');
    assert.deepEqual(e.input.parsed_query, { page: ['2'] });
  });
});
