/** Commands, by how unambiguous their name is in ordinary text. */

/** Names that are not words of prose: running one is the point of the payload. */
export const TIER_A = new Set([
  'whoami', 'uname', 'ifconfig', 'ipconfig', 'netstat', 'nslookup', 'systeminfo', 'tasklist', 'taskkill',
  'wget', 'curl', 'nc', 'ncat', 'netcat', 'socat', 'bash', 'sh', 'zsh', 'ksh', 'csh', 'tcsh', 'dash', 'fish',
  'powershell', 'pwsh', 'cmd', 'python', 'python2', 'python3', 'perl', 'ruby', 'php', 'node', 'lua', 'telnet',
  'ssh', 'scp', 'tftp', 'chmod', 'chown', 'chgrp', 'rm', 'mkfifo', 'mknod', 'useradd', 'usermod', 'userdel',
  'adduser', 'passwd', 'sudo', 'crontab', 'base64', 'xxd', 'hexdump', 'xargs', 'awk', 'gawk', 'nawk', 'sed',
  'grep', 'egrep', 'fgrep', 'nohup', 'busybox', 'certutil', 'bitsadmin', 'wmic', 'regsvr32', 'rundll32',
  'mshta', 'cscript', 'wscript', 'nbtstat', 'tracert', 'traceroute', 'dig', 'lsof', 'iptables', 'systemctl',
  'pkill', 'killall', 'uptime', 'hostname', 'pwd', 'mkdir', 'rmdir', 'gzip', 'gunzip', 'bzip2', 'unzip',
  'openssl', 'gcc', 'cc', 'kubectl', 'docker', 'msfvenom', 'msfconsole', 'nmap', 'tcpdump', 'ipconfig',
  'icacls', 'cacls', 'attrib', 'schtasks', 'sc', 'reg', 'vssadmin', 'whoami.exe', 'cmd.exe', 'powershell.exe',
  'net1', 'arp', 'route', 'getent', 'ldd', 'strace', 'gdb', 'objdump', 'readelf', 'env', 'printenv', 'chattr',
  'lsattr', 'setsid', 'nproc', 'lscpu', 'lsblk', 'fdisk', 'mount', 'umount', 'dmesg', 'journalctl', 'wall',
  'ulimit', 'umask', 'tac', 'nl', 'od', 'xz', 'tar', 'ps', 'ls', 'dir', 'cat', 'id', 'echo', 'sleep', 'ping',
  'wc', 'uniq', 'shutdown', 'reboot', 'halt', 'poweroff', 'del', 'erase', 'rd', 'ver', 'vol', 'net', 'type',
  'whoami', 'who', 'w', 'last', 'finger', 'kill', 'set', 'export', 'unset', 'source', 'exec', 'eval', 'printf',
  'timeout', 'expr', 'bc', 'seq', 'touch', 'cp', 'mv', 'ln', 'find', 'locate', 'which', 'whereis', 'file',
  'stat', 'du', 'df', 'free', 'top', 'head', 'tail', 'less', 'more', 'sort', 'cut', 'tr', 'tee', 'strings',
  'host', 'time', 'date', 'dd', 'split', 'fold', 'sum', 'cksum', 'md5sum', 'sha1sum', 'sha256sum', 'alias',
  'history', 'jobs', 'start', 'call', 'copy', 'move', 'ren', 'rename', 'tree', 'path', 'title', 'exit', 'test',
  'true', 'false', 'read', 'wait', 'let', 'trap', 'yes', 'write', 'mail', 'at', 'paste', 'join', 'look', 'make',
  'open', 'print', 'help', 'color', 'mode', 'format', 'fc', 'comp', 'find.exe', 'findstr', 'forfiles', 'runas',
  'ftp', 'telnet.exe', 'ping.exe', 'sleep.exe', 'sl', 'gci', 'iex', 'iwr', 'irm', 'invoke-expression',
  'invoke-webrequest', 'start-process', 'get-content', 'get-childitem', 'new-object', 'iwmi', 'gwmi', 'invoke-wmimethod',
  'get-wmiobject', 'invoke-command', 'get-ciminstance', 'invoke-cimmethod', 'system', 'apt', 'apt-get',
  'yum', 'dnf', 'apk', 'pip', 'npm', 'git', 'svn', 'java', 'javac', 'jshell', 'gem', 'irb', 'tclsh', 'wish',
  'expect', 'script', 'xterm', 'screen', 'tmux', 'vi', 'vim', 'nano', 'emacs', 'ed', 'ex', 'view', 'netsh',
  'usleep', 'cmdkey', 'klist', 'qwinsta', 'quser', 'dsquery', 'nltest', 'wevtutil', 'fsutil', 'bcdedit', 'diskpart',
]);

