/**
 * A script URL scheme written with HTML character references: `jav&#x61;script:`, `java&Tab;script:`,
 * `&#106;avascript:`. An HTML attribute value decodes references before the URL is parsed, so the browser
 * runs it; a reference (or a tab written as one) inside a scheme name is only ever a filter evasion.
 */
import { decodeEntities } from '../decode/entities.js';
import { hasPercentEscape, percentDecodeOnce } from '../decode/percent.js';
import { compact } from './xss-css.js';
import { SCRIPT_SCHEMES } from './xss-lexicon.js';

export interface SchemeRefVerdict { confidence: number; reason: string }
const NONE: SchemeRefVerdict = { confidence: 0, reason: '' };

/** Confidence that `raw` spells a script scheme only once its character references are decoded. */
export function schemeByReferences(raw: string): SchemeRefVerdict {
  let s = raw;
  for (let round = 0; round < 2 && hasPercentEscape(s); round++) s = percentDecodeOnce(s, false).text;
  if (s.indexOf('&') < 0) return NONE;
  const before = compact(s.toLowerCase());
  const after = compact(decodeEntities(s).text.toLowerCase());
  for (const sch of SCRIPT_SCHEMES) {
    if (after.indexOf(sch) >= 0 && before.indexOf(sch) < 0) return { confidence: 0.85, reason: 'script scheme spelled with character references' };
  }
  return NONE;
}
