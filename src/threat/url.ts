import { ConfigError } from '../config/errors.js';

/**
 * A sink or feed URL as it may appear in a log line, a status page or an error: no user:password@
 * and no query string or fragment (where tokens live). The config refuses the first; this drops both.
 */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#\\]*@/i, '$1').replace(/[?#].*$/s, '');
}

/** Every http(s) URL inside a message (fetch and DNS errors may quote the URL they were given), redacted. */
export function redactUrls(text: string): string {
  return text.replace(/\bhttps?:\/\/[^\s"'<>]*/gi, (u) => redactUrl(u));
}

/** Config check of a sink or feed URL: it must parse, and carry no credentials (headers carry them). */
export function checkUrl(url: string, pointer: string): void {
  let u: URL;
  try { u = new URL(url); } catch { throw new ConfigError(pointer, 'is not a valid URL'); }
  if (u.username !== '' || u.password !== '') {
    throw new ConfigError(pointer, 'must not contain credentials (user:password@): send them in headers (e.g. authorization: "Basic …"), which are never logged');
  }
}
