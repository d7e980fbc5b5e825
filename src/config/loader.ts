import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LineCounter, isMap, isSeq, parseDocument, type Document, type Node } from 'yaml';
import { substituteEnv } from './env.js';
import { ConfigLoadError, type ConfigProblem } from './errors.js';
import type { PortcullisConfig } from './types.js';
import { configValidator, describeErrors } from './validate.js';

/** A validated document plus a way to point at places in it (for semantic errors found later). */
export interface LoadedConfig {
  file: string;
  config: PortcullisConfig;
  /** Line/column (1-based) of the node at a JSON pointer, or of its closest existing parent. */
  locate(pointer: string): { line: number; column: number } | undefined;
  problem(pointer: string, message: string): ConfigProblem;
}

export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const abs = resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    throw new ConfigLoadError([{ file: abs, path: '', message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }]);
  }
  return parseConfig(text, abs, env);
}

export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: true, strict: true });
  const locate = (pointer: string) => locateIn(doc, lc, pointer);
  const problem = (pointer: string, message: string): ConfigProblem => ({ file, path: pointer, message, ...locate(pointer) });

  if (doc.errors.length > 0) {
    throw new ConfigLoadError(doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      return { file, path: '', line: pos?.line, column: pos?.col, message: `YAML: ${e.message.split('\n')[0]}` };
    }));
  }
  const raw = doc.toJS({ maxAliasCount: 100 }) ?? {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigLoadError([problem('', 'the document must be a mapping (key: value)')]);
  }
  const missing: Array<{ path: string; name: string }> = [];
  const config = substituteEnv(raw, env, '', missing) as PortcullisConfig;
  const problems: ConfigProblem[] = missing.map((m) => problem(m.path, `environment variable ${m.name} is not set`));

  const validate = configValidator();
  if (!validate(config)) {
    for (const p of describeErrors(validate.errors)) problems.push(problem(p.path, p.message));
  }
  problems.push(...duplicateRouteNames(config).map((p) => problem(p.path, p.message)));
  if (problems.length > 0) throw new ConfigLoadError(problems);
  return { file, config, locate, problem };
}

function duplicateRouteNames(cfg: PortcullisConfig): Array<{ path: string; message: string }> {
  const seen = new Map<string, number>();
  const out: Array<{ path: string; message: string }> = [];
  (cfg.routes ?? []).forEach((r, i) => {
    const prev = seen.get(r.name);
    if (prev !== undefined) out.push({ path: `/routes/${i}/name`, message: `duplicate route name "${r.name}" (also /routes/${prev})` });
    else seen.set(r.name, i);
  });
  return out;
}

function locateIn(doc: Document, lc: LineCounter, pointer: string): { line: number; column: number } | undefined {
  const parts = pointer === '' ? [] : pointer.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let node: Node | null | undefined = doc.contents as Node | null;
  let best: Node | null | undefined = node;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (isMap(node)) {
      const pair = node.items.find((it) => (it.key as any)?.value === part);
      if (!pair) break;
      node = pair.value as Node | null;
      // the last segment points at its key ("colour:" for an unknown key), earlier ones walk the values
      best = i === parts.length - 1 ? ((pair.key as Node) ?? node) : (node ?? (pair.key as Node));
    } else if (isSeq(node)) {
      const item = node.items[Number(part)] as Node | undefined;
      if (!item) break;
      node = item;
      best = item;
    } else break;
  }
  const offset = best?.range?.[0];
  if (offset === undefined) return undefined;
  const { line, col } = lc.linePos(offset);
  return { line, column: col };
}
