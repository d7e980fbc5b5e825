import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { configSchema } from '../../../src/config/schema.js';

describe('published JSON Schema', () => {
  it('src/config/portcullis.schema.json is up to date (regenerate: npm run schema)', () => {
    const committed = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../../src/config/portcullis.schema.json'), 'utf8'));
    assert.deepEqual(committed, JSON.parse(JSON.stringify(configSchema())));
  });

  it('every object in the schema rejects unknown keys', () => {
    const walk = (node: any, path: string) => {
      if (node === null || typeof node !== 'object') return;
      if (node.type === 'object' && node.properties) assert.equal(node.additionalProperties, false, `${path} allows unknown keys`);
      for (const [k, v] of Object.entries(node)) walk(v, `${path}/${k}`);
    };
    walk(configSchema(), '');
  });
});
