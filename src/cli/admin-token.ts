import { readFileSync } from 'node:fs';
import { parseAdminToken } from '../server/admin-auth.js';

/**
 * The Authorization header for CLI calls to the admin API: the token in `--admin-token-file FILE`, else in
 * `$PORTCULLIS_ADMIN_TOKEN_FILE` (the same file as the server's `server.admin.token_file`); none when
 * neither is given. Throws an Error naming the file, never quoting its content.
 */
export function adminAuthHeaders(flags: Record<string, string | true>, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const flag = flags['admin-token-file'];
  if (flag === true) throw new Error('--admin-token-file needs a file');
  const file = flag ?? (env.PORTCULLIS_ADMIN_TOKEN_FILE || undefined);
  if (file === undefined) return {};
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch (err) {
    throw new Error(`admin token file ${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try { return { authorization: `Bearer ${parseAdminToken(text)}` }; } catch (err) {
    throw new Error(`admin token file ${file} ${(err as Error).message}`);
  }
}

/** What to tell the user when the admin API answered 401. */
export const ADMIN_401_HINT = 'the admin endpoint requires a token (server.admin.token_file): pass --admin-token-file FILE or set PORTCULLIS_ADMIN_TOKEN_FILE';
