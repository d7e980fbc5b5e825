import { LineCounter, Scalar, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type YAMLMap } from 'yaml';
import { ALGORITHMS, FAILURE_MODES, type Algorithm, type FailureMode, type LimitRule } from '../rule.js';
import { ENVOY_FORMAT_UNITS, isEnvoyFormatUnit, isUnit, periodProblem, type Unit } from '../units.js';
import { emptyLevel, exactKey, type DescriptorNode, type DomainConfig, type Level } from './domain.js';
import { EXTENSION_RATE_LIMIT_KEYS, isCredentialKey } from './extensions.js';
import type { RlsProblem } from './problems.js';

/** Keys envoyproxy/ratelimit accepts, by position. */
const ROOT_KEYS = ['domain', 'descriptors'];
const DESCRIPTOR_KEYS = ['key', 'value', 'rate_limit', 'descriptors', 'shadow_mode', 'detailed_metric'];
const RATE_LIMIT_KEYS = ['unit', 'requests_per_unit', 'unlimited', 'name', 'replaces'];
const REPLACES_KEYS = ['name'];
const WHERE: Record<string, string> = {};
for (const k of ROOT_KEYS) WHERE[k] ??= 'at the top of the file';
for (const k of DESCRIPTOR_KEYS) WHERE[k] ??= 'in a descriptor';
for (const k of [...RATE_LIMIT_KEYS, ...EXTENSION_RATE_LIMIT_KEYS]) WHERE[k] ??= 'inside rate_limit';

const UINT32_MAX = 4_294_967_295;

/**
 * Descriptors one file may hold, counting every use of a YAML alias as a copy of what it names. Without a
 * bound, aliases of aliases make a few KB read as billions of descriptors (yaml.v2, which
 * envoyproxy/ratelimit uses, refuses such documents as "excessive aliasing").
 */
export const MAX_DESCRIPTORS_PER_FILE = 100_000;

export interface ReaderOptions {
  /** Reject Portcullis extensions (unit week, unit_multiplier, algorithm, burst, failure_mode). */
  strict: boolean;
  /** Failure mode of limits that do not set one. */
  failureMode: FailureMode;
  /**
   * envoyproxy/ratelimit MERGE_DOMAIN_CONFIG: several files may name one domain; their top-level
   * descriptors are added to the domain (a repeated composite key is still an error).
   */
  mergeDomains?: boolean;
}

export interface ReadResult {
  /** With `into`: that domain with this file's descriptors added. */
  config?: DomainConfig;
  /** Where `domain:` is, for duplicate-domain errors across files. */
  domainAt?: { line: number; column: number };
  problems: RlsProblem[];
}

interface Ctx {
  file: string;
  doc?: Document;
  lc: LineCounter;
  problems: RlsProblem[];
  opts: ReaderOptions;
  domain: string;
  limits: number;
  /** Descriptors read so far (alias expansions included); past MAX_DESCRIPTORS_PER_FILE reading stops. */
  descriptors: number;
  /** Each alias resolved once (yaml's Alias.resolve searches the whole document). */
  aliases: Map<Node, Node | null>;
  /** Collections being read (the path from the root): an alias to one of them would recurse forever. */
  open: Set<Node>;
}

/**
 * One envoyproxy/ratelimit config file (YAML) → a compiled domain. Every problem is collected (not just
 * the first), each naming the file, the key path and the line. Stricter than envoyproxy/ratelimit where a
 * file would silently do something else than it says: keys in the wrong place, a rate_limit without
 * requests_per_unit (envoyproxy/ratelimit reads 0: block everything), an empty rate_limit block.
 */
