import type { IncomingMessage, Server } from 'node:http';

/** host:port or [v6]:port, as the config schema's listen addresses; the port 0 to 65535. */
export const LISTEN_ADDRESS_RE = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(?:[0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$/;

/**
 * A listen address from the environment: unset or empty is none (the config's applies); anything else must be
 * host:port or [v6]:port like the config's, or the start fails naming the variable (an unchecked value would
 * bind where the operator did not mean: an empty one on every interface).
 */
export function listenAddressFromEnv(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const v = env[name];
  if (!v) return undefined;
  if (/:[0-9]{5,}$/.test(v) && parseListenAddress(v).port > 65535) throw new Error(`${name}: the port must be 0 to 65535, not ${JSON.stringify(v)}`);
  if (!LISTEN_ADDRESS_RE.test(v)) throw new Error(`${name}: must be host:port or [v6]:port, not ${JSON.stringify(v)}`);
  return v;
}

/** "127.0.0.1:9901" → { host: "127.0.0.1", port: 9901 }; "[::1]:9901" → { host: "::1", … }. */
export function parseListenAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(address.slice(i + 1)) };
}

/**
 * Loopback only: 127.0.0.0/8, ::1 (and its IPv4-mapped form), "localhost". Anything else, the wildcard
 * addresses 0.0.0.0 and :: included, is reachable from other hosts.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * Options for the HTTP listeners (admin, metrics): a request's headers within 10 s and the whole request
 * within 30 s (Node: 60 s and 5 min), checked every second (Node checks every 30 s, which let an idle
 * connection live up to 40 s), so connections opened and never finished do not pile up. No cap on the number
 * of connections: one would let 512 idle connections starve the kubelet's probes, where exhausting the file
 * descriptors without it takes about a million.
 */
export const HTTP_LISTENER_OPTIONS = { headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1000 } as const;

/** Starts `server` on `address` (host:port); resolves with the bound port (a config's port 0 picks one). */
export function listenOn(server: Server, address: string): Promise<number> {
  const { host, port } = parseListenAddress(address);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : port);
    });
  });
}

/** Stops `server` (if started): open connections are closed, then the listener. */
export function closeServer(server: Server | undefined): Promise<void> {
  return new Promise((resolve) => { server?.closeAllConnections(); server?.close(() => resolve()) ?? resolve(); });
}

/** The request's path without its query. */
export function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0]!;
}

/**
 * The start-up warning for an admin port other hosts can reach without `server.admin.token_file`, or
 * undefined. A warning, not a refusal: deployments that bind it to 0.0.0.0 for Prometheus and probes exist.
 */
export function adminExposureWarning(adminAddress: string, hasToken: boolean): string | undefined {
  if (hasToken || isLoopbackHost(parseListenAddress(adminAddress).host)) return undefined;
  return 'the admin port is reachable from other hosts and has no server.admin.token_file: anyone who reaches it can '
    + 'reload the config, lift revocations and bans. Keep it on 127.0.0.1 and give Prometheus and probes '
    + 'server.metrics.address, or set server.admin.token_file';
}
