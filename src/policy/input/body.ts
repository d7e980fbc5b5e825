import { notJsonMessage } from '../../pipeline/json-message.js';
import { decodeQueryComponent, isHex } from '../../common/percent-decode.js';
import { charsetMayDiffer } from './charset.js';
import { forEachParam } from '../../pipeline/query.js';
import { parseMediaType, parseMultipart, phpBoundary } from './multipart.js';
import { ExactNumbers, MAX_EXACT_DIGITS, recordExactNumbers, TooManyDigitsError } from './exact-numbers.js';

/**
 * The body could not be parsed although its content type says it can (OPA-Envoy answers 400), or the
 * body or query holds more than the policy input can show.
 */
export class BodyParseError extends Error {}

export interface ParsedBody {
  parsed: unknown;
  truncated: boolean;
}

/** Where numbers that a double would round are recorded (exact-numbers.ts): the map, and where the body goes. */
export interface ExactTarget {
  numbers: ExactNumbers;
  holder: object;
  member: string;
}

export const MAX_FORM_FIELDS = 1000;
/** Deeper JSON cannot be handed to the policy: serialising the input for OPA overflows the stack. */
const MAX_JSON_DEPTH = 512;
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
const toWellFormed = (s: string): string => (s as unknown as { toWellFormed(): string }).toWellFormed();

/**
 * JSON.parse, with unpaired surrogates (escapes like "\ud800", valid JSON text) read as U+FFFD as Go's
 * encoding/json reads them (OPA-Envoy): OPA's own JSON reader refuses them, so the policy input could
 * not be evaluated at all. The repair walk runs only for a text with such an escape.
 */
function parseJson(text: string, exact?: ExactTarget | ExactNumbers): unknown {
  const hints = jsonHints(text);
  if ((hints & TOO_DEEP) !== 0) throw new BodyParseError(`request body nests deeper than ${MAX_JSON_DEPTH} levels`);
  let v = JSON.parse(text);
  if ((hints & MAY_OVERFLOW) !== 0 && hasInfinity(v)) throw new BodyParseError('request body has a number beyond the range of a double');
  const repaired = SURROGATE_ESCAPE.test(text);
  if (repaired) v = wellFormed(v, 0);
  if (exact && (hints & MAY_LOSE_DIGITS) !== 0) {
    const t = exact instanceof ExactNumbers ? { numbers: exact, holder: undefined, member: '' } : exact;
    try {
      recordExactNumbers(text, v, t.numbers, t.holder, t.member, repaired ? toWellFormed : undefined);
    } catch (err) {
      throw err instanceof TooManyDigitsError ? new BodyParseError(err.message) : err;
    }
  }
  return v;
}

export const MAY_OVERFLOW = 1;
export const MAY_LOSE_DIGITS = 2;
const TOO_DEEP = 4;

/**
 * One pass, no allocation, over a JSON text, before it is parsed: TOO_DEEP when [ and { (outside strings)
 * nest deeper than MAX_JSON_DEPTH; MAY_OVERFLOW when it may hold a number beyond a double
 * (JSON.parse makes it ±Infinity, which reaches the policy as null — and `null <= 1000` holds in Rego;
 * OPA-Envoy keeps the number): an exponent of three or more digits, or a run of 200 digits (a two-digit
 * exponent needs 210 to overflow). MAY_LOSE_DIGITS when it may hold a number of more than 15 significant
 * digits (a run of 16 digits and dots), which a double may round (exact-numbers.ts). Strings are skipped
 * by their quotes, so digits and letters in them (card numbers, "release") raise no hint. (A text that is
 * not JSON may get wrong number hints; JSON.parse refuses it next.)
 */
export function jsonHints(text: string): number {
  let hints = 0;
  let depth = 0;
  let run = 0;
  let digitsAndDots = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) { inString = true; run = 0; digitsAndDots = 0; continue; }
    if (c >= 0x30 && c <= 0x39) {
      if (++digitsAndDots > MAX_EXACT_DIGITS) hints |= MAY_LOSE_DIGITS;
      if (++run >= 200) hints |= MAY_OVERFLOW;
      continue;
    }
    run = 0;
    if (c === 0x5b || c === 0x7b) { if (++depth > MAX_JSON_DEPTH) hints |= TOO_DEEP; } // [ {
    else if (c === 0x5d || c === 0x7d) depth--; // ] }
    if (c === 0x2e) { digitsAndDots++; continue; }
    digitsAndDots = 0;
    if (c === 0x65 || c === 0x45) { // e E
      let j = i + 1;
      if (text.charCodeAt(j) === 0x2b || text.charCodeAt(j) === 0x2d) j++;
      let digits = 0;
      while (digits < 3 && j + digits < text.length && text.charCodeAt(j + digits) >= 0x30 && text.charCodeAt(j + digits) <= 0x39) digits++;
      if (digits >= 3) hints |= MAY_OVERFLOW;
    }
  }
  return hints;
}

