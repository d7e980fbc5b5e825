import { MAX_URL_ROUNDS, type Decoded } from '../decode/normalize.js';
import { pathInProse, relativeLinksInProse } from './traversal-prose.js';
import { remoteInclude, UNC_REMOTE, uncPath } from './traversal-remote.js';

export interface TraversalVerdict { confidence: number; reason: string }

// character classes of the path reader
const A = 0; // ordinary
const D = 1; // dot
const S = 2; // separator
const N = 3; // noise an encoder left behind: U+FFFD, NUL, controls, '?', '*', stray '%', private use
const W = 4; // whitespace

/**
 * Files and directories that only a traversal or inclusion attempt asks for (component boundaries are
 * checked, separators are normalised to '/').
 */
const TARGETS = [
  'etc/passwd', 'etc/shadow', 'etc/group', 'etc/hosts', 'etc/issue', 'etc/motd', 'etc/hostname', 'etc/sudoers',
  'etc/crontab', 'etc/fstab', 'etc/master.passwd', 'etc/security/', 'etc/httpd/', 'etc/apache', 'etc/nginx/',
  'etc/mysql/', 'etc/ssh/', 'etc/profile', 'etc/resolv.conf', 'etc/inittab', 'etc/syslog.conf', 'etc/php',
  'proc/self/', 'proc/version', 'proc/cpuinfo', 'proc/meminfo', 'proc/net/', 'proc/mounts', 'proc/1/',
  'var/log/', 'var/mail/', 'var/spool/', 'var/www/', 'var/run/', 'var/lib/mysql', 'usr/local/apache', 'usr/local/etc/',
  'var/adm/', 'var/cron/', 'cpanel/', 'usr/local/cpanel',
  'root/.', 'home/', 'master.passwd', 'boot.ini', 'win.ini', 'system.ini', 'windows/system32', 'winnt/system32', 'windows/win',
  'windows/repair', 'system32/', 'repair/sam', 'repair/system', 'autoexec.bat', 'config.sys', 'inetpub/',
  'global.asa', 'web.config', 'wp-config.php', 'config.php', 'configuration.php', 'localsettings.php',
  '.htaccess', '.htpasswd', '.ssh/', 'id_rsa', 'id_dsa', 'authorized_keys', 'known_hosts', '.bash_history',
  '.bashrc', '.profile', '.aws/credentials', '.git/', '.svn/', '.env', '.npmrc', '.docker/config.json',
  'apache2.conf', 'httpd.conf', 'php.ini', 'my.cnf', 'my.ini', 'sam', 'ntuser.dat', 'pagefile.sys',
  'log/', 'logs/', 'access.log', 'access_log', 'error.log', 'error_log', 'accesslog', 'php://', 'shell.php',
  'cmd.exe', 'command.com', 'bin/sh', 'bin/bash', 'bin/id', 'usr/bin/', 'lib/', 'opt/', 'dev/', 'tmp/',
  // a servlet application's descriptor, classes and bundled configuration; a container's mounted secrets
  // (a Kubernetes service account token, Docker/Compose secrets)
  'web-inf/', 'var/run/secrets/', 'run/secrets/',
];
/** Targets strong enough on their own when written as an absolute path (/etc/passwd). */
const STRONG_TARGETS = new Set([
  'etc/passwd', 'etc/shadow', 'etc/group', 'etc/hosts', 'etc/issue', 'etc/motd', 'etc/hostname', 'etc/sudoers',
  'etc/crontab', 'etc/fstab', 'etc/master.passwd', 'etc/security/', 'etc/httpd/', 'etc/apache', 'etc/nginx/',
  'etc/mysql/', 'etc/ssh/', 'etc/profile', 'etc/resolv.conf', 'etc/inittab', 'etc/syslog.conf', 'etc/php',
  'proc/self/', 'proc/version', 'proc/cpuinfo', 'proc/meminfo', 'proc/net/', 'proc/mounts', 'proc/1/',
  'var/log/', 'var/mail/', 'var/spool/', 'var/lib/mysql', 'usr/local/apache', 'usr/local/etc/', 'root/.', 'boot.ini', 'win.ini', 'system.ini',
  'var/adm/', 'var/cron/', 'usr/local/cpanel',
  'windows/system32', 'winnt/system32', 'windows/win', 'windows/repair', 'repair/sam', 'repair/system',
  'autoexec.bat', 'inetpub/', 'global.asa', 'wp-config.php', '.htaccess', '.htpasswd', '.ssh/', 'id_rsa',
  'id_dsa', 'authorized_keys', '.bash_history', '.aws/credentials', 'ntuser.dat', 'pagefile.sys', 'access.log',
  'access_log', 'error.log', 'error_log', 'accesslog', 'cmd.exe', 'command.com', 'bin/sh', 'bin/bash',
  'web.config', 'apache2.conf', 'httpd.conf', 'php.ini', 'my.cnf', '.git/', '.env', '.docker/config.json',
  '.bashrc', '.profile', 'master.passwd', 'var/run/secrets/', 'run/secrets/',
]);

