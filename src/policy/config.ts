/** `policy:` (global) and `routes[].policy:` config, and their JSON Schemas. Names follow OPA's config where one exists. */
import { stripTrailingSlashes } from '../common/strip-slashes.js';

export interface KeyConfig { algorithm: string; key?: string; key_file?: string; scope?: string }

export interface Credentials { bearer?: { token: string; scheme?: string } }

export interface BundleConfig {
  /** A local .tar.gz bundle (watched). */
  file?: string;
  /** A local extracted bundle directory (watched). */
  directory?: string;
  /** Bundle service base URL (OPA `services[].url`). */
  url?: string;
  /** Path of the bundle on the service (OPA `bundles[].resource`; default bundles/<name>). */
  resource?: string;
  headers?: Record<string, string>;
  credentials?: Credentials;
  polling?: { min_delay_seconds?: number; max_delay_seconds?: number };
  timeout_ms?: number;
  max_bytes?: number;
  signing?: { keyid?: string; scope?: string; exclude_files?: string[] };
  memory?: { max_pages?: number };
  /** Evaluation deadline in ms (default 100): a longer evaluation is stopped and denies with ERR_POLICY. */
  eval_timeout_ms?: number;
}

export interface DataConfig {
  name?: string;
  /** Where the document goes under `data`, slash separated (e.g. portcullis/rbac/role_permissions). */
  path: string;
  file?: string;
  redis_hash?: string;
  values?: 'json' | 'string';
  refresh_seconds?: number;
  channel?: string;
  /** Bundles the document is laid over (default: all). */
  bundles?: string[];
}

export type MaskConfig = string | { op?: 'remove' | 'upsert'; path: string; value?: unknown };

export interface DecisionLogConfig {
  console?: boolean;
  file?: string;
  service?: { url: string; headers?: Record<string, string>; credentials?: Credentials; timeout_ms?: number };
  reporting?: { max_batch_events?: number; max_delay_ms?: number; buffer_max_events?: number; buffer_max_bytes?: number };
  mask?: MaskConfig[];
  mask_defaults?: boolean;
  labels?: Record<string, string>;
}

export interface PolicyGlobalConfig {
  keys?: Record<string, KeyConfig>;
  bundles?: Record<string, BundleConfig>;
  data?: DataConfig[];
  default_bundle?: string;
  default_entrypoint?: string;
  decision_logs?: DecisionLogConfig;
  parse_body?: boolean;
}

export interface PolicyRouteConfig {
  bundle?: string;
  entrypoint?: string;
  shadow?: boolean;
  decision_logs?: boolean;
  parse_body?: boolean;
}