function hasInfinity(v: unknown): boolean {
  if (typeof v === 'number') return !Number.isFinite(v);
  if (v === null || typeof v !== 'object') return false;
  for (const x of Array.isArray(v) ? v : Object.values(v)) if (hasInfinity(x)) return true;
  return false;
}


function wellFormed(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return toWellFormed(v);
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => wellFormed(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    // defineProperty: a "__proto__" key stays a key, as JSON.parse made it
    Object.defineProperty(out, toWellFormed(k), { value: wellFormed((v as Record<string, unknown>)[k], depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const refuse = (message: string): Error => new BodyParseError(message);

/** A multipart part typed JSON. Numbers inside its objects and arrays are kept exact; a part that is one number is not. */
const jsonPart = (exact: ExactNumbers | undefined) => (text: string, name: string): unknown => {
  try { return parseJson(text, exact); } catch (err) {
    if (err instanceof BodyParseError) throw err;
    throw new BodyParseError(`multipart part "${name.slice(0, 64)}" is not valid JSON`);
  }
};

function nullProto(): Record<string, unknown[]> {
  return Object.create(null) as Record<string, unknown[]>;
}


/**
 * What Go's url.ParseQuery refuses (OPA-Envoy then answers 400): a ";" in a field (Go 1.17+: servers that
 * split on ";" would read another field there) and a "%" not followed by two hex digits. One pass.
 */
function formSyntaxError(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3b) return 'the form has a ";" separator';
    if (c === 0x25 && !(isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2)))) return 'the form has a malformed % escape';
  }
  return undefined;
}

/**
 * A form as Go's url.ParseQuery reads it. A form with more fields than MAX_FORM_FIELDS is refused, never cut
 * short (the policy would not see the rest).
 */
function parseForm(text: string, charset: string | undefined): Record<string, unknown[]> {
  const bad = formSyntaxError(text);
  if (bad) throw new BodyParseError(bad);
  const out = nullProto();
  let n = 0;
  let differs = false;
  forEachParam(text, (k, v) => {
    if (++n > MAX_FORM_FIELDS) return false;
    if (charsetMayDiffer(charset, k) || charsetMayDiffer(charset, v)) { differs = true; return false; }
    (out[k] ??= []).push(v);
    return true;
  }, decodeQueryComponent);
  if (n > MAX_FORM_FIELDS) throw new BodyParseError(`the form has more than ${MAX_FORM_FIELDS} fields`);
  if (differs) throw new BodyParseError(`the form is in charset ${charset!.slice(0, 32)}, which servers decode differently`);
  return out;
}

/**
 * OPA-Envoy's parsed_body / truncated_body: JSON, urlencoded forms and multipart forms are parsed;
 * other content types give undefined. A body Envoy cut short is never parsed (truncated = true). With
 * `exact`, JSON numbers a double would round are recorded there (exact-numbers.ts).
 */
export function parseBody(contentType: string | undefined, body: Buffer, truncated: boolean, exact?: ExactTarget): ParsedBody {
  if (!contentType) return { parsed: undefined, truncated: false };
  // a media type is case-insensitive: Go, Express (type-is) and busboy parse `Application/JSON` bodies too
  const type = contentType.toLowerCase();
  const json = type.includes('application/json');
  const form = type.includes('application/x-www-form-urlencoded');
  const multipart = type.includes('multipart/form-data');
  if (!json && !form && !multipart) return { parsed: undefined, truncated };
  if (body.length === 0) return { parsed: undefined, truncated: false };
  if (truncated) return { parsed: undefined, truncated: true };
  const text = body.toString('utf8');
  if (json) {
    try { return { parsed: parseJson(text, exact), truncated: false }; } catch (err) {
      if (err instanceof BodyParseError) throw err;
      throw new BodyParseError(notJsonMessage(err, 'request body is not valid JSON'));
    }
  }
  if (form) return { parsed: parseForm(text, parseMediaType(contentType, refuse)?.params.get('charset')), truncated: false };
  // Go's mime.ParseMediaType + multipart.NewReader: an unreadable Content-Type or an empty boundary is an error
  const mt = parseMediaType(contentType, refuse);
  if (!mt) throw new BodyParseError('multipart Content-Type cannot be parsed');
  const boundary = mt.params.get('boundary');
  if (boundary === undefined) return { parsed: undefined, truncated: false };
  if (boundary === '') throw new BodyParseError('multipart boundary is empty');
  // PHP finds its boundary by searching the header for "boundary": it must be the one Go reads
  if (phpBoundary(contentType) !== boundary) throw new BodyParseError('multipart Content-Type names its boundary ambiguously (PHP reads another one)');
  return { parsed: parseMultipart(text, boundary, jsonPart(exact?.numbers), refuse), truncated: false };
}
