/**
 * README.md read as a user reads it: its `<!-- section:NAME -->` sections and the fenced code blocks in them,
 * with the line each block starts on (for failure messages).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../../..');

export interface Block { section: string; lang: string; line: number; text: string }

export function readmeBlocks(file = resolve(REPO, 'README.md')): Block[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: Block[] = [];
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const marker = /^<!-- section:([\w-]+) -->$/.exec(lines[i]);
    if (marker) { section = marker[1]; continue; }
    if (/^<!-- \/section:/.test(lines[i])) { section = ''; continue; }
    const fence = /^```(\S*)\s*$/.exec(lines[i]);
    if (!fence) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end])) end++;
    out.push({ section, lang: fence[1], line: start + 1, text: lines.slice(start, end).join('\n') + '\n' });
    i = end;
  }
  return out;
}

/** The top-level keys of a Portcullis config (the schema's root properties). */
export const PORTCULLIS_KEYS = new Set(['client_ip', 'default_action', 'identity', 'log', 'owned_header_prefixes',
  'policy', 'ratelimit', 'request_limits', 'routes', 'server', 'store', 'threat']);

/** Keys only an Envoy route has: a block of Envoy routes also sits under a top-level `routes:`. */
const ENVOY_ROUTE_KEYS = ['route', 'redirect', 'direct_response', 'typed_per_filter_config'];

export type YamlKind = 'portcullis' | 'ratelimit-file' | 'other';

/** What a parsed YAML block is: a Portcullis config (fragment), an envoyproxy/ratelimit file, or anything else (Envoy, Istio). */
export function yamlKind(doc: unknown): YamlKind {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return 'other';
  const keys = Object.keys(doc);
  if (keys.includes('domain') && keys.includes('descriptors')) return 'ratelimit-file';
  if (keys.length === 0 || !keys.every((k) => PORTCULLIS_KEYS.has(k))) return 'other';
  const routes = (doc as { routes?: unknown }).routes;
  if (Array.isArray(routes) && routes.some((r) => r !== null && typeof r === 'object' && ENVOY_ROUTE_KEYS.some((k) => k in r))) return 'other';
  return 'portcullis';
}
