/**
 * SQL vocabulary (MySQL, PostgreSQL, MSSQL/T-SQL, Oracle, SQLite, DB2) grouped by the role a word plays
 * in a statement. The tokenizer turns words into token types with it; the rules reason over types.
 */

/** Token types (one character each, so a statement's shape reads as a short string). */
export const T = {
  STRING: 's', NUMBER: '1', BAREWORD: 'n', KEYWORD: 'k', UNION: 'U', STATEMENT: 'E', CLAUSE: 'B',
  FUNCTION: 'f', VARIABLE: 'v', COMPARE: 'o', ARITH: 'a', LOGIC: '&', NOT: 'N', LPAREN: '(', RPAREN: ')',
  COMMA: ',', SEMICOLON: ';', DOT: '.', COMMENT: 'c', OTHER: 'X',
} as const;
export type TokenType = (typeof T)[keyof typeof T];

/** Statement verbs: what follows `;` in a stacked query, or begins a whole statement. */
export const STATEMENTS = new Set([
  'select', 'insert', 'update', 'delete', 'drop', 'create', 'alter', 'truncate', 'exec', 'execute', 'declare',
  'shutdown', 'grant', 'revoke', 'merge', 'call', 'waitfor', 'replace', 'rename', 'handler', 'load', 'backup',
  'restore', 'dbcc', 'bulk', 'openrowset', 'opendatasource', 'begin', 'commit', 'rollback', 'set', 'use',
  'show', 'describe', 'desc', 'explain', 'pragma', 'attach', 'copy', 'vacuum', 'kill', 'reconfigure', 'print',
]);

/** Clause starters that continue a query after its WHERE: order by, group by, having, limit … */
export const CLAUSES = new Set(['having', 'limit', 'offset', 'procedure', 'fetch']);
/** Two-word clauses: first word → required second word. */
export const CLAUSE_PAIRS: Record<string, string> = { order: 'by', group: 'by' };

export const LOGIC_WORDS = new Set(['and', 'or', 'xor']);
/** Word operators that compare (their operands form a predicate). */
export const COMPARE_WORDS = new Set(['like', 'rlike', 'regexp', 'ilike', 'similar', 'is', 'in', 'between', 'sounds', 'glob', 'match', 'escape']);
export const ARITH_WORDS = new Set(['div', 'mod', 'collate']);

/** Literal keywords that act as values. */
export const VALUE_WORDS = new Set(['null', 'true', 'false', 'unknown', 'default', 'current_user', 'current_date', 'current_time', 'current_timestamp', 'localtime', 'localtimestamp', 'session_user', 'system_user', 'user']);

export const KEYWORDS = new Set([
  'from', 'where', 'into', 'values', 'table', 'tables', 'database', 'databases', 'schema', 'as', 'on', 'join',
  'inner', 'outer', 'left', 'right', 'cross', 'natural', 'using', 'case', 'when', 'then', 'else', 'end', 'if',
  'exists', 'distinct', 'all', 'any', 'some', 'asc', 'by', 'top', 'outfile', 'dumpfile', 'view', 'index',
  'procedure', 'function', 'trigger', 'user', 'login', 'column', 'columns', 'add', 'modify', 'to', 'with',
  'nowait', 'delay', 'time', 'identified', 'primary', 'key', 'foreign', 'references', 'constraint',
  'cast', 'convert', 'char', 'varchar', 'nvarchar', 'int', 'integer', 'binary', 'for', 'xml', 'path', 'json',
  'lock', 'share', 'mode', 'intersect', 'except', 'minus', 'returning', 'over', 'partition', 'window',
]);

/**
 * Keywords that are not reserved where an operand stands: DDL object words and option names a schema also
 * uses as column names (`where column != 1`, `select login from users`). In operand position they are names.
 */
export const NAME_KEYWORDS = new Set(['login', 'column', 'columns', 'time', 'mode', 'path', 'json', 'xml', 'key', 'share', 'delay', 'index']);