export function readDomainFile(file: string, text: string, opts: ReaderOptions, into?: (domain: string) => DomainConfig | undefined): ReadResult {
  const lc = new LineCounter();
  const ctx: Ctx = { file, lc, problems: [], opts, domain: '', limits: 0, descriptors: 0, aliases: new Map(), open: new Set() };
  // failsafe schema: every scalar is a string, so keys and values keep their source text (as yaml.v2
  // does for string fields: `value: 0800` is "0800"); numbers and booleans are parsed here.
  const doc = parseDocument(text, { schema: 'failsafe', uniqueKeys: false, lineCounter: lc, prettyErrors: false });
  ctx.doc = doc;
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const at = e.pos?.[0] !== undefined ? lc.linePos(e.pos[0]) : undefined;
      // the library's own text for this one names a JavaScript API the user cannot call
      const what = e.code === 'MULTIPLE_DOCS'
        ? 'the file holds more than one YAML document (---); envoyproxy/ratelimit reads only the first and ignores the rest: write one domain per file'
        : e.message.split('\n')[0];
      ctx.problems.push({ file, path: '', line: at?.line, column: at?.col, message: `error loading config file: ${what}` });
    }
    return { problems: ctx.problems };
  }
  const root = doc.contents as Node | null;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) {
    ctx.problems.push({ file, path: '', message: 'the file is empty (expected domain: and descriptors:)' });
    return { problems: ctx.problems };
  }
  if (!isMap(root)) {
    push(ctx, root, '', 'the file must be a mapping with domain: and descriptors:');
    return { problems: ctx.problems };
  }
  const fields = fieldsOf(ctx, root, '', ROOT_KEYS, []);
  const domainNode = fields.get('domain');
  const domain = domainNode ? str(ctx, domainNode, 'domain') : undefined;
  if (!domain) {
    push(ctx, domainNode ?? root, domainNode ? 'domain' : '', 'config file cannot have empty domain');
  }
  ctx.domain = domain ?? '';
  // merging: read straight into the existing domain's top level, so a repeated key is found (with its line)
  // as a duplicate; the caller discards everything when any problem is reported
  const target = domain ? into?.(domain) : undefined;
  const rootLevel = target ? target.root : emptyLevel();
  const list = fields.get('descriptors');
  if (list !== undefined) readDescriptors(ctx, list, 'descriptors', '', false, rootLevel);
  const domainAt = domainNode ? pos(ctx, domainNode) : undefined;
  if (ctx.problems.length > 0 || !domain) return { problems: ctx.problems, domainAt };
  if (target) return { config: { domain, file: `${target.file}, ${file}`, root: rootLevel, limits: target.limits + ctx.limits }, domainAt, problems: [] };
  return { config: { domain, file, root: rootLevel, limits: ctx.limits }, domainAt, problems: [] };
}

function readDescriptors(ctx: Ctx, node: Node | null, path: string, parentStats: string, parentRedact: boolean, level: Level): void {
  if (node === null || (isScalar(node) && (node.value === null || node.value === ''))) return;
  if (!isSeq(node)) { push(ctx, node, path, 'must be a list of descriptors (- key: …)'); return; }
  ctx.open.add(node);
  for (let i = 0; i < node.items.length; i++) {
    if (ctx.descriptors > MAX_DESCRIPTORS_PER_FILE) break; // over the bound: reported once, reading stops
    const p = `${path}[${i}]`;
    const item = deref(ctx, node.items[i] as Node, p);
    if (item === undefined) continue;
    if (!isMap(item)) { push(ctx, item, p, 'must be a descriptor mapping (key:, value:, rate_limit:, descriptors:)'); continue; }
    if (++ctx.descriptors > MAX_DESCRIPTORS_PER_FILE) {
      push(ctx, item, p, `more than ${MAX_DESCRIPTORS_PER_FILE} descriptors in one file (each use of a YAML alias counts as a copy of what it names)`);
      break;
    }
    ctx.open.add(item);
    readDescriptor(ctx, item, p, parentStats, parentRedact, level);
    ctx.open.delete(item);
  }
  ctx.open.delete(node);
}

