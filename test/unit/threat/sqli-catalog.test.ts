import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue } from '../../../src/threat/decode/normalize.js';
import { detectSqli } from '../../../src/threat/detectors/sqli/detect.js';

const verdict = (s: string) => detectSqli(decodeValue(s).full);
const flags = (list: string[]) => {
  for (const a of list) it(`flags ${JSON.stringify(a)}`, () => { const v = verdict(a); assert.ok(v.confidence >= 0.8, `${a}: ${v.confidence} ${v.reason}`); });
};
const clean = (list: string[]) => {
  for (const b of list) it(`does not flag ${JSON.stringify(b)}`, () => { const v = verdict(b); assert.ok(v.confidence < 0.8, `${b}: ${v.confidence} ${v.reason}`); });
};

describe('SQL sources: reading a system catalogue', () => {
  flags(['FROM information_schema.', 'from information_schema.columns where table_name=0x7573 limit', 'join pg_catalog.pg_tables)', 'from master..sysdatabases--', 'FROM sys.objects;', 'from mysql.user where 1']);
  flags(['join information_schema.key_column_usage on', 'from sysobjects, syscolumns where 1=1']);
  clean(['data from information_schema is useful', 'from master to servant', 'a note from sys admins', 'from mysql.com downloads', 'from the sysobjects docs page', 'data from information_schema as a source', 'away from pg_catalog on a trip']);
});
