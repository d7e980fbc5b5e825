/**
 * Text the policy sees as every upstream does, whatever charset the request declares. The body is read as
 * UTF-8 (as Go and PHP keep the bytes); Tomcat, ASP.NET, Django and busboy decode a form, and busboy a
 * multipart field, in the declared charset instead (UTF-16 "admin" is "admin" to them).
 */

import { isUtf8Label } from '../../common/utf8-labels.js';

/** Printable ASCII, tab, CR and LF: text every ASCII-compatible charset decodes the same. */
export function plainAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7e || (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d)) return false;
  }
  return true;
}

/** Whether text in the declared charset (undefined: none declared) may read differently upstream. */
export function charsetMayDiffer(charset: string | undefined, text: string): boolean {
  return charset !== undefined && !isUtf8Label(charset.toLowerCase()) && !plainAscii(text);
}
