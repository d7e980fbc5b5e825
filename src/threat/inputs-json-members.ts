/**
 * JSON as its text spells it. JSON.parse keeps the last value of a member name that repeats in an object;
 * other parsers keep the first (Go's gjson and fastjson, simdjson on demand, streaming parsers) or merge
 * them, so an upstream may act on a value JSON.parse dropped. `countStrings` tells, in one pass over the
 * text, whether JSON.parse may have dropped any (the text has more string literals than the parsed value
 * has names and strings); only then `parseMembers` reads the text again, keeping every member.
 */

/** A parsed value: a string, an array, an object with every member in text order, or null (number, literal). */
export type JsonNode = string | null | JsonNode[] | Members;

/** An object's members in text order, repeated names included (names decoded, as JSON.parse decodes them). */
export class Members {
  readonly names: string[] = [];
  readonly values: JsonNode[] = [];

  /**
   * For each member, whether a later member has the same name (JSON.parse dropped its value); undefined
   * when no name repeats.
   */
  dropped(): boolean[] | undefined {
    const n = this.names.length;
    if (n < 2) return undefined;
    const seen = new Set<string>();
    let out: boolean[] | undefined;
    for (let i = n - 1; i >= 0; i--) {
      const k = this.names[i]!;
      if (seen.has(k)) (out ??= new Array<boolean>(n).fill(false))[i] = true;
      else seen.add(k);
    }
    return out;
  }
}

/** String literals in a JSON text (every `"` not escaped opens or closes one). Linear; native search between quotes. */
export function countStrings(text: string): number {
  let quotes = 0;
  for (let i = text.indexOf('"'); i >= 0; i = text.indexOf('"', i + 1)) {
    let j = i - 1;
    while (j >= 0 && text.charCodeAt(j) === 92) j--;
    if (((i - 1 - j) & 1) === 0) quotes++;
  }
  return quotes >> 1;
}

/**
 * Every member of every object of `text`, which must be JSON that JSON.parse accepted (not validated
 * again). Iterative (no recursion, whatever the depth) and linear in the text.
 */
export function parseMembers(text: string): JsonNode {
  const stack: Array<JsonNode[] | Members> = [];
  let root: JsonNode = null;
  let name = true; // in an object: the next string is a member name
  const add = (v: JsonNode): void => {
    const top = stack[stack.length - 1];
    if (top === undefined) root = v;
    else if (Array.isArray(top)) top.push(v);
    else top.values.push(v);
  };
  const n = text.length;
  for (let i = 0; i < n;) {
    const c = text.charCodeAt(i);
    if (c === 34) { // "
      let end = text.indexOf('"', i + 1);
      for (;;) {
        let j = end - 1;
        while (text.charCodeAt(j) === 92) j--;
        if (((end - 1 - j) & 1) === 0) break;
        end = text.indexOf('"', end + 1);
      }
      const raw = text.slice(i + 1, end);
      const s = raw.indexOf('\\') < 0 ? raw : JSON.parse(text.slice(i, end + 1)) as string;
      const top = stack[stack.length - 1];
      if (name && top !== undefined && !Array.isArray(top)) top.names.push(s);
      else add(s);
      i = end + 1;
      continue;
    }
    if (c === 123) { const m = new Members(); add(m); stack.push(m); name = true; } // {
    else if (c === 91) { const a: JsonNode[] = []; add(a); stack.push(a); name = false; } // [
    else if (c === 125 || c === 93) { stack.pop(); name = false; } // } ]
    else if (c === 44) name = !Array.isArray(stack[stack.length - 1]); // ,
    else if (c === 58) name = false; // :
    else if (c !== 32 && c !== 9 && c !== 10 && c !== 13) { // number, true, false, null
      add(null);
      while (i + 1 < n && isLiteralChar(text.charCodeAt(i + 1))) i++;
    }
    i++;
  }
  return root;
}

/** Characters of a number or a literal (`-0.5e+3`, `true`, `null`). */
function isLiteralChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || c === 45 || c === 43 || c === 46 || c === 69;
}
