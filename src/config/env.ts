/**
 * `${NAME}` and `${NAME:-default}` in string values are replaced from the environment after parsing
 * (so a secret cannot break the YAML). `$${` escapes a literal `${`. A missing variable without a
 * default is an error naming the path.
 */
export function substituteEnv(value: unknown, env: NodeJS.ProcessEnv, path: string, missing: Array<{ path: string; name: string }>): unknown {
  if (typeof value === 'string') return value.includes('${') ? substituteString(value, env, path, missing) : value;
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, `${path}/${i}`, missing));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteEnv(v, env, `${path}/${escapePointer(k)}`, missing);
    return out;
  }
  return value;
}

export function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * One left-to-right pass, as `value.replace(/\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, …)` would
 * replace, without that expression's quadratic search for a `}` from every unclosed `${NAME:-` (recheck).
 * Once no `}` is left after some position, none is looked for again.
 */
function substituteString(value: string, env: NodeJS.ProcessEnv, path: string, missing: Array<{ path: string; name: string }>): string {
  let out = '';
  let from = 0; // start of the text not yet copied
  let noCloseAfter = value.length + 1; // no '}' at or after this index
  for (let p = value.indexOf('$'); p >= 0; p = value.indexOf('$', p + 1)) {
    if (value.startsWith('$${', p)) { out += value.slice(from, p) + '${'; from = p + 3; p += 2; continue; }
    if (value.charCodeAt(p + 1) !== 123 || !isNameStart(value.charCodeAt(p + 2))) continue;
    let q = p + 3;
    while (q < value.length && isNameChar(value.charCodeAt(q))) q++;
    const name = value.slice(p + 2, q);
    let def: string | undefined;
    let end = -1;
    if (value.charCodeAt(q) === 125) end = q + 1;
    else if (value.startsWith(':-', q) && q + 2 < noCloseAfter) {
      const close = value.indexOf('}', q + 2);
      if (close < 0) noCloseAfter = q + 2;
      else { def = value.slice(q + 2, close); end = close + 1; }
    }
    if (end < 0) continue;
    const v = env[name];
    let rep = '';
    if (v !== undefined) rep = v;
    else if (def !== undefined) rep = def;
    else missing.push({ path, name });
    out += value.slice(from, p) + rep;
    from = end;
    p = end - 1;
  }
  return out + value.slice(from);
}

function isNameStart(c: number): boolean { return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95; }
function isNameChar(c: number): boolean { return isNameStart(c) || (c >= 48 && c <= 57); }