/** Objects DDL acts on: `drop table`, `create user` … */
export const DDL_OBJECTS = new Set([
  'table', 'database', 'schema', 'view', 'index', 'procedure', 'function', 'trigger', 'user', 'login', 'role',
  'column', 'sequence', 'type', 'temporary', 'temp', 'or', 'if', 'unique', 'definer', 'event',
]);

/**
 * Functions injection payloads lean on: timing (blind), file and network access, error-based extraction,
 * fingerprinting and character building. Calling one is strong evidence by itself.
 */
export const DANGEROUS_FUNCTIONS = new Set([
  'sleep', 'benchmark', 'pg_sleep', 'pg_sleep_for', 'pg_sleep_until', 'waitfor', 'load_file', 'extractvalue',
  'updatexml', 'xp_cmdshell', 'sp_executesql', 'sp_oacreate', 'sp_makewebtask', 'sys_eval', 'sys_exec',
  'utl_inaddr', 'utl_http', 'dbms_pipe', 'dbms_lock', 'dbms_xmlgen', 'dbms_java', 'randomblob',
  'pg_read_file', 'pg_ls_dir', 'lo_import', 'lo_export', 'load_extension', 'xmltype', 'ctxsys', 'openrowset',
  'opendatasource', 'geometrycollection', 'polygon', 'multipoint', 'exp', 'name_const', 'gtid_subset',
  'json_keys', 'row_count', 'found_rows', 'version', 'database', 'schema', 'user', 'current_user',
  'system_user', 'session_user', 'connection_id', 'last_insert_id', 'db_name', 'host_name', 'suser_sname',
  'is_srvrolemember', 'has_dbaccess', 'sqlite_version', 'pg_backend_pid', 'inet_server_addr',
  'char', 'chr', 'nchar', 'ascii', 'ord', 'hex', 'unhex', 'concat', 'concat_ws', 'group_concat',
  'string_agg', 'substring', 'substr', 'mid', 'instr', 'locate', 'position', 'length', 'len', 'if', 'iif',
  'ifnull', 'isnull', 'nullif', 'coalesce', 'elt', 'make_set', 'cast', 'convert', 'md5', 'sha1', 'rand',
  'floor', 'count', 'waitfor', 'case', 'decode', 'now', 'sysdate', 'getdate', 'current_database',
]);

/** Functions whose mere call means a timing or side-channel probe (strong even without a context break). */
export const PROBE_FUNCTIONS = new Set([
  'sleep', 'benchmark', 'pg_sleep', 'pg_sleep_for', 'pg_sleep_until', 'load_file', 'extractvalue', 'updatexml',
  'xp_cmdshell', 'sp_executesql', 'sp_oacreate', 'sys_eval', 'sys_exec', 'randomblob', 'pg_read_file',
  'pg_ls_dir', 'lo_import', 'lo_export', 'load_extension', 'dbms_pipe', 'dbms_lock', 'utl_inaddr', 'utl_http',
  'name_const', 'gtid_subset', 'dbms_xmlgen', 'openrowset', 'opendatasource',
]);
/** The probe functions that are Oracle packages, reached through a dot (utl_http.request, dbms_pipe.receive_message). */
export const PROBE_PACKAGES = new Set([...PROBE_FUNCTIONS].filter((f) => f.startsWith('dbms_') || f.startsWith('utl_')));

/** Catalog objects that only appear in schema discovery. */
export const CATALOG_WORDS = new Set([
  'information_schema', 'sysobjects', 'syscolumns', 'sysusers', 'sysdatabases', 'sysibm', 'sysdummy1',
  'all_tables', 'user_tables', 'dba_users', 'all_users', 'pg_shadow', 'pg_user', 'pg_catalog', 'pg_database',
  'sqlite_master', 'sqlite_schema', 'syscat', 'sysibmadm', 'mysql.user', 'sys.objects', 'sys.tables', 'mysql', 'msysobjects', 'master', 'sys', 'dual', 'v$version',
]);
