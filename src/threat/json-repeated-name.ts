import { countStrings, Members, parseMembers, type JsonNode } from './inputs-json-members.js';
import { memberStep } from './inputs-json-path.js';

/** Member names and string values of a JSON.parse result, counted without recursion (any depth). */
function namesAndStrings(doc: unknown): number {
  let n = 0;
  const stack: unknown[] = [doc];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') n++;
    else if (Array.isArray(v)) for (const x of v) stack.push(x);
    else if (v !== null && typeof v === 'object') {
      for (const k in v) { n++; stack.push((v as Record<string, unknown>)[k]); }
    }
  }
  return n;
}

/**
 * Where (`body.a[0].b`) the first member name that repeats within one object of `text` is, or undefined when
 * none does. `doc` is what JSON.parse made of `text`: it kept the last value of a repeated name, so the text
 * then has more string literals than `doc` has names and strings — one linear count; only then is the text
 * read again to name the place.
 */
export function repeatedName(text: string, doc: unknown): string | undefined {
  if (countStrings(text) === namesAndStrings(doc)) return undefined;
  const stack: Array<{ v: JsonNode; path: string }> = [{ v: parseMembers(text), path: 'body' }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i]!, path: `${path}[${i}]` });
    } else if (v instanceof Members) {
      const i = v.dropped()?.indexOf(true) ?? -1;
      if (i >= 0) return path + memberStep(v.names[i]!);
      for (let i = v.names.length - 1; i >= 0; i--) stack.push({ v: v.values[i]!, path: path + memberStep(v.names[i]!) });
    }
  }
  return undefined;
}