/** Commands that run the command named in their first argument: `time tracert`, `nohup nc …`, `sudo whoami`. */
export const WRAPPERS = new Set(['time', 'nohup', 'sudo', 'setsid', 'strace', 'exec', 'env', 'xargs', 'busybox']);

/** Commands whose argument is a number or a host: `sleep 5` / `ping 10.0.0.1` alone is a timing probe. */
export const NUMERIC_ARG = new Set(['sleep', 'usleep', 'ping', 'timeout', 'kill', 'seq', 'nc', 'telnet', 'host', 'dig', 'nslookup']);

/** Commands driven by a verb: `net user`, `reg add`, `netsh firewall` are shell-shaped arguments. */
export const SUBCOMMANDS: Record<string, ReadonlySet<string>> = {
  net: new Set(['user', 'users', 'localgroup', 'group', 'view', 'share', 'use', 'start', 'stop', 'session', 'accounts', 'config', 'time']),
  reg: new Set(['add', 'query', 'delete', 'export', 'import', 'save', 'load', 'copy']),
  netsh: new Set(['firewall', 'advfirewall', 'interface', 'wlan', 'http', 'winhttp', 'portproxy']),
  sc: new Set(['query', 'create', 'config', 'start', 'stop', 'delete', 'qc']),
  git: new Set(['clone', 'config', 'push', 'pull']),
  docker: new Set(['run', 'exec', 'ps', 'images']),
  type: new Set(['nul', 'con']),
  // BSD-style option letters without a dash (procps reads `ps aux` as `ps -aux` did): the listings payloads ask for
  ps: new Set(['aux', 'auxf', 'auxw', 'auxww', 'auxwf', 'axu', 'ax', 'axf', 'axjf', 'axl', 'axo', 'axww', 'ajx', 'aufx']),
};

/** Interpreter introspection and execution functions called as a statement: ;phpinfo(); */
export const CODE_FUNCTIONS = new Set([
  'phpinfo', 'phpversion', 'system', 'exec', 'passthru', 'shell_exec', 'popen', 'proc_open', 'assert', 'eval',
  'print_r', 'var_dump', 'file_put_contents', 'file_get_contents', 'base64_decode', 'getenv', 'putenv',
  'ini_set', 'include', 'require', 'fwrite', 'fopen', 'readfile', 'highlight_file', 'show_source', 'md5',
]);

/**
 * Names that are also English words (or common abbreviations): after a separator they only count with
 * shell-shaped arguments, or when nothing but another separator or the end follows.
 */
export const PROSE_WORDS = new Set([
  'id', 'cat', 'echo', 'sleep', 'ping', 'dir', 'type', 'set', 'kill', 'who', 'w', 'last', 'host', 'time',
  'date', 'find', 'file', 'free', 'top', 'head', 'tail', 'less', 'more', 'sort', 'cut', 'touch', 'which',
  'split', 'fold', 'sum', 'alias', 'history', 'jobs', 'start', 'call', 'copy', 'move', 'tree', 'path', 'title',
  'exit', 'test', 'true', 'false', 'read', 'wait', 'let', 'trap', 'yes', 'write', 'mail', 'at', 'paste', 'join',
  'look', 'make', 'open', 'print', 'help', 'color', 'mode', 'format', 'net', 'ver', 'vol', 'export', 'source',
  'exec', 'eval', 'expr', 'seq', 'del', 'erase', 'rd', 'ren', 'rename', 'timeout', 'locate', 'stat', 'strings',
  'shutdown', 'reboot', 'halt', 'system', 'expect', 'script', 'screen', 'view', 'ex', 'ed', 'comp', 'fc',
  'route', 'mount', 'dash', 'fish', 'node', 'ruby', 'python', 'java', 'gem', 'wish', 'env', 'sc', 'reg', 'nl',
  'od', 'tr', 'ln', 'cp', 'mv', 'du', 'df', 'bc', 'dd', 'ps', 'ls', 'nc', 'sh', 'sl', 'cc', 'finger', 'wall',
  'git', 'apt', 'pip', 'npm', 'svn', 'unset', 'printf', 'tee', 'uniq', 'wc', 'tac', 'arp', 'dig', 'xz', 'tar',
]);