/**
 * Targets strong only when the value opens with them (`/WEB-INF/web.xml`, what a servlet include or forward
 * is handed): deeper in a path (`src/main/webapp/WEB-INF/web.xml`) they name a project's source file.
 */
const OPENING_TARGETS = new Set(['web-inf/']);

/**
 * A repository's metadata and a project's own dotfiles: every project tree has them under some directory, so
 * deeper in a relative path (`src/.git/config`, `packages/api/.env`: a code-review or CI API's file names)
 * they name a file of the project. Strong where a file read of the server names them: the value opens with
 * them, is an absolute path (`/var/www/html/.git/config`, `C:\inetpub\…\.env`, `~/.git/`), or a dot-dot
 * segment reaches them.
 */
const PROJECT_TARGETS = new Set(['.git/', '.env', '.htaccess', '.htpasswd']);

/**
 * `lower` is a relative path below some directory up to `t`: it opens with a plain name (not '/', '~', a
 * drive or a dot) and every segment before `t` is a plain name — no empty or dot segment (`x//.env`,
 * `uploads/./.env`), no ':' (`file:x/.env`) and no ';' or other noise (`x/.;/.env`, a Tomcat path
 * parameter): the shapes that walk a path filter, which no project tree's file name has. Reads the
 * prefix once.
 */
function relativeBelowDir(lower: string, t: string): boolean {
  const c = lower.charCodeAt(0);
  if (c === 47 || c === 126 || c === 46) return false;
  const end = lower.indexOf(`/${t}`);
  if (end < 0) return false;
  let onlyDots = true;
  for (let i = 0; i <= end; i++) {
    const k = lower.charCodeAt(i);
    if (k === 47) { if (onlyDots) return false; onlyDots = true; continue; }
    if (k === 58 || k === 59 || k === 126 || k === 63 || k === 42 || k === 37 || k < 32) return false;
    if (k !== 46) onlyDots = false;
  }
  return true;
}

/** Whether target `t` (found in `lower`, the value lower-cased with '/' separators) is strong here. */
function strongTarget(t: string, lower: string, segments = 0): boolean {
  if (PROJECT_TARGETS.has(t)) return segments > 0 || !relativeBelowDir(lower, t);
  if (STRONG_TARGETS.has(t)) return true;
  if (!OPENING_TARGETS.has(t)) return false;
  let i = 0;
  while (i < lower.length && (lower.charCodeAt(i) === 47 || lower.charCodeAt(i) === 126)) i++;
  return lower.startsWith(t, i);
}

/** Stream wrappers and schemes that make an include or file read fetch something else. */
const WRAPPERS: Array<[string, number]> = [
  ['php://', 0.95], ['expect://', 0.95], ['phar://', 0.9], ['zip://', 0.9], ['compress.zlib://', 0.9],
  ['compress.bzip2://', 0.9], ['glob://', 0.85], ['data://', 0.85], ['file://', 0.85], ['file:///', 0.9],
  ['jar:file:', 0.9], ['ogg://', 0.8], ['rar://', 0.85], ['ssh2.', 0.8], ['zlib:', 0.8], ['res://', 0.8],
];

function isAlnum(c: number): boolean { return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90); }