function readDescriptor(ctx: Ctx, node: YAMLMap, path: string, parentStats: string, parentRedact: boolean, level: Level): void {
  const f = fieldsOf(ctx, node, path, DESCRIPTOR_KEYS, []);
  const keyNode = f.get('key');
  const key = keyNode ? str(ctx, keyNode, `${path}.key`) : undefined;
  if (!key) { push(ctx, keyNode ?? node, keyNode ? `${path}.key` : path, 'descriptor has empty key'); return; }
  const valueNode = f.get('value');
  const value = valueNode ? str(ctx, valueNode, `${path}.value`) ?? '' : '';
  const finalKey = value ? `${key}_${value}` : key;
  const statsPath = parentStats ? `${parentStats}.${finalKey}` : finalKey;
  const mapKey = value ? exactKey(key, value) : key;
  const taken = value ? level.exact.has(mapKey) : level.keyOnly.has(mapKey);
  if (taken) {
    push(ctx, valueNode ?? keyNode!, path, `duplicate descriptor composite key "${ctx.domain}.${statsPath}"`);
    return;
  }
  const shadow = f.has('shadow_mode') ? bool(ctx, f.get('shadow_mode')!, `${path}.shadow_mode`) ?? false : false;
  const detailed = f.has('detailed_metric') ? bool(ctx, f.get('detailed_metric')!, `${path}.detailed_metric`) ?? false : false;
  const redact = parentRedact || isCredentialKey(key);
  const d: DescriptorNode = { key, value, path: statsPath, unlimited: false, replaces: [], redact, children: emptyLevel() };
  if (f.has('rate_limit')) readRateLimit(ctx, f.get('rate_limit')!, `${path}.rate_limit`, d, shadow, detailed);
  readDescriptors(ctx, f.get('descriptors') ?? null, `${path}.descriptors`, statsPath, redact, d.children);
  if (value) {
    level.exact.set(mapKey, d);
    if (value.endsWith('*')) level.wildcards.push({ key, prefix: value.slice(0, -1), node: d });
  } else {
    level.keyOnly.set(mapKey, d);
  }
  level.size++;
}

function readRateLimit(ctx: Ctx, node: Node | null, path: string, d: DescriptorNode, shadow: boolean, detailed: boolean): void {
  if (node === null || !isMap(node)) {
    push(ctx, node ?? undefined, path, node === null || (isScalar(node) && (node.value === null || node.value === ''))
      ? 'rate_limit is empty (give unit and requests_per_unit, or unlimited: true)'
      : 'must be a mapping (unit:, requests_per_unit:)');
    return;
  }
  const f = fieldsOf(ctx, node, path, RATE_LIMIT_KEYS, EXTENSION_RATE_LIMIT_KEYS);
  const unlimited = f.has('unlimited') ? bool(ctx, f.get('unlimited')!, `${path}.unlimited`) ?? false : false;
  const unitNode = f.get('unit');
  let unit: Unit | undefined;
  if (unitNode !== undefined) {
    const raw = str(ctx, unitNode, `${path}.unit`) ?? '';
    const u = raw.toLowerCase();
    if (unlimited) push(ctx, unitNode, `${path}.unit`, 'should not specify rate limit unit when unlimited');
    else if (!isUnit(u)) push(ctx, unitNode, `${path}.unit`, `invalid rate limit unit "${raw}" (${ENVOY_FORMAT_UNITS.join(', ')}; extension: week)`);
    else if (!isEnvoyFormatUnit(u) && ctx.opts.strict) push(ctx, unitNode, `${path}.unit`, `unit "${u}" is a Portcullis extension, not allowed with strict_envoy_format`);
    else unit = u;
  } else if (!unlimited) {
    push(ctx, node, path, `missing "unit" (${ENVOY_FORMAT_UNITS.join(', ')})`);
  }
  const rpuNode = f.get('requests_per_unit');
  let rpu: number | undefined;
  if (rpuNode !== undefined) rpu = uint(ctx, rpuNode, `${path}.requests_per_unit`, 0, UINT32_MAX);
  else if (!unlimited) push(ctx, node, path, 'missing "requests_per_unit" (write 0 to refuse every request)');
  const nameNode = f.get('name');
  const name = nameNode ? str(ctx, nameNode, `${path}.name`) ?? '' : '';
  const replaces = readReplaces(ctx, f.get('replaces'), `${path}.replaces`, name);

  const multNode = f.get('unit_multiplier');
  const multiplier = multNode ? uint(ctx, multNode, `${path}.unit_multiplier`, 1, 1_000_000) ?? 1 : 1;
  const algNode = f.get('algorithm');
  let algorithm: Algorithm = 'fixed_window';
  if (algNode) {
    const a = str(ctx, algNode, `${path}.algorithm`) ?? '';
    if ((ALGORITHMS as readonly string[]).includes(a)) algorithm = a as Algorithm;
    else push(ctx, algNode, `${path}.algorithm`, `must be one of ${ALGORITHMS.join(', ')}`);
  }
  const burstNode = f.get('burst');
  let burst = 0;
  if (burstNode) {
    burst = uint(ctx, burstNode, `${path}.burst`, 1, UINT32_MAX) ?? 0;
    if (algorithm !== 'gcra') push(ctx, burstNode, `${path}.burst`, 'burst applies to algorithm: gcra only');
  }
  const fmNode = f.get('failure_mode');
  let failureMode = ctx.opts.failureMode;
  if (fmNode) {
    const m = str(ctx, fmNode, `${path}.failure_mode`) ?? '';
    if ((FAILURE_MODES as readonly string[]).includes(m)) failureMode = m as FailureMode;
    else push(ctx, fmNode, `${path}.failure_mode`, `must be one of ${FAILURE_MODES.join(', ')}`);
  }
  if (unlimited) {
    for (const k of ['unit_multiplier', 'algorithm', 'burst'] as const) {
      const n = f.get(k);
      if (n) push(ctx, n, `${path}.${k}`, `has no effect when unlimited`);
    }
  }
  d.unlimited = unlimited;
  d.replaces = replaces;
  if (unlimited || unit === undefined || rpu === undefined) return;
  const tooLong = periodProblem({ unit, multiplier });
  if (tooLong) { push(ctx, multNode ?? unitNode, `${path}.unit_multiplier`, tooLong); return; }
  ctx.limits++;
  const rule: LimitRule = {
    domain: ctx.domain,
    descriptor: d.path,
    name,
    requestsPerUnit: rpu,
    period: { unit, multiplier },
    algorithm,
    burst,
    shadowMode: shadow,
    failureMode,
    detailed,
  };
  d.rule = rule;
}

