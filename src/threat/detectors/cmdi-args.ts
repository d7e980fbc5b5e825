import { isShellBlank as isWs } from './chars.js';

/** Argument shapes cmdi.ts asks about once it has a command word (the word's end is `from`). */

/** Shells that run a command string given with -c. */
export const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'csh', 'tcsh', 'fish', 'ash', 'mksh', 'busybox', 'cmd', 'powershell', 'pwsh']);

/** `-c <something>` (or cmd.exe's `/c`, PowerShell's `-command`) right after a shell: a command string follows. */
export function dashC(s: string, from: number): boolean {
  let i = from;
  while (i < s.length && isWs(s.charCodeAt(i))) i++;
  if (i === from) return false;
  const m = /^(?:-c|\/c|\/k|-command|-encodedcommand|-enc|-e)(?=[ \t])/.exec(s.slice(i, i + 18));
  if (!m) return false;
  let j = i + m[0].length;
  while (j < s.length && isWs(s.charCodeAt(j))) j++;
  return j < s.length && s.charCodeAt(j) !== 10 && s.charCodeAt(j) !== 13;
}

/**
 * The one argument left on the line is a host name (`coreruleset.org`, `google.com`, `10.0.0.1`): `curl
 * example.com` alone is a command line; "curl example.com is slow" goes on as prose.
 */
export function hostArgEnds(s: string, from: number): boolean {
  let i = from;
  while (i < s.length && isWs(s.charCodeAt(i))) i++;
  if (i === from) return false;
  const m = /^[a-z0-9](?:[a-z0-9-]{0,62}\.){1,6}[a-z0-9-]{2,63}(?::\d{1,5})?\/?/.exec(s.slice(i, i + 260));
  if (!m) return false;
  let j = i + m[0].length;
  while (j < s.length && isWs(s.charCodeAt(j))) j++;
  const c = s.charCodeAt(j);
  return j >= s.length || c === 10 || c === 13 || c === 59 || c === 124 || c === 38;
}

/**
 * After the command word, one or two plain words and then an option (`ansible all -m ping`, `kubectl get pods
 * -n x`), on a short line: a command line with a verb or target before its flags. A longer lead-in
 * ("docker build fails with --no-cache") is a sentence about the command.
 */
export function optionSoon(s: string, from: number): boolean {
  let end = s.indexOf('\n', from);
  if (end < 0) end = s.length;
  if (end - from > 160) return false;
  const toks = s.slice(from, end).trim().split(/[ \t]+/);
  if (toks.length > 8 || toks.length < 2) return false;
  for (let k = 0; k < toks.length && k < 3; k++) {
    const t = toks[k]!;
    if (/^--?[a-z]/.test(t)) return k > 0;
    if (!/^[a-z0-9][a-z0-9._:/@-]*$/.test(t)) return false;
  }
  return false;
}
