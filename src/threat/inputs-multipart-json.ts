import { type Inspector, suspiciousKey } from './inputs-inspector.js';
import { countStrings, type JsonNode, Members, parseMembers } from './inputs-json-members.js';

/** An odd member name met in the walk, read when it comes up (in document order). */
class Key { constructor(readonly k: string) {} }

/**
 * A multipart part's text that is a JSON object or array (`formData.append('meta', JSON.stringify(o))`, a
 * Spring @RequestPart, an uploaded .json file), read as the application parses it: every string value under
 * `where` (`multipart.NAME`, so exclusions of the part cover them) and every odd member name under `keyWhere`,
 * in document order, without recursion (any depth); past `maxValues` counted and read all the same. A name
 * that repeats in an object (JSON.parse kept the last value: the string literals of the text outnumber what
 * the walk saw) has the values JSON.parse dropped read too (other parsers keep the first). False: the text is no JSON object or array (read it as text).
 */
export function inspectJsonPart(w: Inspector, where: string, keyWhere: string, text: string, maxValues: number): boolean {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < text.length && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9 || text.charCodeAt(i) === 10 || text.charCodeAt(i) === 13)) i++;
  const c = text.charCodeAt(i);
  if (c !== 123 && c !== 91) return false;
  let doc: unknown;
  try { doc = JSON.parse(i === 0 ? text : text.slice(i)); } catch { return false; }
  let n = 0, lit = 0;
  const stack: unknown[] = [doc];
  while (stack.length > 0 && !w.exhausted) {
    const v = stack.pop();
    if (typeof v === 'string') { lit++; if (++n > maxValues) w.lim.overCount++; w.emit(where, v); continue; }
    if (v instanceof Key) { if (++n > maxValues) w.lim.overCount++; w.emit(keyWhere, v.k); continue; }
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) { for (let j = v.length - 1; j >= 0; j--) stack.push(v[j]); continue; }
    const keys = Object.keys(v);
    lit += keys.length;
    for (let j = keys.length - 1; j >= 0; j--) {
      stack.push((v as Record<string, unknown>)[keys[j]!]);
      if (suspiciousKey(keys[j]!)) stack.push(new Key(keys[j]!));
    }
  }
  if (!w.exhausted && countStrings(text) !== lit) walkDropped(parseMembers(i === 0 ? text : text.slice(i)), w, where, keyWhere, maxValues, n);
  return true;
}

/** What JSON.parse dropped (the values of names that repeat later in their object, whole), in document order. */
function walkDropped(root: JsonNode, w: Inspector, where: string, keyWhere: string, maxValues: number, counted: number): void {
  let n = counted;
  const nodes: Array<JsonNode | Key> = [root];
  const alls: boolean[] = [false];
  while (nodes.length > 0 && !w.exhausted) {
    const v = nodes.pop()!;
    const all = alls.pop()!;
    if (v instanceof Key) { if (++n > maxValues) w.lim.overCount++; w.emit(keyWhere, v.k); continue; }
    if (typeof v === 'string') { if (all) { if (++n > maxValues) w.lim.overCount++; w.emit(where, v); } continue; }
    if (v === null) continue;
    if (Array.isArray(v)) { for (let j = v.length - 1; j >= 0; j--) { nodes.push(v[j]!); alls.push(all); } continue; }
    if (!(v instanceof Members)) continue;
    const dropped = v.dropped();
    for (let j = v.names.length - 1; j >= 0; j--) {
      const d = all || dropped?.[j] === true;
      nodes.push(v.values[j]!); alls.push(d);
      if (d && suspiciousKey(v.names[j]!)) { nodes.push(new Key(v.names[j]!)); alls.push(d); }
    }
  }
}
