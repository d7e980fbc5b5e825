/**
 * `${NAME}` and `${NAME:-default}` in string values are replaced from the environment after parsing
 * (so a secret cannot break the YAML). `$${` escapes a literal `${`. A missing variable without a
 * default is an error naming the path.
 */
const PATTERN = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function substituteEnv(value: unknown, env: NodeJS.ProcessEnv, path: string, missing: Array<{ path: string; name: string }>): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value;
    return value.replace(PATTERN, (m, name: string | undefined, def: string | undefined) => {
      if (m === '$${') return '${';
      const v = env[name!];
      if (v !== undefined) return v;
      if (def !== undefined) return def;
      missing.push({ path, name: name! });
      return '';
    });
  }
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
