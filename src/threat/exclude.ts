import { ConfigError } from '../config/errors.js';
import type { DetectorOptions, InjectionFamily } from './detectors/index.js';
import type { InputOptions } from './inputs-inspector.js';

/** One `exclude` entry as configured: an input by the `where` of its findings, and the families not run on it (default all). */
export interface ExcludeEntry { input: string; families?: string[] }

/** An entry checked and normalised at config load. */
export interface ParsedExclusion {
  /** The `where` it matches (header names lower-cased; a multipart filename: FILENAME_KEY + NAME); `[*]` matches any array index. */
  key: string;
  /** Families excluded; undefined: every injection family. */
  families?: ReadonlySet<InjectionFamily>;
  pointer: string;
}

/**
 * A part's filename is printed `multipart.NAME.filename`, as a field named `NAME.filename` is: exclusions know
 * filenames by this prefix + NAME instead, which no field's `where` starts with.
 */
export const FILENAME_KEY = 'multipart-filename.';

/**
 * What exclusions know a body by that did not parse as its declared type (JSON, multipart; printed `body`,
 * or `multipart.N` for a part without headers): none applies. Another parser may read it (Python's json takes
 * NaN, multipart parsers differ), so an exclusion written for a text body or a field must not cover it.
 */
export const UNPARSED_KEY = 'body(unparsed)';

/** Longest name the walk keeps in a `where` (longer query, form, cookie, multipart and JSON names are cut). */
const MAX_NAME = 64;
/** Path segments the walk reads one by one. */
const MAX_PATH_SEGMENT = 32;
const INDEX = /\[\d+\]/g;
const JSON_PATH = /^\$((?:\.[^.[\]]{1,64}|\[(?:\d+|\*)\])*)(\.\.\*)?$/;

/** The problem with `input`, or undefined when some request can produce a finding with that `where`. */
function problem(input: string, o: InputOptions): string | undefined {
  const dot = input.indexOf('.');
  const head = dot < 0 ? input : input.slice(0, dot);
  const rest = dot < 0 ? '' : input.slice(dot + 1);
  const off = (what: string) => `${what} is not inspected (threat.inspect.${what}: false): this exclusion could never apply`;
  const named = (kind: string) => {
    if (rest === '') return `"${kind}." needs a name (e.g. "${kind}.q")`;
    if (rest.length > MAX_NAME) return `names are cut to ${MAX_NAME} characters in findings: write the first ${MAX_NAME}`;
    return undefined;
  };
  const pathSeg = /^path\[(\d+|\*)\]$/.exec(input);
  if (input === 'path' || pathSeg) {
    if (!o.inspectPath) return off('path');
    if (pathSeg && pathSeg[1] !== '*' && (Number(pathSeg[1]) < 1 || Number(pathSeg[1]) > MAX_PATH_SEGMENT)) return `path segments are numbered 1 to ${MAX_PATH_SEGMENT}`;
    return undefined;
  }
  switch (head) {
    case 'query': case 'query-key':
      return o.inspectQuery ? named(head) : off('query');
    case 'form': case 'form-key': case 'multipart': case 'multipart-key':
      return o.inspectBody ? named(head) : off('body');
    case 'header':
      if (!/^[a-z0-9-]+$/.test(rest)) return '"header." needs a header name (letters, digits, "-")';
      if (rest === 'cookie') return 'cookies are inspected one by one: exclude "cookie.<name>"';
      if (!o.headers.includes(rest)) return `header ${rest} is not inspected (threat.inspect.headers: ${o.headers.join(', ')}): this exclusion could never apply`;
      return undefined;
    case 'cookie':
      if (!o.headers.includes('cookie')) return 'cookies are not inspected (cookie is not in threat.inspect.headers): this exclusion could never apply';
      return dot < 0 ? undefined : named('cookie');
    case 'body': case 'body-key':
      if (!o.inspectBody) return off('body');
      if (input === 'body') return undefined;
      if (!rest.startsWith('$')) return `JSON values are named from the root "$": write "${head}.$.${rest}"`;
      if (!JSON_PATH.test(rest)) return `malformed JSON path "${rest}": expected "$" then ".name" (at most ${MAX_NAME} characters, no "." "[" "]") or "[0]"/"[*]" steps, optionally ending in "..*"`;
      return undefined;
    default:
      return 'unknown input: expected path, path[N], query.NAME, query-key.NAME, header.NAME, cookie.NAME, form.NAME, form-key.NAME, body, body.$…, body-key.$…, multipart.NAME, multipart-key.NAME or multipart.NAME.filename (the "where" of a finding)';
  }
}