function readReplaces(ctx: Ctx, node: Node | null | undefined, path: string, ownName: string): string[] {
  if (node === undefined || node === null || (isScalar(node) && (node.value === null || node.value === ''))) return [];
  if (!isSeq(node)) { push(ctx, node, path, 'must be a list of - name: …'); return []; }
  const out: string[] = [];
  node.items.forEach((raw, i) => {
    const p = `${path}[${i}]`;
    const item = deref(ctx, raw as Node, p);
    if (item === undefined) return;
    if (!isMap(item)) { push(ctx, item, p, 'must be a mapping with name:'); return; }
    const f = fieldsOf(ctx, item, p, REPLACES_KEYS, []);
    const n = f.get('name');
    const name = n ? str(ctx, n, `${p}.name`) : undefined;
    if (!name) { push(ctx, n ?? item, p, 'should not have an empty replaces entry'); return; }
    if (name === ownName) { push(ctx, n!, `${p}.name`, 'replaces should not contain name of same descriptor'); return; }
    out.push(name);
  });
  return out;
}

/**
 * An alias (*anchor) is read as the node it points to, as yaml.v2 does. An alias to a node being read (one
 * that contains the alias) is a problem, reported here: undefined, the caller skips it.
 */
function deref(ctx: Ctx, node: Node | null, path: string): Node | null | undefined {
  if (node === null || !isAlias(node) || !ctx.doc) return node;
  let target = ctx.aliases.get(node);
  if (target === undefined) {
    target = (node.resolve(ctx.doc) as Node | undefined) ?? null;
    ctx.aliases.set(node, target);
  }
  if (target !== null && ctx.open.has(target)) {
    push(ctx, node, path, `YAML alias *${node.source} contains itself (it names a node it is part of)`);
    return undefined;
  }
  return target;
}

/**
 * The mapping's fields; unknown, misplaced, duplicate and (in strict mode) extension keys are problems.
 * YAML merge keys (`<<: *defaults`) add the merged mapping's fields the mapping does not set itself.
 */
