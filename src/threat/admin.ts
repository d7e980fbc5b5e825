import type { AdminRoute } from '../server/admin-route.js';
import { sendJson } from '../server/admin-route.js';
import { banKey, type BanPrefixes } from './bans.js';
import { canonicalIp, formatIp, parseCidr, parseIp } from './ip/address.js';
import type { ThreatState } from './state.js';

const MAX_TTL_MS = 30 * 86_400_000;

function notATarget(p: Readonly<BanPrefixes>): string {
  const nets = [p.ipv4 < 32 ? `an IPv4 /${p.ipv4}` : '', p.ipv6 < 128 ? `an IPv6 /${p.ipv6}` : ''].filter(Boolean);
  return `must be an IP address${nets.length ? ` or ${nets.join(' or ')} (a client is banned by that prefix: threat.ban.ipv4_prefix_length / ipv6_prefix_length)` : ''}`;
}

/**
 * What a ban on `text` covers (banKey with the configured prefixes): an address's network, or a CIDR of
 * exactly the configured length (`…::/64`, `203.0.113.0/24`). Any other length is refused: a ban stored
 * under it would never match a client.
 */
function banTarget(text: string, p: Readonly<BanPrefixes>): string | undefined {
  if (!text.includes('/')) return parseIp(text) ? banKey(canonicalIp(text), p) : undefined;
  const c = parseCidr(text);
  if (!c) return undefined;
  const addr = formatIp(c.bytes);
  const v6 = addr.includes(':');
  if (v6 ? c.bits !== p.ipv6 : c.bits !== 96 + p.ipv4) return undefined;
  return banKey(addr, p);
}

function ipParam(url: string | undefined, p: Readonly<BanPrefixes>): string | undefined {
  const q = new URL(url ?? '/', 'http://admin').searchParams.get('ip');
  return q ? banTarget(q, p) : undefined;
}

/**
 * GET /admin/threat/bans?ip=… (the ban, or 404), POST /admin/threat/bans {ip, ttl_ms, reason},
 * DELETE /admin/threat/bans?ip=… and GET /admin/threat/status (feeds, geo, sinks). `ip`: an address, or a
 * network of the configured ban prefix length; every answer names what the ban covers (`ip`: the address or network).
 */
export function banAdminRoutes(s: ThreatState): AdminRoute[] {
  const p = s.bans.prefixes;
  const NOT_A_TARGET = notATarget(p);
  return [
    {
      method: 'GET', path: '/admin/threat/bans',
      async handle(req, res) {
        const ip = ipParam(req.url, p);
        if (!ip) return sendJson(res, 400, { error: `query parameter ip ${NOT_A_TARGET}` });
        const ban = await s.bans.get(ip).catch(() => null);
        if (ban === null) return sendJson(res, 503, { error: 'store unavailable' });
        if (!ban || ban.until <= Date.now()) return sendJson(res, 404, { ip, banned: false });
        sendJson(res, 200, { ...ban, banned: true });
      },
    },
    {
      method: 'POST', path: '/admin/threat/bans',
      async handle(_req, res, body) {
        let doc: { ip?: unknown; ttl_ms?: unknown; reason?: unknown };
        try { doc = JSON.parse(body.toString('utf8')); } catch { return sendJson(res, 400, { error: 'body must be JSON {ip, ttl_ms, reason}' }); }
        const ip = typeof doc.ip === 'string' ? banTarget(doc.ip, p) : undefined;
        if (ip === undefined) return sendJson(res, 400, { error: `ip ${NOT_A_TARGET}` });
        const ttl = typeof doc.ttl_ms === 'number' && Number.isInteger(doc.ttl_ms) && doc.ttl_ms > 0 && doc.ttl_ms <= MAX_TTL_MS ? doc.ttl_ms : undefined;
        if (ttl === undefined) return sendJson(res, 400, { error: `ttl_ms must be an integer in 1..${MAX_TTL_MS}` });
        try { await s.bans.ban(ip, ttl, typeof doc.reason === 'string' ? doc.reason : 'manual'); }
        catch { return sendJson(res, 503, { error: 'store unavailable' }); }
        sendJson(res, 201, { ip, banned: true, ttl_ms: ttl });
      },
    },
    {
      method: 'DELETE', path: '/admin/threat/bans',
      async handle(req, res) {
        const ip = ipParam(req.url, p);
        if (!ip) return sendJson(res, 400, { error: `query parameter ip ${NOT_A_TARGET}` });
        try { await s.bans.unban(ip); } catch { return sendJson(res, 503, { error: 'store unavailable' }); }
        sendJson(res, 200, { ip, banned: false });
      },
    },
    {
      method: 'GET', path: '/admin/threat/status',
      handle(_req, res) {
        sendJson(res, 200, {
          mode: s.mode,
          ready: s.ready(),
          feeds: s.feeds.map((f) => ({ name: f.cfg.name, loaded: f.loaded, entries: f.size, last_error: f.lastError })),
          geo: s.geo ? { loaded: s.geo.loaded, last_error: s.geo.lastError } : undefined,
          sinks: s.events.sinks.map((k) => k.name),
        });
      },
    },
  ];
}