/** An entry with both an index and `[*]` would never apply (lookup tries the name as sent, then every index as `[*]`). */
function mixedIndex(input: string): string | undefined {
  if (!input.includes('[*]') || !/\[\d+\]/.test(input)) return undefined;
  return 'an index and [*] in one entry never match: write every index as [*], or every index as a number';
}

/** Check a list of entries (`base`: its JSON pointer); an input listed twice is refused. */
export function parseExclusions(list: readonly ExcludeEntry[] | undefined, base: string, o: InputOptions): ParsedExclusion[] {
  const out: ParsedExclusion[] = [];
  const seen = new Set<string>();
  (list ?? []).forEach((e, i) => {
    const pointer = `${base}/${i}`;
    const input = e.input.startsWith('header.') ? e.input.toLowerCase() : e.input;
    const why = problem(input, o) ?? mixedIndex(input);
    if (why !== undefined) throw new ConfigError(`${pointer}/input`, why);
    const key = input.startsWith('multipart.') && input.endsWith('.filename') && input.length > 19 ? FILENAME_KEY + input.slice(10, -9) : input;
    if (seen.has(key)) throw new ConfigError(`${pointer}/input`, `"${input}" is listed twice (put its families in one entry)`);
    seen.add(key);
    out.push({ key, families: e.families ? new Set(e.families as InjectionFamily[]) : undefined, pointer });
  });
  return out;
}

/** What the detectors run on an input: undefined, the route's; null, none (the value is not read). */
export type ExclusionVerdict = DetectorOptions | null | undefined;

/** A route's exclusions, compiled: one Map lookup per value (two when the `where` has an array index and the route uses `[*]`). */
export class Exclusions {
  constructor(private readonly map: ReadonlyMap<string, DetectorOptions | null>, private readonly wildcards: boolean) {}

  get size(): number { return this.map.size; }

  lookup(where: string): ExclusionVerdict {
    const hit = this.map.get(where);
    if (hit !== undefined || !this.wildcards || where.indexOf('[') < 0) return hit;
    return this.map.get(where.replace(INDEX, '[*]'));
  }
}

/**
 * The exclusions of one route: the global ones and the route's own (an input in both: the union of the
 * families excluded), against the route's detector options. A route entry naming only families the route
 * does not inspect is refused (it could never apply); a global one is not (it applies on other routes).
 */
export function compileExclusions(global: readonly ParsedExclusion[], route: readonly ParsedExclusion[], det: DetectorOptions): Exclusions | undefined {
  if (global.length === 0 && route.length === 0) return undefined;
  const excluded = new Map<string, Set<InjectionFamily> | 'all'>();
  for (const e of [...global, ...route]) {
    if (e.families && route.includes(e)) {
      const live = [...e.families].filter((f) => det.families.has(f));
      if (live.length === 0) {
        throw new ConfigError(`${e.pointer}/families`, `this route does not inspect ${[...e.families].join(', ')} (families: ${[...det.families].join(', ') || 'none'}): this exclusion could never apply`);
      }
    }
    const cur = excluded.get(e.key);
    if (cur === 'all' || e.families === undefined) { excluded.set(e.key, 'all'); continue; }
    excluded.set(e.key, new Set([...(cur ?? []), ...e.families]));
  }
  const map = new Map<string, DetectorOptions | null>();
  for (const [key, fams] of excluded) {
    const remaining = fams === 'all' ? [] : [...det.families].filter((f) => !fams.has(f));
    if (remaining.length === det.families.size) continue; // excludes nothing this route runs (a global entry)
    map.set(key, remaining.length === 0 ? null : { ...det, families: new Set(remaining) });
  }
  if (map.size === 0) return undefined;
  return new Exclusions(map, [...map.keys()].some((k) => k.includes('[*]')));
}