const NAME = { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' } as const;
const ENTRYPOINT = { type: 'string', minLength: 1, maxLength: 512, description: 'Slash path (portcullis/rbac/allow) or data.x.y.z' } as const;
const HEADERS = { type: 'object', additionalProperties: { type: 'string' } } as const;
const CREDENTIALS = {
  type: 'object',
  additionalProperties: false,
  properties: {
    bearer: {
      type: 'object', additionalProperties: false, required: ['token'],
      properties: { token: { type: 'string', minLength: 1 }, scheme: { type: 'string', minLength: 1 } },
    },
  },
} as const;

export const policyGlobalSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    keys: {
      type: 'object',
      description: 'Bundle signature verification keys by key id (OPA `keys`).',
      propertyNames: NAME,
      additionalProperties: {
        type: 'object', additionalProperties: false, required: ['algorithm'],
        properties: {
          algorithm: { enum: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'HS256', 'HS384', 'HS512', 'EdDSA'] },
          key: { type: 'string', minLength: 1, description: 'PEM public key / certificate, or the HMAC secret' },
          key_file: { type: 'string', minLength: 1 },
          scope: { type: 'string' },
        },
      },
    },
    bundles: {
      type: 'object',
      propertyNames: NAME,
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          file: { type: 'string', minLength: 1 },
          directory: { type: 'string', minLength: 1 },
          url: { type: 'string', pattern: '^https?://' },
          resource: { type: 'string' },
          headers: HEADERS,
          credentials: CREDENTIALS,
          polling: {
            type: 'object', additionalProperties: false,
            properties: { min_delay_seconds: { type: 'number', minimum: 0.05 }, max_delay_seconds: { type: 'number', minimum: 0.05 } },
          },
          timeout_ms: { type: 'integer', minimum: 100, maximum: 600_000 },
          max_bytes: { type: 'integer', minimum: 1024 },
          signing: {
            type: 'object', additionalProperties: false,
            properties: {
              keyid: { type: 'string', minLength: 1 },
              scope: { type: 'string' },
              exclude_files: { type: 'array', items: { type: 'string' } },
            },
          },
          memory: { type: 'object', additionalProperties: false, properties: { max_pages: { type: 'integer', minimum: 16, maximum: 65536 } } },
          eval_timeout_ms: {
            type: 'integer', minimum: 1, maximum: 60_000,
            description: 'Longest one policy evaluation may run (default 100, below Envoy\'s 200 ms ext_authz timeout); a longer one is stopped and the request denied (ERR_POLICY, 403).',
          },
        },
      },
    },
    data: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['path'],
        properties: {
          name: NAME,
          path: { type: 'string', pattern: '^[^/].*[^/]$|^[^/]$' },
          file: { type: 'string', minLength: 1 },
          redis_hash: { type: 'string', minLength: 1 },
          values: { enum: ['json', 'string'] },
          refresh_seconds: { type: 'number', minimum: 0.05 },
          channel: { type: 'string', minLength: 1 },
          bundles: { type: 'array', items: NAME, minItems: 1 },
        },
      },
    },
    default_bundle: NAME,
    default_entrypoint: ENTRYPOINT,
    parse_body: { type: 'boolean', description: 'Fill input.parsed_body (default true).' },
    decision_logs: {
      type: 'object',
      additionalProperties: false,
      properties: {
        console: { type: 'boolean' },
        file: { type: 'string', minLength: 1 },
        service: {
          type: 'object', additionalProperties: false, required: ['url'],
          properties: { url: { type: 'string', pattern: '^https?://' }, headers: HEADERS, credentials: CREDENTIALS, timeout_ms: { type: 'integer', minimum: 100, maximum: 60_000 } },
        },
        reporting: {
          type: 'object', additionalProperties: false,
          properties: {
            max_batch_events: { type: 'integer', minimum: 1, maximum: 100000 },
            max_delay_ms: { type: 'integer', minimum: 10 },
            buffer_max_events: { type: 'integer', minimum: 1 },
            buffer_max_bytes: { type: 'integer', minimum: 1024, description: 'Approximate bytes of buffered events (inputs carry headers and bodies) held at most; past it new events are dropped and counted (OPA: buffer_size_limit_bytes). Default 67108864 (64 MiB).' },
          },
        },
        mask: {
          type: 'array',
          items: {
            anyOf: [
              { type: 'string', pattern: '^/(input|result)(/|$)' },
              {
                type: 'object', additionalProperties: false, required: ['path'],
                properties: { op: { enum: ['remove', 'upsert'] }, path: { type: 'string', pattern: '^/(input|result)(/|$)' }, value: {} },
              },
            ],
          },
        },
        mask_defaults: { type: 'boolean', description: 'Erase credential headers and every credential place the identity config names (default true).' },
        labels: HEADERS,
      },
    },
  },
} as const;

export const policyRouteSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    bundle: NAME,
    entrypoint: ENTRYPOINT,
    shadow: { type: 'boolean', description: 'Evaluate and log, but never deny (counts would-deny).' },
    decision_logs: { type: 'boolean', description: 'Write decision-log events for this route (default true).' },
    parse_body: { type: 'boolean' },
  },
} as const;

/** "data.envoy.authz.allow" (OPA-Envoy `query` style) or "/envoy/authz/allow" → "envoy/authz/allow". */
export function normalizeEntrypoint(e: string): string {
  const t = e.trim();
  if (t.startsWith('data.')) return t.slice(5).split('.').join('/');
  return stripTrailingSlashes(t.replace(/^\/+/, ''));
}
