import { forEachParam } from '../pipeline/query.js';
import type { DetectorOptions } from './detectors/index.js';
import type { Exclusions } from './exclude.js';

export interface InputOptions {
  /** Header names (lower-case) whose values are inspected; `cookie` inspects each cookie value. */
  headers: readonly string[];
  /** Longest value read at once; the rest of a longer value is read last, in windows (and counted). */
  maxValueBytes: number;
  /** Total bytes inspected per request. */
  maxTotalBytes: number;
  maxJsonDepth: number;
  /** String values (and suspicious keys) of one JSON body read before they count as over the limit. */
  maxJsonValues: number;
  /** Multipart parts read before they count as over the limit. */
  maxParts: number;
  inspectPath: boolean;
  inspectQuery: boolean;
  inspectBody: boolean;
}

/**
 * What the walk had to read other than one value at a time, or could not read. Inputs past a count limit,
 * the rest of long values and JSON past the depth limit are inspected all the same (within the total
 * budget); only `budgetExhausted` means part of the request went uninspected.
 */
export interface InputLimits {
  /** Values longer than maxValueBytes (read in overlapping windows after every other value). */
  truncatedValues: number;
  /** Query parameters, cookies, form fields, multipart parts and JSON values past their count limit. */
  overCount: number;
  /** The total budget ran out: the rest of the request was not inspected. */
  budgetExhausted: boolean;
  /** JSON nested deeper than maxJsonDepth (the deeper values are reported under the path of the cut). */
  depthExceeded: boolean;
  /** A body that is not the structure it claims ('json', 'multipart'): read as text instead. */
  unparsedBody?: string;
  /** The first declared charset (bounded label) nothing decodes: that text was read as UTF-8 (charset.ts). */
  undecodableCharset?: string;
  /**
   * Why a body sent with a Content-Encoding was not read (content-coding.ts): a coding nothing decodes, data
   * that does not decode, or (with budgetExhausted) more than the budget once decompressed. No body bytes.
   */
  undecodableBody?: string;
  /**
   * A body the walk read (text, JSON, a form, multipart: not a binary body it skips) that Envoy sent only in
   * part (`ctx.bodyTruncated`: ext_authz `max_request_bytes` with `allow_partial_message`): the rest, which
   * the upstream reads, was not inspected.
   */
  partialBody?: boolean;
}

/**
 * `header`: a request header's value (values that repeat across requests: a caller may memoise them).
 * `det`: the detector options of an input the route excludes from some families (else undefined: the route's).
 */
export type Visit = (where: string, value: string, header: boolean, det: DetectorOptions | undefined) => void;

/**
 * Budget charged for a value however short: about what reading it costs in bytes of a long one, so that
 * many tiny inputs cannot cost more than the budget allows.
 */
export const MIN_COST = 8;
/** Overlap of the windows the rest of a long value is read in: a payload up to this long is never split. */
const WINDOW_OVERLAP = 1024;

/** Every inspected input goes through one Inspector: sizes bounded, the total budgeted, cuts recorded. */
export class Inspector {
  readonly lim: InputLimits = { truncatedValues: 0, overCount: 0, budgetExhausted: false, depthExceeded: false };
  private budget: number;
  private tails: Array<[where: string, value: string, det: DetectorOptions | undefined]> | undefined;
  /** Bytes decoded in a slow charset, charged by settle() once their text is read. */
  private owed = 0;

  constructor(private readonly o: InputOptions, private readonly visit: Visit, private readonly ex?: Exclusions) {
    this.budget = o.maxTotalBytes;
  }

  get exhausted(): boolean { return this.lim.budgetExhausted; }

  /**
   * Inspect a value (shorter than 2: nothing to read); of a long one the first maxValueBytes now, the rest
   * last. A value the route excludes from every family is not read and costs no budget. `key`: the name
   * exclusions know it by when that is not its `where` (a multipart filename, see exclude.ts).
   */
  emit(where: string, value: string, header = false, key = where): void {
    if (value.length < 2 || this.lim.budgetExhausted) return;
    let det: DetectorOptions | undefined;
    if (this.ex !== undefined) {
      const v = this.ex.lookup(key);
      if (v === null) return;
      det = v;
    }
    if (value.length > this.o.maxValueBytes) {
      this.lim.truncatedValues++;
      (this.tails ??= []).push([where, value, det]);
      this.read(where, value.slice(0, this.o.maxValueBytes), header, det);
    } else this.read(where, value, header, det);
  }