function classify(s: string): { cls: Uint8Array; chars: string } {
  const n = s.length;
  const cls = new Uint8Array(n);
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 /* % */ && isAlnum(s.charCodeAt(i + 1)) && isAlnum(s.charCodeAt(i + 2))) {
      // an escape that survived decoding is malformed (%pc, %8s, %qf): residue of an encoded separator
      cls[i] = N; cls[i + 1] = N; cls[i + 2] = N;
      out[i] = 126; out[i + 1] = 126; out[i + 2] = 126;
      i += 2;
      continue;
    }
    let k = A;
    let ch = c >= 65 && c <= 90 ? c + 32 : c;
    if (c === 46) k = D;
    else if (c === 47 || c === 92) { k = S; ch = 47; }
    else if (c === 32 || c === 9 || c === 10 || c === 13) { k = W; ch = 32; }
    else if (c < 32 || c === 0x7f || c === 0xfffd || c === 63 || c === 42 || c === 37 || c === 59 || (c >= 0xe000 && c <= 0xf8ff)) { k = N; ch = 126; } // ';': Tomcat path parameters (..;/)
    cls[i] = k;
    out[i] = ch;
  }
  let chars = '';
  for (let i = 0; i < n; i += 8192) chars += String.fromCharCode.apply(null, out.subarray(i, Math.min(n, i + 8192)) as unknown as number[]);
  return { cls, chars };
}

/** The separator a hex pair spells: 2e '.', 2f '/', 5c '\\' (lower-case char codes). */
function map(a: number, b: number): string | undefined {
  if (a === 50 && b === 101) return '.';
  if (a === 50 && b === 102) return '/';
  if (a === 53 && b === 99) return '\\';
  return undefined;
}

/** `0x2e` / `0x2f` / `0x5c` spelled out, and `2f`/`5c`/`2e` glued to dots (..2f..2f): fold them. */
function foldHexLiterals(s: string): string {
  const lower = s.toLowerCase();
  if (lower.indexOf('2e') < 0 && lower.indexOf('2f') < 0 && lower.indexOf('5c') < 0) return s;
  // a bare 2e/2f/5c folds only after a dot or separator (or once a 0x… one folded): without either, nothing
  // does (a value whose lower-casing changes its length is rebuilt as before)
  if (lower.length === s.length && lower.indexOf('0x') < 0 && s.indexOf('.') < 0 && s.indexOf('/') < 0 && s.indexOf('\\') < 0) return s;
  // the last character written is kept, not read back from `out`: reading a string being built by += makes V8
  // flatten it each time (quadratic: 64 KiB of ..2f took a quarter of a second)
  let out = '';
  let i = 0;
  let folded = 0;
  let prev = NaN;
  const n = s.length;
  while (i < n) {
    const c = lower.charCodeAt(i);
    if (c === 48 && lower.charCodeAt(i + 1) === 120) { // 0x..
      const m = map(lower.charCodeAt(i + 2), lower.charCodeAt(i + 3));
      if (m !== undefined) { out += m; prev = m.charCodeAt(0); i += 4; folded++; continue; }
    }
    const m = map(c, lower.charCodeAt(i + 1));
    // glued to a dot or slash (..2f), or a separator spelled the same way as one already folded (etc2fpasswd)
    if (m !== undefined && (prev === 46 || prev === 47 || prev === 92 || (folded > 0 && m !== '.'))) { out += m; prev = m.charCodeAt(0); i += 2; folded++; continue; }
    out += s[i];
    prev = s.charCodeAt(i);
    i++;
  }
  return out;
}

/**
 * Targets indexed by their first path component: `etc/passwd` → etc → [[passwd]]; a trailing '/' means
 * "a directory: something must follow". Lookup walks the value's components once.
 */
interface Target { text: string; rest: string[]; dir: boolean; strong: boolean }
const TARGET_INDEX = new Map<string, Target[]>();
for (const t of TARGETS) {
  if (t.includes('://')) continue;
  const dir = t.endsWith('/');
  const parts = (dir ? t.slice(0, -1) : t).split('/');
  const list = TARGET_INDEX.get(parts[0]!) ?? [];
  list.push({ text: t, rest: parts.slice(1), dir, strong: STRONG_TARGETS.has(t) });
  TARGET_INDEX.set(parts[0]!, list);
}

