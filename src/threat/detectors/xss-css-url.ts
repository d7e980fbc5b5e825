/**
 * CSS declarations whose URL runs script: `prop:url(javascript:…)` (old engines navigate a script URL in a
 * background or list image), and the binding properties that load script from any URL —
 * `-moz-binding:url(…)` (an XBL binding) and `behavior:url(…)` (an IE HTML component). A scheme name cut
 * off at the end of the value (`x:url(javascript`) is still that declaration. Input is lower case.
 */
import { compact } from './xss-css.js';

export interface CssUrlVerdict { confidence: number; reason: string }
const NONE: CssUrlVerdict = { confidence: 0, reason: '' };

const SCHEMES = ['javascript', 'vbscript', 'livescript'];
const BINDINGS = ['-moz-binding:', 'behavior:', 'behaviour:'];
const MAX_URLS = 32;

export function cssScriptUrl(lower: string): CssUrlVerdict {
  const s = compact(lower);
  let guard = 0;
  for (let u = s.indexOf('url('); u >= 0 && guard++ < MAX_URLS; u = s.indexOf('url(', u + 4)) {
    if (u === 0 || s.charCodeAt(u - 1) !== 58 /* : */) continue;
    for (const b of BINDINGS) if (u >= b.length && s.startsWith(b, u - b.length)) return { confidence: 0.85, reason: 'css binding loaded from a URL' };
    let k = u + 4;
    while (s.charCodeAt(k) === 34 || s.charCodeAt(k) === 39) k++;
    for (const sch of SCHEMES) {
      if (!s.startsWith(sch, k)) continue;
      const after = k + sch.length;
      const c = s.charCodeAt(after);
      if (after === s.length || c === 58 || c === 41 || c === 34 || c === 39) return { confidence: 0.85, reason: 'css url() with a script scheme' };
    }
  }
  return NONE;
}
