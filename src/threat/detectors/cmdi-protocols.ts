import { TIER_A } from './cmdi-lexicon.js';
import { take, type Acc } from './cmdi-verdict.js';

/**
 * Commands of other line-oriented interpreters, injected after a line break into a line the value is
 * appended to: the SMTP envelope (`MAIL FROM:<…>`, `RCPT TO:<…>`), IMAP tagged commands (`a001 uid store …`,
 * only when the value itself opens with the line break), sqlite3 dot-commands that run a program
 * (`.shell nc …`, `.system id`).
 */
/** IMAP verbs by what must follow them: a sequence set, nothing, or their own arguments. */
const IMAP_SEQUENCE = new Set(['fetch', 'store', 'copy', 'move']);
const IMAP_BARE = new Set(['capability', 'noop', 'logout', 'starttls', 'check', 'close', 'expunge', 'idle', 'namespace', 'unselect']);
const IMAP_SEARCH_KEYS = new Set(['charset', 'all', 'answered', 'deleted', 'draft', 'flagged', 'new', 'old', 'recent', 'seen', 'unseen', 'since',
  'before', 'on', 'from', 'to', 'cc', 'bcc', 'subject', 'body', 'text', 'uid', 'not', 'or', 'larger', 'smaller', 'header', 'keyword', 'unkeyword']);
const SEQUENCE_SET = /^(?:\d+|\*)(?::(?:\d+|\*))?(?:,(?:\d+|\*)(?::(?:\d+|\*))?)*$/;

/** `<tag> <verb> …` read as IMAP: the tag has a digit, the verb takes the arguments IMAP gives it. */
function imapCommand(line: string): boolean {
  const t = line.trim().split(/[ \t]+/);
  if (t.length < 2 || !/^[a-z]{0,4}\d{1,6}$/.test(t[0]!)) return false;
  let v = 1;
  if (t[1] === 'uid') v = 2;
  const verb = t[v];
  const args = t.slice(v + 1);
  if (verb === undefined) return false;
  if (IMAP_SEQUENCE.has(verb)) return args.length >= 1 && SEQUENCE_SET.test(args[0]!);
  if (verb === 'search') return args.length >= 1 && IMAP_SEARCH_KEYS.has(args[0]!);
  if (v === 2) return verb === 'expunge' && args.length >= 1 && SEQUENCE_SET.test(args[0]!);
  if (IMAP_BARE.has(verb)) return args.length === 0;
  if (verb === 'login') return args.length === 2;
  if (verb === 'authenticate') return args.length <= 2 && args.length >= 1 && /^[a-z0-9-]{2,20}$/.test(args[0]!);
  return false;
}
const SMTP_ENVELOPE = /^[ \t]*(?:mail[ \t]+from|rcpt[ \t]+to)[ \t]*:[ \t]*</;
const DOT_COMMAND = /^[ \t]*\.[ \t]*(?:shell|system)[ \t]+([a-z0-9_.-]{1,32})/;
const MAX_LINES = 64;

export function protocolLines(s: string, acc: Acc): void {
  let i = 0;
  while (i < s.length && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i++;
  const opensWithBreak = s.charCodeAt(i) === 10 || s.charCodeAt(i) === 13;
  let lines = 0;
  for (let nl = s.indexOf('\n'); nl >= 0 && lines < MAX_LINES; nl = s.indexOf('\n', nl + 1), lines++) {
    const line = s.slice(nl + 1, s.indexOf('\n', nl + 1) < 0 ? s.length : s.indexOf('\n', nl + 1)).replace(/\r$/, '');
    if (SMTP_ENVELOPE.test(line)) { take(acc, 0.85, 'SMTP command after a line break'); return; }
    const d = DOT_COMMAND.exec(line);
    if (d && TIER_A.has(d[1]!)) { take(acc, 0.85, 'sqlite3 .shell command'); return; }
    if (!opensWithBreak) continue;
    if (imapCommand(line)) { take(acc, 0.85, 'IMAP command after a line break'); return; }
  }
}