/** The strongest known target among the value's path components: [target, preceded by a '/']. */
function targetAt(norm: string): [string, boolean] | undefined {
  // components: split on the separators and on characters that end a name in prose or URLs
  const comps: string[] = [];
  const slashBefore: boolean[] = [];
  let start = 0;
  let prevSlash = false;
  for (let i = 0; i <= norm.length; i++) {
    const c = i < norm.length ? norm.charCodeAt(i) : 47;
    if (c === 47 || c === 32 || c === 58 || c === 61 || c === 126 || c === 63 || c === 38 || c === 59 || c === 44 || c === 34 || c === 39) {
      if (i > start) {
        let comp = norm.slice(start, i);
        // leading dots belong to a traversal (..boot.ini), not to the name — except dotfiles
        let k = 0;
        while (k < comp.length - 1 && comp.charCodeAt(k) === 46 && comp.charCodeAt(k + 1) === 46) k++;
        if (k > 0) comp = comp.slice(k + 1 < comp.length && comp.charCodeAt(k) === 46 ? k + 1 : k);
        comps.push(comp);
        slashBefore.push(prevSlash);
      }
      prevSlash = c === 47;
      start = i + 1;
      if (comps.length >= 64) break;
    }
  }
  let found: [string, boolean] | undefined;
  for (let i = 0; i < comps.length; i++) {
    const comp = comps[i]!;
    let cands = TARGET_INDEX.get(comp);
    if (!cands) {
      // a name with an extra extension (httpd.conf.php, hostname.ge2) still names the file
      const dot = comp.lastIndexOf('.');
      if (dot > 0) cands = TARGET_INDEX.get(comp.slice(0, dot));
    }
    if (!cands) continue;
    for (const t of cands) {
      let ok = i + t.rest.length < comps.length || (!t.dir && i + t.rest.length === comps.length - 1) || (!t.dir && t.rest.length === 0);
      // a target's components are joined by separators, and a directory is followed by one: "/var/log as
      // usual" names the folder in a sentence, it does not read a file inside it
      for (let k = 0; ok && k < t.rest.length; k++) {
        const c = comps[i + 1 + k];
        if (!slashBefore[i + 1 + k] || (c !== t.rest[k] && !(k === t.rest.length - 1 && !t.dir && c !== undefined && c.startsWith(`${t.rest[k]}.`)))) ok = false;
      }
      if (ok && t.dir && (i + t.rest.length + 1 >= comps.length || !slashBefore[i + t.rest.length + 1])) ok = false;
      if (!ok) continue;
      const hit: [string, boolean] = [t.text, slashBefore[i]!];
      if (t.strong) return hit;
      found ??= hit;
    }
  }
  return found;
}

const SINGLE_DOT = /(?:^|[\\/])\.(?:[\\/]|$)/;

/** A value that opens with a UNC path (traversal-remote.ts): remote file inclusion over SMB. */
function unc(src: string, acc: { best: number; why: string }): void {
  const kind = uncPath(src);
  // a one-label host resolves only inside the server's network (NetBIOS/LLMNR): enterprise file-share
  // fields look like that, and an attacker outside cannot name his own host so; reported, not a block
  if (kind === UNC_REMOTE) take(acc, 0.85, 'UNC path to a remote share');
  else if (kind !== 0) take(acc, 0.6, 'UNC path to a share on the local network');
}

/** Stream wrappers and Windows system paths. */
function wrappers(src: string, acc: { best: number; why: string }): void {
  if (remoteInclude(src)) take(acc, 0.85, 'remote file include: URL cut by ? or NUL');
  const lower = src.toLowerCase();
  for (const [w, c] of WRAPPERS) {
    const at = lower.indexOf(w);
    if (at >= 0) {
      const conf = at === 0 ? c : Math.max(0.5, c - 0.15);
      take(acc, conf, `wrapper ${w}`);
    }
  }
  // drive-letter absolute paths to system folders: c:\windows\…
  const drive = /(?:^|[^a-z])[a-z]:[\\/]+(?:windows|winnt|boot\.ini|inetpub|system32)/i.exec(src.slice(0, 512));
  if (drive) take(acc, 0.85, 'windows system path');
}

/**
 * PHP filter names that only a php://filter chain uses: `convert.iconv.<from>.<to>` (the filter-chain
 * gadget that builds arbitrary bytes), `convert.base64-encode`, `convert.quoted-printable-decode`.
 */
const PHP_FILTER = /(?:^|[^a-z0-9_])convert\.(?:iconv\.[a-z0-9_-]{2,24}[./][a-z0-9_-]|base64-(?:en|de)code|quoted-printable-(?:en|de)code)/i;

/**
 * Extensions of server-side code, configuration, secrets and data stores: a dot-dot segment that reaches
 * one of them is reading the application, not an asset (`../images/photo.jpg`, `../shared/config.json`).
 */
const SENSITIVE_EXT = /\.(?:php[3-8]?|phtml|phps|inc|asp|aspx|ascx|asa|asax|jsp|jspx|cfm|cgi|pl|db|sqlite3?|mdb|sql|bak|old|ini|conf|cnf|cfg|config|env|log|pem|key|htaccess|htpasswd)(?![a-z0-9_])/;

