import type { Logger } from 'pino';
import type { RuntimeHolder } from '../config/reloader.js';
import { adminExposureWarning } from './listen-address.js';

/**
 * Warns (adminExposureWarning) now and after every reload that leaves the admin port on `adminAddress`
 * reachable from other hosts without `server.admin.token_file`: the address needs a restart to change, the
 * token file does not, so a reload that drops it opens the port as a start without one would.
 */
export function warnAdminExposure(holder: RuntimeHolder, adminAddress: string, logger: Logger): void {
  const check = (hasToken: boolean): void => {
    const exposed = adminExposureWarning(adminAddress, hasToken);
    if (exposed) logger.warn({ admin_address: adminAddress }, exposed);
  };
  check(holder.current.adminTokenDigest !== undefined);
  holder.onSwap((rt) => check(rt.adminTokenDigest !== undefined));
}