function fieldsOf(ctx: Ctx, node: YAMLMap, path: string, allowed: string[], extensions: readonly string[]): Map<string, Node | null> {
  const out = new Map<string, Node | null>();
  const merged: YAMLMap[] = [];
  for (const pair of node.items) {
    const k = pair.key as Node | null;
    if (!isScalar(k) || typeof k.value !== 'string') {
      push(ctx, k ?? node, path, 'config error, key is not of type string');
      continue;
    }
    const name = k.value;
    if (name === '<<' && k.type === Scalar.PLAIN) {
      const at = path ? `${path}.<<` : '<<';
      const v = deref(ctx, pair.value as Node | null, at);
      if (v === undefined) continue;
      const sources = isSeq(v) ? v.items.map((it) => deref(ctx, it as Node, at)) : [v];
      for (const m of sources) {
        if (m === undefined) continue;
        if (isMap(m)) merged.push(m);
        else push(ctx, m ?? k, at, 'a merge key takes a mapping or a list of mappings');
      }
      continue;
    }
    const p = path ? `${path}.${name}` : name;
    if (out.has(name)) { push(ctx, k, p, `duplicate key "${name}"`); continue; }
    if (extensions.includes(name)) {
      if (ctx.opts.strict) { push(ctx, k, p, `"${name}" is a Portcullis extension, not allowed with strict_envoy_format`); continue; }
    } else if (!allowed.includes(name)) {
      const where = WHERE[name];
      push(ctx, k, p, where ? `unknown key "${name}" here (it belongs ${where})` : `unknown key "${name}"`);
      continue;
    }
    const v = deref(ctx, (pair.value as Node | null) ?? null, p);
    if (v !== undefined) out.set(name, v);
  }
  if (merged.length === 0) return out;
  const opened = !ctx.open.has(node);
  if (opened) ctx.open.add(node);
  for (const m of merged) {
    for (const [name, value] of fieldsOf(ctx, m, path, allowed, extensions)) if (!out.has(name)) out.set(name, value);
  }
  if (opened) ctx.open.delete(node);
  return out;
}

/** YAML 1.1 nulls (yaml.v2): decoded into a string field they are "", never the text "null" or "~". */
const YAML_NULLS = new Set(['~', 'null', 'Null', 'NULL']);

function str(ctx: Ctx, node: Node | null, path: string): string | undefined {
  if (node === null) return '';
  if (!isScalar(node)) { push(ctx, node, path, 'must be a string'); return undefined; }
  if (node.value === null) return '';
  const s = String(node.value);
  return node.type === Scalar.PLAIN && YAML_NULLS.has(s) ? '' : s;
}

const TRUE = new Set(['true', 'yes', 'on', 'y']);
const FALSE = new Set(['false', 'no', 'off', 'n']);

function bool(ctx: Ctx, node: Node | null, path: string): boolean | undefined {
  if (isScalar(node) && node.type === Scalar.PLAIN && typeof node.value === 'string') {
    const v = node.value.toLowerCase();
    if (TRUE.has(v)) return true;
    if (FALSE.has(v)) return false;
  }
  push(ctx, node ?? undefined, path, 'must be true or false');
  return undefined;
}

function uint(ctx: Ctx, node: Node | null, path: string, min: number, max: number): number | undefined {
  if (isScalar(node) && node.type === Scalar.PLAIN && typeof node.value === 'string' && /^0+[1-9]/.test(node.value)) {
    // YAML 1.1 (yaml.v2, envoyproxy/ratelimit): 0100 is octal 64; 09 is no octal integer, and yaml.v2
    // resolves it as the float 9, which it stores in the integer field; decimal would be a different limit
    // for 0100, and a reader cannot tell which one a leading zero means
    const v = node.value;
    const reading = /^[0-7]+$/.test(v) ? `reads it as octal (${parseInt(v, 8)})` : `reads it as ${Number(v)} (not octal: yaml.v2 falls back to a decimal float)`;
    push(ctx, node, path, `"${v}" has a leading zero: envoyproxy/ratelimit ${reading}; write the number without leading zeros`);
    return undefined;
  }
  if (isScalar(node) && node.type === Scalar.PLAIN && typeof node.value === 'string' && /^[0-9]{1,10}$/.test(node.value)) {
    const n = Number(node.value);
    if (n >= min && n <= max) return n;
  }
  push(ctx, node ?? undefined, path, `must be a whole number from ${min} to ${max}`);
  return undefined;
}

function pos(ctx: Ctx, node: Node | null | undefined): { line: number; column: number } | undefined {
  const offset = node?.range?.[0];
  if (offset === undefined) return undefined;
  const { line, col } = ctx.lc.linePos(offset);
  return { line, column: col };
}

function push(ctx: Ctx, node: Node | null | undefined, path: string, message: string): void {
  ctx.problems.push({ file: ctx.file, path, message, ...pos(ctx, node) });
}
