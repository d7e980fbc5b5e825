/**
 * A URL as it may appear in a log line, a status page or an error: no user:password@ and no query string or
 * fragment (where tokens live).
 */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#\\]*@/i, '$1').replace(/[?#].*$/s, '');
}

/** Every http(s) URL inside a message (fetch and DNS errors may quote the URL they were given), redacted. */
export function redactUrls(text: string): string {
  return text.replace(/\bhttps?:\/\/[^\s"'<>]*/gi, (u) => redactUrl(u));
}
