import { ConfigError } from '../config/errors.js';

export { redactUrl, redactUrls } from '../common/redact-url.js';

/** Config check of a sink or feed URL: it must parse, and carry no credentials (headers carry them). */
export function checkUrl(url: string, pointer: string): void {
  let u: URL;
  try { u = new URL(url); } catch { throw new ConfigError(pointer, 'is not a valid URL'); }
  if (u.username !== '' || u.password !== '') {
    throw new ConfigError(pointer, 'must not contain credentials (user:password@): send them in headers (e.g. authorization: "Basic …"), which are never logged');
  }
}
