import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/**
 * Why a request to an admin port without a token looks like a web page's doing, or undefined. The admin API
 * is for the CLI, curl and scripts, which send none of these; a page in the operator's browser does:
 * - `Origin`: sent by browsers with every POST, PUT and DELETE, cross-site or not, and with cross-origin
 *   reads. A form or `fetch(…, { mode: 'no-cors' })` on any site could otherwise POST a ban or a revocation
 *   to 127.0.0.1:9901 without a preflight.
 * - `Sec-Fetch-Site` other than `none` (`none` is an address typed into the browser).
 * - On a loopback listener, a Host that is a DNS name other than localhost: a rebound name (evil.example
 *   resolving to 127.0.0.1) makes the page same-origin with the admin port, free to read and DELETE.
 * With `server.admin.token_file` none of this can get in (a page cannot send the Bearer token), and the
 * checks are not made.
 */
export function browserRefusal(req: IncomingMessage, loopbackListener: boolean): string | undefined {
  if (req.headers.origin !== undefined) return 'an Origin header';
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'none') return `Sec-Fetch-Site: ${site}`;
  if (loopbackListener && !loopbackHostHeader(req.headers.host)) return 'a Host header naming another host';
  return undefined;
}

/** An IP literal (any: it was dialled directly) or localhost, with or without a port; no Host at all (HTTP/1.0). */
function loopbackHostHeader(host: string | undefined): boolean {
  if (host === undefined) return true;
  let name = host;
  if (name.startsWith('[')) {
    const end = name.indexOf(']');
    return end > 0 && isIP(name.slice(1, end)) === 6;
  }
  const colon = name.lastIndexOf(':');
  if (colon >= 0) name = name.slice(0, colon);
  name = name.toLowerCase();
  if (name.endsWith('.')) name = name.slice(0, -1);
  return isIP(name) === 4 || name === 'localhost' || name.endsWith('.localhost');
}
