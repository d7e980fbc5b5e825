import { describe } from 'node:test';
import { sqliClean, sqliFlags } from './detector-cases.js';


describe('SQL sources: reading a system catalogue', () => {
  sqliFlags(['FROM information_schema.', 'from information_schema.columns where table_name=0x7573 limit', 'join pg_catalog.pg_tables)', 'from master..sysdatabases--', 'FROM sys.objects;', 'from mysql.user where 1']);
  sqliFlags(['join information_schema.key_column_usage on', 'from sysobjects, syscolumns where 1=1']);
  sqliClean(['data from information_schema is useful', 'from master to servant', 'a note from sys admins', 'from mysql.com downloads', 'from the sysobjects docs page', 'data from information_schema as a source', 'away from pg_catalog on a trip']);
});
