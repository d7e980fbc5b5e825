/**
 * A labelled list of tool names: `Editors: vim; emacs`, `Shells: bash; zsh; fish`. The value opens with a
 * label (a word or a few, then ':' and a blank) and its `;`-separated items are single names, the one
 * before the semicolon a command itself: a list of tools in a profile or a form, not a command line
 * (an injection appends its command to data, `x; whoami`, and needs no label). Reads at most the label and
 * the item before the semicolon (bounded, so each command position costs constant time).
 */
import { TIER_A } from './cmdi-lexicon.js';

const MAX_LABEL = 32;

/**
 * Commands whose harm needs no argument: who the process runs as, its environment (secrets), the host's
 * name, network, processes, files and logs, or the host powered off. A profile's list of tools names
 * editors, shells, languages and utilities; `Tools: ls; whoami` is a probe wearing a label, so these stay
 * commands after a list's `;`.
 */
const ACTS_BARE = new Set([
  'id', 'whoami', 'whoami.exe', 'uname', 'hostname', 'env', 'printenv', 'set', 'export', 'alias', 'history',
  'ps', 'w', 'who', 'last', 'pwd', 'ls', 'dir', 'uptime', 'ifconfig', 'ipconfig', 'netstat', 'arp', 'route',
  'mount', 'df', 'free', 'lsof', 'dmesg', 'journalctl', 'nproc', 'lscpu', 'lsblk', 'systeminfo', 'tasklist',
  'ver', 'vol', 'klist', 'qwinsta', 'quser', 'reboot', 'halt', 'poweroff', 'shutdown', 'yes',
]);
const MAX_ITEM = 32;

function isLower(c: number): boolean { return c >= 97 && c <= 122; }
function isNameChar(c: number): boolean { return isLower(c) || (c >= 48 && c <= 57) || c === 45 || c === 95 || c === 46 || c === 43; }

/** Where the label ends (after ': '), or -1. `s` is lower-cased. */
function labelEnd(s: string): number {
  if (!isLower(s.charCodeAt(0))) return -1;
  let i = 1;
  while (i < s.length && i <= MAX_LABEL && (isLower(s.charCodeAt(i)) || s.charCodeAt(i) === 32)) i++;
  if (s.charCodeAt(i) !== 58 || s.charCodeAt(i + 1) !== 32) return -1;
  i += 2;
  while (i < s.length && s.charCodeAt(i) === 32) i++;
  return i;
}

/** `semi`: the index of a ';' followed by a blank in lower-cased `s`; `next`: the command after it. */
export function labelledToolList(s: string, semi: number, next: string): boolean {
  if (ACTS_BARE.has(next)) return false;
  const from = labelEnd(s);
  if (from < 0 || semi <= from) return false;
  // the item before the semicolon: one name back to the previous ';' or the label
  let e = semi;
  while (e > from && s.charCodeAt(e - 1) === 32) e--;
  let b = e;
  while (b > from && e - b <= MAX_ITEM && isNameChar(s.charCodeAt(b - 1))) b--;
  if (b === e || e - b > MAX_ITEM) return false;
  if (b > from) {
    let k = b;
    while (k > from && s.charCodeAt(k - 1) === 32) k--;
    if (s.charCodeAt(k - 1) !== 59) return false;
  }
  return TIER_A.has(s.slice(b, e));
}
