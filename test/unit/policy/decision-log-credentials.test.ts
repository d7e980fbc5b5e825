import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mintKey, recordLine } from '../../../src/identity/api-key-format.js';
import { closeRuntime } from '../../../src/pipeline/runtime.js';
import { decide, runtimeFrom } from '../helpers.js';
import { simpleBundle } from './helpers.js';

/**
 * Every credential location the identity config names (JWT, API key, introspection sources, signature headers,
 * the SAML session cookie) is erased from decision logs by default: headers, parsed_query and the raw path.
 */
describe('decision logs never carry the configured credentials', () => {
  let dir = '';
  const key = mintKey();
  const SECRETS = {
    jwtHeader: 'HDRSECRET-jwt-0002',
    jwtQuery: 'QSECRET-jwt-0003',
    introQuery: 'QSECRET-intro-0004',
    signature: 'SIGSECRET0005',
    cookie: 'CSECRET-0006',
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pc-dlcred-'));
    writeFileSync(join(dir, 'keys.jsonl'), recordLine(key, { owner: 'acme', roles: ['buyer'] }));
    writeFileSync(join(dir, 'b.tar.gz'), simpleBundle('t', 'default allow := true'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const yaml = (maskDefaults?: boolean) => `
identity:
  issuers:
    - name: local
      issuer: https://issuer.example
      keys: [ { secret: "0123456789abcdef0123456789abcdef0123456789" } ]
      algorithms: [HS256]
      from: [ { header: x-session-token }, { query: jwt }, { cookie: sess } ]
  introspection:
    - name: idp
      url: http://127.0.0.1:9/introspect
      client_id: portcullis
      client_secret: not-used
      from: [ { query: token } ]
  api_keys: { file: ${join(dir, 'keys.jsonl')}, from: [ { query: api_key }, { header: X-Custom-Key } ] }
  signatures:
    keys: [ { id: partner, algorithm: hmac-sha256, secret: "0123456789abcdef0123456789abcdef" } ]
policy:
  bundles:
    b: { file: ${join(dir, 'b.tar.gz')} }
  default_entrypoint: t/allow
  decision_logs:
    file: ${join(dir, 'dl.jsonl')}
    reporting: { max_delay_ms: 10 }${maskDefaults === undefined ? '' : `\n    mask_defaults: ${maskDefaults}`}
routes:
  - name: all
    match: { path: { prefix: / } }
    identity: { accept: [api_key] }
    policy: {}
`;

  async function logLines(maskDefaults?: boolean): Promise<string[]> {
    rmSync(join(dir, 'dl.jsonl'), { force: true });
    const rt = await runtimeFrom(yaml(maskDefaults));
    for (const m of rt.modules.values()) await m.start?.();
    try {
      const headers = { 'x-session-token': SECRETS.jwtHeader, signature: `sig1=:${SECRETS.signature}:`, cookie: `sess=${SECRETS.cookie}`, 'x-ok': 'visible' };
      for (const [path, extra] of [
        [`/orders?jwt=${SECRETS.jwtQuery}&token=${SECRETS.introQuery}&page=2`, { 'x-custom-key': key }],
        [`/orders?api_key=${key}&page=3`, {}],
        [`/orders?api%5Fkey=${key}&page=4`, {}], // the parameter's name spelled with an escape is the same parameter
      ] as const) {
        const r = await decide(rt, { path, headers: { ...headers, ...extra } });
        assert.ok(r.ok_response, `allowed: ${JSON.stringify(r.denied_response?.body)}`);
      }
    } finally {
      await closeRuntime(rt);
    }
    return readFileSync(join(dir, 'dl.jsonl'), 'utf8').trim().split('\n');
  }

  it('an API key in the query (the README example) and custom credential headers/parameters are erased everywhere', async () => {
    const lines = await logLines();
    assert.equal(lines.length, 3);
    for (const line of lines) {
      assert.ok(!line.includes(key), `API key in the decision log: ${line}`);
      for (const s of Object.values(SECRETS)) assert.ok(!line.includes(s), `${s} in the decision log: ${line}`);
      const e = JSON.parse(line);
      assert.equal(e.input.attributes.request.http.headers['x-ok'], 'visible', 'other headers stay');
      assert.ok(e.input.parsed_query.page, 'other parameters stay');
      assert.match(e.input.attributes.request.http.path, /^\/orders\?page=\d$/);
    }
  });

  it('mask_defaults: false turns the configured credential masks off too (the operator asked to see them)', async () => {
    const lines = await logLines(false);
    assert.ok(lines[1]!.includes(key));
  });
});