  /**
   * Of `b`, what to decode in `cs`: all of it, but in a charset that decodes slowly (UTF-7, charset.ts) no
   * more bytes than the budget has left (none of them yields more than one character), which settle()
   * charges once the text is read; a cut exhausts the budget (the rest was not inspected). So a 4 MiB UTF-7
   * body costs the budget's worth of decoding, not seconds of it.
   */
  decodable(cs: { readonly slow?: boolean }, b: Buffer): Buffer {
    if (cs.slow !== true) return b;
    if (b.length <= this.budget) { this.owed += b.length; return b; }
    this.owed = Infinity;
    return b.subarray(0, this.budget);
  }

  /** Charge the decoding decodable() let through (after the values it yielded were emitted). */
  settle(): void {
    if (this.owed === 0) return;
    const owed = this.owed;
    this.owed = 0;
    this.charge(owed);
  }

  /** Charge work that is not a value (a multipart part's header block). */
  charge(bytes: number): void {
    if (bytes > this.budget) { this.budget = 0; this.lim.budgetExhausted = true; } else this.budget -= bytes;
  }

  /** Read the rest of the long values, in windows that overlap, with what is left of the budget. */
  finish(): InputLimits {
    if (this.tails === undefined) return this.lim;
    const max = this.o.maxValueBytes;
    const overlap = Math.min(WINDOW_OVERLAP, max >> 2);
    const step = max - overlap;
    for (const [where, value, det] of this.tails) {
      for (let at = step; at + overlap < value.length && !this.lim.budgetExhausted; at += step) this.read(where, value.slice(at, at + max), false, det);
    }
    return this.lim;
  }

  private read(where: string, value: string, header: boolean, det: DetectorOptions | undefined): void {
    let v = value;
    const cost = v.length < MIN_COST ? MIN_COST : v.length;
    if (cost > this.budget) {
      this.lim.budgetExhausted = true;
      v = v.slice(0, this.budget);
      this.budget = 0;
      if (v.length < 2) return;
    } else this.budget -= cost;
    this.visit(where, v, header, det);
  }
}

/**
 * Characters that make a key worth inspecting (keys are usually identifiers): quotes, brackets, separators,
 * and whitespace, `=`, `+`, `*`, `#`, `>`, braces — SQL and templates need no more (`x or 1=1`, `{{7*7}}`).
 */
export function suspiciousKey(k: string): boolean {
  for (let i = 0; i < k.length; i++) {
    const c = k.charCodeAt(i);
    if (c === 60 || c === 39 || c === 34 || c === 40 || c === 59 || c === 96 || c === 124 || c === 36 || c === 37 || c === 92 || c === 47) return true;
    if (c === 32 || (c >= 9 && c <= 13) || c === 160 || c === 61 || c === 43 || c === 42 || c === 35 || c === 62 || c === 123 || c === 125) return true;
  }
  return false;
}

/**
 * Every parameter of a query or form body (`query.q`, odd keys as `query-key.…`); past `max` counted, and read
 * all the same. A query parameter with a `;` as sent (not `%3B`) is read whole, and the parameters after each
 * `;` under their own names too: Rack 2 (Rails) splits a query there as at `&`, as Python's parse_qsl before
 * 3.9.2 and Go before 1.17 did (`search=a;id=…` is `id` to them, which an exclusion of `search` must not cover).
 */
export function inspectParams(w: Inspector, raw: string, kind: 'query' | 'form', max: number): void {
  let n = 0;
  const read = (k: string, v: string) => {
    const name = k.length > 64 ? k.slice(0, 64) : k;
    w.emit(`${kind}.${name}`, v);
    if (suspiciousKey(k)) w.emit(`${kind}-key.${name}`, k);
    return !w.exhausted;
  };
  forEachParam(raw, (k, v) => { if (++n > max) w.lim.overCount++; return read(k, v); });
  // (a form body's fields are not split so: Rack 2 reads a form at '&' only, and text fields hold ';' far more often)
  if (kind !== 'query' || raw.indexOf(';') < 0 || w.exhausted) return;
  // the parameters after a ';', split at '&' and ';' (Rack 2 also drops the blanks after a separator). Linear.
  let afterSemi = false;
  for (let i = 0, from = 0; i <= raw.length; i++) {
    const c = i < raw.length ? raw.charCodeAt(i) : 38;
    if (c !== 38 && c !== 59) continue;
    if (afterSemi) {
      let f = from;
      while (f < i && raw.charCodeAt(f) === 32) f++;
      if (i > f) forEachParam(raw.slice(f, i), read); // a second reading of what was counted: not counted again
      if (w.exhausted) return;
    }
    afterSemi = c === 59;
    from = i + 1;
  }
}
