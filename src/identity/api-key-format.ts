import { createHash, randomBytes } from 'node:crypto';

/**
 * API keys: `pck_` + 32 random bytes (base64url). Only SHA-256 of the key is stored; the key is shown
 * once when minted. A key has 256 bits of entropy, so a fast hash is the right one (a slow password hash
 * adds nothing against guessing and costs every request).
 */
export const KEY_PREFIX = 'pck_';

export interface KeyRecord {
  /** "sha256:<64 hex>" */
  hash: string;
  owner: string;
  roles: string[];
  plan?: string;
  /** ms since epoch; undefined: never expires. */
  expires?: number;
  disabled: boolean;
  /** ms since epoch; used by "revoke every credential of a subject issued before T". */
  created?: number;
  name?: string;
}

export function mintKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Short public id of a key (first 12 hex chars of its hash): safe to show and log. */
export function keyId(hashHex: string): string {
  return hashHex.slice(0, 12);
}

function time(v: unknown, what: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const t = typeof v === 'number' ? v * 1000 : typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(t)) throw new Error(`${what} must be an RFC 3339 time or epoch seconds`);
  return t;
}

/** Validate one stored record (a JSON object). Throws Error with a message naming the bad field. */
export function parseRecord(raw: unknown, hashOverride?: string): KeyRecord {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('record must be a JSON object');
  const r = raw as Record<string, unknown>;
  const allowed = new Set(['hash', 'owner', 'roles', 'plan', 'expires', 'disabled', 'created', 'name']);
  for (const k of Object.keys(r)) if (!allowed.has(k)) throw new Error(`unknown field "${k}"`);
  const hash = (hashOverride ?? r.hash) as unknown;
  if (typeof hash !== 'string' || !/^(sha256:)?[0-9a-f]{64}$/.test(hash)) throw new Error('"hash" must be "sha256:" followed by 64 lower-case hex digits');
  if (typeof r.owner !== 'string' || r.owner === '' || r.owner.length > 256) throw new Error('"owner" must be a non-empty string');
  if (r.roles !== undefined && (!Array.isArray(r.roles) || !r.roles.every((x) => typeof x === 'string'))) throw new Error('"roles" must be an array of strings');
  if (r.plan !== undefined && typeof r.plan !== 'string') throw new Error('"plan" must be a string');
  if (r.disabled !== undefined && typeof r.disabled !== 'boolean') throw new Error('"disabled" must be true or false');
  if (r.name !== undefined && typeof r.name !== 'string') throw new Error('"name" must be a string');
  return {
    hash: hash.replace(/^sha256:/, ''),
    owner: r.owner,
    roles: (r.roles as string[] | undefined) ?? [],
    plan: r.plan as string | undefined,
    expires: time(r.expires, '"expires"'),
    disabled: r.disabled === true,
    created: time(r.created, '"created"'),
    name: r.name as string | undefined,
  };
}

/** The JSON line to store for a minted key. */
export function recordLine(key: string, o: { owner: string; roles?: string[]; plan?: string; expires?: Date; name?: string; created?: Date }): string {
  const rec: Record<string, unknown> = { hash: `sha256:${hashKey(key)}`, owner: o.owner };
  if (o.name) rec.name = o.name;
  if (o.roles && o.roles.length > 0) rec.roles = o.roles;
  if (o.plan) rec.plan = o.plan;
  if (o.expires) rec.expires = o.expires.toISOString();
  rec.created = (o.created ?? new Date()).toISOString();
  rec.disabled = false;
  return JSON.stringify(rec);
}
