import type { LimitRule } from '../rule.js';

/** A descriptor entry of a config file, compiled. */
export interface DescriptorNode {
  key: string;
  /** '' when the config gives no value (matches any value). */
  value: string;
  /** Stats path inside the domain, as envoyproxy/ratelimit builds it: `key_value.key2`. */
  path: string;
  /** The rate_limit block (absent: no limit at this level). */
  rule?: LimitRule;
  unlimited: boolean;
  /** Names of limits this one replaces (rate_limit.replaces). */
  replaces: readonly string[];
  /** A key on the way here looks like a credential: hash values in the top-offenders view. */
  redact: boolean;
  children: Level;
}

/** One level of descriptors: exact key+value, trailing-* wildcards (in file order), key only. */
export interface Level {
  exact: Map<string, DescriptorNode>;
  wildcards: Array<{ key: string; prefix: string; node: DescriptorNode }>;
  keyOnly: Map<string, DescriptorNode>;
  size: number;
}

export interface DomainConfig {
  domain: string;
  file: string;
  root: Level;
  /** Number of rate_limit blocks (for the admin view). */
  limits: number;
}

export function emptyLevel(): Level {
  return { exact: new Map(), wildcards: [], keyOnly: new Map(), size: 0 };
}

export function exactKey(key: string, value: string): string {
  return `${key}\u0000${value}`;
}

export interface Entry { key: string; value: string }

/**
 * envoyproxy/ratelimit's GetLimit: walk the levels with the request's entries; at each level try
 * key+value, then a trailing-* wildcard value, then the key alone. The limit applies only when the node
 * of the request's last entry carries one (the request's depth must equal the config's depth).
 */
export function matchDescriptor(domain: DomainConfig, entries: readonly Entry[]): DescriptorNode | undefined {
  let level = domain.root;
  let found: DescriptorNode | undefined;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    let node = level.exact.get(exactKey(e.key, e.value));
    if (node === undefined && level.wildcards.length > 0) {
      for (const w of level.wildcards) if (w.key === e.key && e.value.startsWith(w.prefix)) { node = w.node; break; }
    }
    if (node === undefined) node = level.keyOnly.get(e.key);
    if (node !== undefined && (node.rule !== undefined || node.unlimited) && i === entries.length - 1) found = node;
    if (node !== undefined && node.children.size > 0) level = node.children;
    else break;
  }
  return found;
}
