import { type InputOptions, type Inspector, suspiciousKey } from './inputs-inspector.js';
import type { JsonNode } from './inputs-json-members.js';
import { KEY_PREFIX, memberStep } from './inputs-json-path.js';

/** Values (and odd names) of one JSON body read so far (`n`, for max_json_values); `lit`: names and strings the walk saw. */
export interface JsonCount { n: number; lit: number }

/**
 * Read what JSON.parse dropped: the values of members whose name repeats later in the same object, whole
 * (with every member of theirs), at any depth, reported under the `where` the kept value has (`body.$.q`,
 * so exclusions apply to every value of a name alike), with the same depth cut and counts as the walk of
 * the parsed body. Values JSON.parse kept were read by that walk and are not read again.
 */
export function walkDropped(v: JsonNode, path: string, depth: number, o: InputOptions, w: Inspector, count: JsonCount): void {
  if (v === null || typeof v === 'string' || w.exhausted) return;
  if (depth >= o.maxJsonDepth) { walkDeep(v, `${path}..*`, false, o, w, count); return; }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length && !w.exhausted; i++) walkDropped(v[i]!, `${path}[${i}]`, depth + 1, o, w, count);
    return;
  }
  const dropped = v.dropped();
  for (let i = 0; i < v.names.length && !w.exhausted; i++) {
    const p = path + memberStep(v.names[i]!);
    if (dropped?.[i] === true) walkAll(v.values[i]!, p, depth + 1, o, w, count);
    else walkDropped(v.values[i]!, p, depth + 1, o, w, count);
  }
}

/** Every string and odd name of a dropped value (an odd name once per object, however often it repeats). */
function walkAll(v: JsonNode, path: string, depth: number, o: InputOptions, w: Inspector, count: JsonCount): void {
  if (typeof v === 'string') { read(path, v, o, w, count); return; }
  if (v === null || w.exhausted) return;
  if (depth >= o.maxJsonDepth) { walkDeep(v, `${path}..*`, true, o, w, count); return; }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length && !w.exhausted; i++) walkAll(v[i]!, `${path}[${i}]`, depth + 1, o, w, count);
    return;
  }
  const dropped = v.dropped();
  for (let i = 0; i < v.names.length && !w.exhausted; i++) {
    const k = v.names[i]!;
    if (dropped?.[i] !== true && suspiciousKey(k)) read(KEY_PREFIX + path.slice(5), k, o, w, count);
    walkAll(v.values[i]!, path + memberStep(k), depth + 1, o, w, count);
  }
}

/** Below max_json_depth, without recursion, under `where` (the path of the cut): `all`, everything; else only what was dropped. */
function walkDeep(root: JsonNode, where: string, all: boolean, o: InputOptions, w: Inspector, count: JsonCount): void {
  w.lim.depthExceeded = true;
  const keyWhere = KEY_PREFIX + where.slice(5);
  const nodes: JsonNode[] = [root];
  const alls: boolean[] = [all];
  while (nodes.length > 0 && !w.exhausted) {
    const v = nodes.pop()!;
    const a = alls.pop()!;
    if (typeof v === 'string') { if (a) read(where, v, o, w, count); continue; }
    if (v === null) continue;
    if (Array.isArray(v)) { for (let i = v.length - 1; i >= 0; i--) { nodes.push(v[i]!); alls.push(a); } continue; }
    const dropped = v.dropped();
    for (let i = v.names.length - 1; i >= 0; i--) {
      const d = dropped?.[i] === true;
      if (a && !d && suspiciousKey(v.names[i]!)) read(keyWhere, v.names[i]!, o, w, count);
      nodes.push(v.values[i]!);
      alls.push(a || d);
    }
  }
}

function read(where: string, v: string, o: InputOptions, w: Inspector, count: JsonCount): void {
  if (++count.n > o.maxJsonValues) w.lim.overCount++;
  w.emit(where, v);
}