/**
 * A value opening with a dot-dot whose separator is an encoded backslash or encoded twice (..%5c, ..%252f):
 * an encoder's relative link (encodeURIComponent) only ever has ..%2F.
 */
/** PHP_FILTER, read only where a dot follows "c?????t" (convert.): most values have no such dot. */
function phpFilter(src: string): boolean {
  for (let i = src.indexOf('.', 7); i >= 0; i = src.indexOf('.', i + 1)) {
    if ((src.charCodeAt(i - 1) | 32) === 116 && (src.charCodeAt(i - 7) | 32) === 99) return PHP_FILTER.test(src);
  }
  return false;
}

const LEADING_ENCODED_SEP = /^(?:\.|%2e){2}%(?:5c|25)/i;

function take(acc: { best: number; why: string }, c: number, why: string): void { if (c > acc.best) { acc.best = c; acc.why = why; } }

/**
 * Path traversal and file inclusion. Reads the percent-decoded value (overlong UTF-8, %u, look-alike
 * slashes already folded) as a path: dot-dot segments next to separators, separators an encoder mangled
 * into noise, spelled-out hex (0x2e), absolute paths to files only an attacker asks for, NUL truncation and
 * stream wrappers (php://filter, file://, expect://).
 */
export function detectTraversal(d: Decoded): TraversalVerdict {
  const src = d.url;
  const acc = { best: 0, why: '' };
  // still percent-encoded after the last round (normalize.ts decodes the rest): no client encodes data five
  // times over (no benign set has a value deeper than two rounds), an application that decodes until nothing
  // changes reads what is under it. Evidence of evasion by itself, as overlong UTF-8 is (below)
  if (d.depth > MAX_URL_ROUNDS) take(acc, 0.85, `percent-encoded more than ${MAX_URL_ROUNDS} times over`);
  if (src.length < 2) return { confidence: acc.best, reason: acc.why };
  const folded = foldHexLiterals(src);
  const hasDot = folded.indexOf('.') >= 0;
  const hasSep = folded.indexOf('/') >= 0 || folded.indexOf('\\') >= 0;
  const hasColon = src.indexOf(':') >= 0;
  if (!hasDot && !hasSep && !hasColon && d.overlong === 0 && d.invalid === 0 && d.unicode === 0) return { confidence: acc.best, reason: acc.why };
  if (d.overlong === 0 && d.invalid === 0 && d.unicode === 0 && folded.indexOf('..') < 0 && folded.indexOf('\0') < 0 && !SINGLE_DOT.test(folded)) {
    // nothing to walk: no dot-dot, no single-dot segments, no encoding noise — only targets and wrappers
    if (hasSep) {
      const lower = folded.toLowerCase().replace(/\\/g, '/');
      const t = targetAt(lower);
      if (t && strongTarget(t[0], lower)) {
        if (t[1]) take(acc, pathInProse(lower, t[0]) ? 0.6 : 0.85, `absolute path ${t[0]}`);
        else take(acc, folded.toLowerCase().startsWith(t[0]) ? 0.8 : 0.6, `path ${t[0]}`);
      }
    }
    if (hasColon) wrappers(src, acc);
    else if (hasDot && src.charCodeAt(0) === 47 && src.charCodeAt(1) === 47 && remoteInclude(src)) take(acc, 0.85, 'remote file include: URL cut by ? or NUL');
    if (hasDot && phpFilter(src)) take(acc, 0.85, 'PHP filter chain');
    unc(src, acc);
    return { confidence: acc.best, reason: acc.why };
  }

  const { cls, chars } = classify(folded);
  const n = cls.length;
  // dot-dot segments
  let segments = 0;
  let bounded = 0;
  let atStart = false;
  let singles = 0;
  let i = 0;
  while (i < n) {
    if (cls[i] !== D) { i++; continue; }
    if ((i + 1 >= n || cls[i + 1] === S) && (i === 0 || cls[i - 1] === S)) singles++;
    let j = i;
    let dots = 0;
    let runs = 0;
    let inRun = 0;
    let noise = false;
    while (j < n && (cls[j] === D || cls[j] === N)) {
      if (cls[j] === D) { dots++; inRun++; } else { noise = true; if (inRun >= 2) runs++; if (inRun > 0 && inRun < 2) { /* dot noise dot */ } inRun = inRun >= 2 ? 0 : inRun; }
      j++;
    }
    if (inRun >= 2) runs++;
    if (dots >= 2) {
      // the run may start with noise-free dots after a separator, or end at one
      let b = i - 1;
      while (b >= 0 && cls[b] === N) b--;
      const sepBefore = b >= 0 && cls[b] === S;
      const sepAfter = j < n && cls[j] === S;
      if (sepBefore || sepAfter) { segments++; if (sepBefore && sepAfter) bounded++; }
      if (noise && runs >= 2) segments += runs - (sepBefore || sepAfter ? 1 : 0);
      if (i === 0 && sepAfter) atStart = true;
    }
    i = j;
  }
  const norm = chars.replace(/~+/g, '/').replace(/\/{2,}/g, '/');
  const target = hasSep || d.overlong > 0 || d.invalid > 0 ? targetAt(norm) : undefined;
  // documentation linking to documentation (no sensitive target, no encoding noise, no NUL, no sensitive
  // extension); a weak target (log/, tmp/) is read across the blanks of prose ("excess log messages")
  const links = segments > 0 && !(target && STRONG_TARGETS.has(target[0])) && d.overlong === 0 && d.invalid === 0 && d.unicode === 0 && d.depth === 0 && src.indexOf('\0') < 0
    && !SENSITIVE_EXT.test(norm) && relativeLinksInProse(folded.toLowerCase());
  if (links) take(acc, 0.6, 'relative links in prose');
  else if (segments >= 2) take(acc, 0.9, `${segments} dot-dot segments`);
  else if (segments === 1) {
    take(acc, bounded > 0 ? 0.8 : 0.7, atStart ? 'leading dot-dot segment' : 'dot-dot segment');
    // the separator encoded twice (..%255c), or a leading dot-dot whose backslash is still encoded when the
    // value arrives (a query value ..%5c was sent as ..%255c): an evasion, not a relative link
    if (d.depth >= 2 || (atStart && LEADING_ENCODED_SEP.test(d.raw))) take(acc, 0.85, 'dot-dot with an encoded separator');
    else {
      const ext = SENSITIVE_EXT.exec(norm.slice(norm.indexOf('..')));
      if (ext) take(acc, 0.85, `dot-dot segment to a ${ext[0]} file`);
    }
  }
  if (singles >= 3) take(acc, 0.8, `${singles} dot segments`);
  if (!target && (d.invalid > 0 || d.unicode > 0 || d.overlong > 0)) {
    // an encoder mangled the separators: look for a target name with anything between its parts
    const squashed = norm.replace(/[^a-z0-9.]+/g, '/');
    const t2 = targetAt(squashed);
    if (t2 && STRONG_TARGETS.has(t2[0])) take(acc, 0.9, `malformed encoding around ${t2[0]}`);
  }
  if (target) {
    const [t, absolute] = target;
    const strong = strongTarget(t, norm, segments);
    if (segments > 0) { if (!links) take(acc, strong ? 0.95 : 0.9, `traversal to ${t}`); }
    else if (strong && (absolute || d.overlong > 0 || d.invalid > 0)) take(acc, d.overlong === 0 && d.invalid === 0 && pathInProse(norm, t) ? 0.6 : 0.85, `absolute path ${t}`);
    else if (strong && norm.startsWith(t)) take(acc, 0.8, `value is the path ${t}`);
    else if (strong) take(acc, 0.6, `path ${t}`);
  }
  if (d.overlong > 0) take(acc, segments > 0 || target ? 0.95 : 0.85, 'overlong UTF-8 encoding');
  if (d.invalid > 1 && segments > 0) take(acc, 0.9, 'malformed escapes around dot-dot');
  if (d.unicode > 0 && segments > 0) take(acc, 0.9, '%u-encoded traversal');
  // NUL truncation of an extension
  const nul = src.indexOf('\0');
  if (nul >= 0 && (segments > 0 || target)) take(acc, 0.95, 'NUL truncation');
  else if (nul > 0 && src.lastIndexOf('.', nul) > 0) take(acc, 0.7, 'NUL truncation');
  if (hasColon) wrappers(src, acc);
  else if (hasDot && src.charCodeAt(0) === 47 && src.charCodeAt(1) === 47 && remoteInclude(src)) take(acc, 0.85, 'remote file include: URL cut by ? or NUL');
  if (phpFilter(src)) take(acc, 0.85, 'PHP filter chain');
  unc(src, acc);
  return { confidence: acc.best, reason: acc.why };
}