/** Interpreter functions that run a command string (PHP, Python, Ruby, Perl, Node, Java). */
export const EXEC_FUNCTIONS = [
  'system(', 'exec(', 'shell_exec(', 'passthru(', 'popen(', 'proc_open(', 'pcntl_exec(', 'assert(',
  'os.system(', 'os.popen(', 'subprocess.', 'child_process', 'runtime.getruntime().exec(', 'processbuilder(',
  '__import__(', 'io.popen(', 'kernel.exec(', '`.exec(', 'require(\'child_process', 'spawn(', 'execsync(',
  'call_user_func(', 'create_function(', 'preg_replace(', 'include(', 'require(', 'include_once(', 'require_once(',
  'file_get_contents(', 'fopen(', 'readfile(', 'eval(',
];

/**
 * More real command names, by kind (from general knowledge of Unix and Windows administration): archivers and
 * compilers, privilege and resource wrappers, configuration-management and package tools, network and
 * directory tools, Windows boot/installer/LOLBin tools. The ones that are also English words (or common
 * abbreviations) go to PROSE_WORDS too; everyday English words that name a command (nice, watch, install,
 * expand, diff, zip, salt …) are left out: after a separator they would read most sentences as commands; so are
 * c89/c99, far more often the names of C standards ("C99 -std") than the POSIX compiler commands.
 */
const MORE_COMMANDS = [
  // archivers, compilers
  'bsdtar', 'cpio', '7z', '7za', '7zr', 'rar', 'unrar', 'zcat', 'bzcat', 'xzcat', 'g++', 'clang', 'tcc',
  // privilege, resource and namespace wrappers
  'cpulimit', 'ionice', 'taskset', 'chroot', 'unshare', 'nsenter', 'stdbuf', 'runuser', 'doas', 'pkexec', 'su', 'flock',
  'visudo', 'vipw', 'vigr', 'chpasswd', 'groupadd', 'groupdel', 'newgrp',
  // shell builtins and directory/file tools
  'cd', 'chdir', 'pushd', 'popd', 'shred', 'truncate', 'readlink', 'realpath', 'basename', 'dirname',
  'base32', 'iconv', 'shuf', 'nawk', 'mawk', 'jq',
  // network
  'rsync', 'sftp', 'lftp', 'aria2c', 'axel', 'httpie', 'ethtool', 'iwconfig', 'nmcli', 'arping', 'whois',
  // configuration management, orchestration, packages
  'ansible', 'ansible-playbook', 'ansible-galaxy', 'ansible-doc', 'ansible-pull', 'ansible-vault', 'ansible-inventory', 'ansible-console',
  'chef-client', 'chef-solo', 'chef-shell', 'salt-call', 'salt-ssh', 'terraform', 'podman',
  'dpkg', 'rpm', 'flatpak', 'zypper', 'pacman',
  // Windows: boot, installers, package managers, living-off-the-land binaries
  'winget', 'choco', 'bcdboot', 'reagentc', 'dism', 'sfc', 'wusa', 'msiexec', 'takeown', 'setx', 'powercfg',
  'certreq', 'esentutl', 'extrac32', 'makecab', 'msbuild', 'installutil', 'regasm', 'regsvcs', 'cmstp', 'odbcconf', 'pnputil',
  'auditpol', 'wbadmin', 'vaultcmd', 'ntdsutil', 'dsget', 'csvde', 'ldifde', 'robocopy', 'xcopy', 'chdir', 'mklink', 'pathping',
];
const MORE_PROSE = ['su', 'flock', 'cd'];
for (const w of MORE_COMMANDS) TIER_A.add(w);
/** Tool and product names (ansible, terraform, rpm, jq …): alone, an ordinary search term or tag, so a bare one is no finding at any paranoia level (paranoid.ts). */
export const TOOL_NAMES: ReadonlySet<string> = new Set(MORE_COMMANDS);
for (const w of MORE_PROSE) PROSE_WORDS.add(w);

/** Wrappers that run the command named after their options: `flock -u / whoami`, `cpulimit -l 100 -f id`. */
for (const w of ['flock', 'cpulimit', 'ionice', 'taskset', 'chroot', 'stdbuf', 'runuser', 'doas', 'pkexec', 'unshare', 'nsenter']) WRAPPERS.add(w);

/** cmd.exe statements whose keyword opens a command line (cmdi-batch.ts, cmdi-batch-if.ts): read even without shell syntax. */
export const BATCH_KEYWORDS = new Set(['if', 'for']);
