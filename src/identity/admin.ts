import type { AdminRoute } from '../server/admin-route.js';
import { sendJson } from '../server/admin-route.js';
import { hashKey, keyId } from './api-key-format.js';
import type { ApiKeySource } from './api-key-store.js';
import type { Revocation, RevocationList } from './revocation.js';
import type { Clock } from './verifier.js';

export interface RevocationAdminOptions {
  list: RevocationList;
  apiKeys?: ApiKeySource;
  defaultTtlMs: number;
  subjectTtlMs: number;
  clock: Clock;
}

class BadInput extends Error {}

/**
 * Years 0000–9999, what RFC 3339 can write: a Date holds ±8.64e15 ms, and a time beyond it (or one the
 * subject TTL pushes beyond it) made every answer that shows the revocation throw, the list's included.
 */
const MIN_TIME_MS = -62_167_219_200_000; // 0000-01-01T00:00:00Z
const MAX_TIME_MS = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z

function time(v: unknown, what: string): number | undefined {
  if (v === undefined) return undefined;
  const t = typeof v === 'number' ? v * 1000 : typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(t) || t < MIN_TIME_MS || t > MAX_TIME_MS) throw new BadInput(`"${what}" must be an RFC 3339 time or epoch seconds (years 0000–9999)`);
  return t;
}

function str(v: unknown, what: string, max = 1024): string {
  if (typeof v !== 'string' || v === '' || v.length > max) throw new BadInput(`"${what}" must be a non-empty string`);
  return v;
}

/** Request body → Revocation. Exactly one of jti, subject, api_key, api_key_hash, api_key_id. */
export function parseRevocation(body: unknown, o: RevocationAdminOptions): Revocation {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadInput('body must be a JSON object');
  const b = body as Record<string, unknown>;
  const known = new Set(['jti', 'until', 'subject', 'issuer', 'before', 'api_key', 'api_key_hash', 'api_key_id']);
  for (const k of Object.keys(b)) if (!known.has(k)) throw new BadInput(`unknown field "${k}"`);
  const kinds = ['jti', 'subject', 'api_key', 'api_key_hash', 'api_key_id'].filter((k) => b[k] !== undefined);
  if (kinds.length !== 1) throw new BadInput('give exactly one of jti, subject, api_key, api_key_hash, api_key_id');
  // a field the kind does not use is an error, not ignored: `{"jti":…,"issuer":…}` would revoke the jti for every issuer
  const kind = kinds[0]!;
  const uses = kind === 'jti' ? ['until'] : kind === 'subject' ? ['issuer', 'before'] : [];
  for (const f of ['until', 'issuer', 'before']) {
    if (b[f] !== undefined && !uses.includes(f)) {
      throw new BadInput(`"${f}" does not apply to a ${kind} revocation${kind === 'jti' && f === 'issuer' ? ' (a jti revocation covers every issuer)' : ''}`);
    }
  }
  const now = o.clock();
  if (b.jti !== undefined) {
    const until = time(b.until, 'until') ?? now + o.defaultTtlMs;
    return { type: 'jti', jti: str(b.jti, 'jti'), until };
  }
  if (b.subject !== undefined) {
    const before = time(b.before, 'before') ?? now;
    return { type: 'sub', subject: str(b.subject, 'subject'), issuer: b.issuer === undefined ? undefined : str(b.issuer, 'issuer'), before, until: Math.max(now, before) + o.subjectTtlMs };
  }
  let hash: string;
  if (b.api_key !== undefined) hash = hashKey(str(b.api_key, 'api_key', 512));
  else if (b.api_key_hash !== undefined) {
    hash = str(b.api_key_hash, 'api_key_hash').replace(/^sha256:/, '');
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new BadInput('"api_key_hash" must be 64 hex digits');
  } else {
    const id = str(b.api_key_id, 'api_key_id');
    const found = o.apiKeys?.findById(id);
    if (found === undefined) throw new BadInput('no loaded API key has this id');
    hash = found;
  }
  const rec = o.apiKeys?.get(hash);
  return { type: 'key', keyHash: hash, until: rec?.expires ?? null };
}

function describe(r: Revocation): Record<string, unknown> {
  const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  switch (r.type) {
    case 'jti': return { type: 'jti', jti: r.jti, until: iso(r.until) };
    case 'key': return { type: 'api_key', api_key_id: keyId(r.keyHash), api_key_hash: `sha256:${r.keyHash}`, until: iso(r.until) };
    case 'sub': return { type: 'subject', subject: r.subject, issuer: r.issuer ?? null, before: iso(r.before), until: iso(r.until) };
  }
}

/** POST /admin/revoke, DELETE /admin/revoke (undo), GET /admin/revocations. */
export function revocationRoutes(o: RevocationAdminOptions): AdminRoute[] {
  const handle = (undo: boolean): AdminRoute['handle'] => async (_req, res, body) => {
    let r: Revocation;
    try {
      r = parseRevocation(JSON.parse(body.toString('utf8') || 'null'), o);
    } catch (err) {
      sendJson(res, 400, { error: err instanceof BadInput ? err.message : 'body is not valid JSON' });
      return;
    }
    try {
      if (undo) await o.list.unrevoke(r); else await o.list.revoke(r);
    } catch {
      sendJson(res, 503, { error: 'store unavailable; nothing was changed on other replicas' });
      return;
    }
    sendJson(res, 200, { [undo ? 'unrevoked' : 'revoked']: describe(r) });
  };
  return [
    { method: 'POST', path: '/admin/revoke', handle: handle(false) },
    { method: 'DELETE', path: '/admin/revoke', handle: handle(true) },
    { method: 'GET', path: '/admin/revocations', handle: (_req, res) => sendJson(res, 200, { revocations: o.list.list().map(describe) }) },
  ];
}
