import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ADMIN_401_HINT, adminAuthHeaders } from '../cli/admin-token.js';
import { parseFlags, type Command } from '../cli/command.js';
import { hashKey, keyId, mintKey, recordLine } from './api-key-format.js';
import { signRequest } from './sign.js';
import { secretBytes } from './signature-keys.js';

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
const err = (s: string) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`);

/** "90d", "12h", "30m" from now, or an RFC 3339 time. */
export function parseWhen(s: string, now = Date.now()): Date {
  const m = /^(\d+)([dhm])$/.exec(s);
  if (m) return new Date(now + Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm']);
  const t = Date.parse(s);
  if (!Number.isFinite(t)) throw new Error(`not a time: ${s} (use RFC 3339 or 90d / 12h / 30m)`);
  return new Date(t);
}

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export const apikeyMintCommand: Command = {
  name: 'apikey mint',
  summary: 'mint an API key: prints the key (once) and the hashed line to store',
  usage: 'apikey mint --owner ID [--roles a,b] [--plan P] [--expires 90d|RFC3339] [--name N] [--redis-hash apikeys] [--key-prefix portcullis:]',
  async run(args) {
    const { flags } = parseFlags(args);
    if (typeof flags.owner !== 'string') { err(`usage: portcullis ${this.usage}`); return 2; }
    let expires: Date | undefined;
    try { expires = typeof flags.expires === 'string' ? parseWhen(flags.expires) : undefined; } catch (e) { err((e as Error).message); return 2; }
    const key = mintKey();
    const line = recordLine(key, {
      owner: flags.owner,
      roles: typeof flags.roles === 'string' ? flags.roles.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
      plan: typeof flags.plan === 'string' ? flags.plan : undefined,
      name: typeof flags.name === 'string' ? flags.name : undefined,
      expires,
    });
    const { hash, ...rest } = JSON.parse(line) as Record<string, unknown>;
    const redisKey = `${typeof flags['key-prefix'] === 'string' ? flags['key-prefix'] : 'portcullis:'}${typeof flags['redis-hash'] === 'string' ? flags['redis-hash'] : 'apikeys'}`;
    out(`API key (give it to the client; it is not stored anywhere and cannot be shown again):\n  ${key}`);
    out(`key id: ${keyId(hashKey(key))}`);
    out(`line for the api_keys file (identity.api_keys.file):\n${line}`);
    out(`or for the store hash (identity.api_keys.redis_hash):\nredis-cli HSET ${shellQuote(redisKey)} ${shellQuote(String(hash))} ${shellQuote(JSON.stringify(rest))}`);
    return 0;
  },
};

export const apikeyHashCommand: Command = {
  name: 'apikey hash',
  summary: 'print the stored hash and id of an API key read from standard input',
  usage: 'apikey hash < key.txt',
  async run() {
    const key = readFileSync(0, 'utf8').trim();
    if (key === '') { err('no key on standard input'); return 2; }
    const h = hashKey(key);
    out(`sha256:${h}\nkey id: ${keyId(h)}`);
    return 0;
  },
};

/** -X/-H/-d like curl, plus the signing key. Repeated -H allowed. */
export function parseSignArgs(args: string[]): { url?: string; method: string; headers: Record<string, string>; body?: string; flags: Record<string, string> } {
  const flags: Record<string, string> = {};
  const headers: Record<string, string> = {};
  let url: string | undefined;
  let method: string | undefined;
  let body: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = () => { const v = args[++i]; if (v === undefined) throw new Error(`${a} needs a value`); return v; };
    if (a === '-X' || a === '--request') method = next().toUpperCase();
    else if (a === '-H' || a === '--header') {
      const h = next();
      const c = h.indexOf(':');
      if (c <= 0) throw new Error(`bad header "${h}" (expected "Name: value")`);
      headers[h.slice(0, c).trim().toLowerCase()] = h.slice(c + 1).trim();
    } else if (a === '-d' || a === '--data') body = next();
    else if (a === '--data-file') body = readFileSync(next(), 'utf8');
    else if (a.startsWith('--')) flags[a.slice(2)] = next();
    else url = a;
  }
  return { url, method: method ?? (body !== undefined ? 'POST' : 'GET'), headers, body, flags };
}

export const signCommand: Command = {
  name: 'sign',
  summary: 'sign a request (RFC 9421, hmac-sha256 or ed25519) and print a curl command with the signature headers',
  usage: 'sign --key-id ID (--secret-file F | --secret-env VAR | --private-key-file F) [--alg hmac-sha256|ed25519] [-X METHOD] [-H "Name: v"]… [-d BODY | --data-file F] [--format curl|headers] URL',
  async run(args) {
    let p;
    try { p = parseSignArgs(args); } catch (e) { err((e as Error).message); return 2; }
    const f = p.flags;
    if (!p.url || !f['key-id']) { err(`usage: portcullis ${this.usage}`); return 2; }
    const alg = (f.alg ?? (f['private-key-file'] ? 'ed25519' : 'hmac-sha256')) as 'hmac-sha256' | 'ed25519';
    let key;
    try {
      if (alg === 'ed25519') {
        if (!f['private-key-file']) throw new Error('ed25519 needs --private-key-file (PEM PKCS#8)');
        key = createPrivateKey(readFileSync(f['private-key-file'], 'utf8'));
      } else {
        const s = f['secret-file'] ? readFileSync(f['secret-file'], 'utf8').trim() : f['secret-env'] ? process.env[f['secret-env']] : undefined;
        if (!s) throw new Error('hmac-sha256 needs --secret-file FILE or --secret-env VAR (secrets are never taken from the command line)');
        key = secretBytes(s);
      }
      new URL(p.url);
    } catch (e) { err((e as Error).message); return 2; }
    const signed = signRequest({ method: p.method, url: p.url, headers: p.headers, body: p.body, keyId: f['key-id'], algorithm: alg, key });
    const all: Record<string, string> = { ...p.headers, ...signed };
    const title = (k: string) => k.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase());
    if (f.format === 'headers') {
      for (const [k, v] of Object.entries(all)) out(`${title(k)}: ${v}`);
      return 0;
    }
    const parts = [`curl -X ${p.method} ${shellQuote(p.url)}`, ...Object.entries(all).map(([k, v]) => `-H ${shellQuote(`${title(k)}: ${v}`)}`)];
    if (p.body !== undefined) parts.push(`--data-binary ${shellQuote(p.body)}`);
    out(parts.join(' \\\n  '));
    return 0;
  },
};

async function adminCall(base: string, auth: Record<string, string>, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(new URL(path, base), {
    method, headers: body === undefined ? auth : { ...auth, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  if (res.status === 401) err(ADMIN_401_HINT);
  let json: any;
  try { json = JSON.parse(text); } catch { json = { error: text.slice(0, 200) }; }
  return { status: res.status, json };
}

export const revokeCommand: Command = {
  name: 'revoke',
  summary: 'revoke a token (jti), an API key or every token of a subject, on every replica (via the admin endpoint)',
  usage: 'revoke (jti JTI [--until T] | subject SUB [--issuer ISS] [--before T] | api-key (--id ID | --hash H | - < key)) [--undo] [--admin http://127.0.0.1:9901] [--admin-token-file FILE]',
  async run(args) {
    const { flags, rest } = parseFlags(args.map((a) => (a === '-' ? '--stdin' : a)), ['undo', 'stdin']);
    const [what, value] = rest;
    const base = typeof flags.admin === 'string' ? flags.admin : process.env.PORTCULLIS_ADMIN_URL ?? 'http://127.0.0.1:9901';
    let body: Record<string, unknown>;
    let auth: Record<string, string>;
    try {
      auth = adminAuthHeaders(flags);
      const t = (s: unknown) => (typeof s === 'string' ? parseWhen(s).toISOString() : undefined);
      if (what === 'jti' && value) body = { jti: value, until: t(flags.until) };
      else if (what === 'subject' && value) body = { subject: value, issuer: typeof flags.issuer === 'string' ? flags.issuer : undefined, before: t(flags.before) };
      else if (what === 'api-key' && typeof flags.id === 'string') body = { api_key_id: flags.id };
      else if (what === 'api-key' && typeof flags.hash === 'string') body = { api_key_hash: flags.hash };
      else if (what === 'api-key' && flags.stdin === true) body = { api_key: readFileSync(0, 'utf8').trim() };
      else { err(`usage: portcullis ${this.usage}`); return 2; }
    } catch (e) { err((e as Error).message); return 2; }
    try {
      const r = await adminCall(base, auth, flags.undo === true ? 'DELETE' : 'POST', '/admin/revoke', body);
      out(JSON.stringify(r.json, null, 2));
      return r.status === 200 ? 0 : 1;
    } catch (e) {
      err(`cannot reach the admin endpoint at ${base}: ${(e as Error).message}`);
      return 1;
    }
  },
};

export const revocationsCommand: Command = {
  name: 'revocations',
  summary: 'list current revocations (via the admin endpoint)',
  usage: 'revocations [--admin http://127.0.0.1:9901] [--admin-token-file FILE]',
  async run(args) {
    const { flags } = parseFlags(args);
    const base = typeof flags.admin === 'string' ? flags.admin : process.env.PORTCULLIS_ADMIN_URL ?? 'http://127.0.0.1:9901';
    let auth: Record<string, string>;
    try { auth = adminAuthHeaders(flags); } catch (e) { err((e as Error).message); return 2; }
    try {
      const r = await adminCall(base, auth, 'GET', '/admin/revocations');
      out(JSON.stringify(r.json, null, 2));
      return r.status === 200 ? 0 : 1;
    } catch (e) {
      err(`cannot reach the admin endpoint at ${base}: ${(e as Error).message}`);
      return 1;
    }
  },
};

export const identityCommands: Command[] = [apikeyMintCommand, apikeyHashCommand, signCommand, revokeCommand, revocationsCommand];
