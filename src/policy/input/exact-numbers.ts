import { randomBytes } from 'node:crypto';

/**
 * JSON numbers the policy must see exactly. JSON.parse reads every number as a double, so an integer beyond
 * 2^53 or a decimal with more than 15 significant digits can become another number (9007199254740993 is
 * 9007199254740992). OPA-Envoy keeps the number as written, and so does an upstream reading it as a long or
 * a decimal: a policy comparing an account id would judge one account and the upstream act on its
 * neighbour. For such numbers the input handed to the Wasm policy carries the body's own text; OPA's Wasm
 * JSON reader and its comparisons are exact.
 *
 * Holder object → member name (or array index) → the number's text in the body; the map is made only
 * for a body that has such a number.
 */
export class ExactNumbers {
  holders?: WeakMap<object, Map<string, string>>;

  get(holder: object, member: string): string | undefined {
    return this.holders?.get(holder)?.get(member);
  }

  set(holder: object, member: string, raw: string | undefined): void {
    let names = this.holders?.get(holder);
    if (raw === undefined) { names?.delete(member); return; }
    this.holders ??= new WeakMap();
    if (!names) this.holders.set(holder, names = new Map());
    names.set(member, raw);
  }
}

/** More significant digits than a double keeps exactly: the number is passed on as written. */
export const MAX_EXACT_DIGITS = 15;

/**
 * A number with more significant digits than this is refused: OPA's Wasm arithmetic on hundreds of digits
 * fails or takes milliseconds per operation (a 1M-digit fraction: 60–290 ms). 40 holds every 128-bit
 * integer (39 digits) and a decimal128 (34).
 */
export const MAX_POLICY_DIGITS = 40;

/** The body has a number with more than MAX_POLICY_DIGITS significant digits. */
export class TooManyDigitsError extends Error {}

const isWs = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/**
 * Walks the (valid) JSON text beside the value JSON.parse made of it and records, under `into`, every number
 * with more than 15 significant digits at its holder and member. A member named twice keeps the last value,
 * as JSON.parse does: every value written at a (holder, member) first clears what an earlier one recorded.
 * `key` maps a member name as written to the name in `value` (the parse may have repaired it). Recursion is
 * bounded by the body's depth limit.
 */
export function recordExactNumbers(
  text: string, value: unknown, into: ExactNumbers, holder: object | undefined, member: string, key: (k: string) => string = (k) => k,
): void {
  let i = 0;
  const ws = (): void => { while (i < text.length && isWs(text.charCodeAt(i))) i++; };
  const stringEnd = (from: number): number => {
    let j = from + 1;
    while (j < text.length) {
      const c = text.charCodeAt(j);
      if (c === 0x5c) j += 2;
      else if (c === 0x22) return j + 1;
      else j++;
    }
    return j;
  };
  const note = (h: object | undefined, m: string, raw: string | undefined): void => { if (h) into.set(h, m, raw); };
  const walk = (h: object | undefined, m: string, v: unknown): void => {
    ws();
    const c = text.charCodeAt(i);
    if (c === 0x7b) { // {
      note(h, m, undefined);
      const obj = v !== null && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
      i++; ws();
      if (text.charCodeAt(i) === 0x7d) { i++; return; }
      for (;;) {
        ws();
        const end = stringEnd(i);
        const raw = text.slice(i + 1, end - 1);
        const name = key(raw.includes('\\') ? JSON.parse(text.slice(i, end)) as string : raw);
        i = end; ws(); i++; // ':'
        walk(obj, name, obj ? (obj as Record<string, unknown>)[name] : undefined);
        ws();
        if (text.charCodeAt(i++) === 0x7d) return; // '}', else ','
      }
    }
    if (c === 0x5b) { // [
      note(h, m, undefined);
      const arr = Array.isArray(v) ? v : undefined;
      i++; ws();
      if (text.charCodeAt(i) === 0x5d) { i++; return; }
      for (let n = 0; ; n++) {
        walk(arr, String(n), arr?.[n]);
        ws();
        if (text.charCodeAt(i++) === 0x5d) return; // ']', else ','
      }
    }
    if (c === 0x22) { note(h, m, undefined); i = stringEnd(i); return; }
    const start = i;
    let digits = 0;
    let leading = true;
    let mantissa = true;
    for (; i < text.length; i++) {
      const d = text.charCodeAt(i);
      if (d >= 0x30 && d <= 0x39) {
        if (mantissa && !(leading && d === 0x30)) { leading = false; digits++; }
      } else if (d === 0x65 || d === 0x45) mantissa = false; // e E
      else if (d !== 0x2d && d !== 0x2b && d !== 0x2e) break; // - + .
    }
    if (i === start) { while (i < text.length && text.charCodeAt(i) >= 0x61 && text.charCodeAt(i) <= 0x7a) i++; } // true false null
    // a number below a double's range (JSON.parse reads 0) stays 0, as a shorter one does: its own text
    // (1234567890123456789e-400000000) would make the policy's arithmetic work on as many digits as its exponent
    const exact = digits > MAX_EXACT_DIGITS && typeof v === 'number' && v !== 0;
    if (exact && digits > MAX_POLICY_DIGITS) throw new TooManyDigitsError(`request body has a number with more than ${MAX_POLICY_DIGITS} significant digits`);
    note(h, m, exact ? text.slice(start, i) : undefined);
  };
  walk(holder, member, value);
}

const NONCE = randomBytes(12).toString('hex');
const MARK = `\u0000${NONCE}:`;
/** How JSON.stringify writes the start of a marker string: `"\u0000<nonce>:` (then `<n>"`). */
const MARKED = JSON.stringify(MARK).slice(0, -1);

/**
 * The input as the JSON text the Wasm policy reads, with the recorded numbers as the body wrote them.
 * Each such number is first written as a marker string holding a per-process random nonce (a client's own
 * string cannot name it), then replaced by its text.
 */
export function exactJson(input: unknown, exact: ExactNumbers): string {
  const raws: string[] = [];
  const text = JSON.stringify(input, function (this: object, k: string, v: unknown) {
    if (typeof v !== 'number') return v;
    const raw = exact.get(this, k);
    if (raw === undefined) return v;
    raws.push(raw);
    return MARK + (raws.length - 1);
  });
  if (raws.length === 0) return text;
  let out = '';
  let from = 0;
  for (let at = text.indexOf(MARKED); at !== -1; at = text.indexOf(MARKED, from)) {
    const end = text.indexOf('"', at + MARKED.length);
    out += text.slice(from, at) + raws[Number(text.slice(at + MARKED.length, end))];
    from = end + 1;
  }
  return out + text.slice(from);
}
