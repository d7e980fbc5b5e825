import { HEADER_FORMATS } from './headers.js';
import { ALGORITHMS, FAILURE_MODES } from './rule.js';
import { KEY_PART_PATTERN } from './check/key-parts.js';
import { EXTENSION_UNITS, STANDARD_UNITS } from './units.js';

const NAME = '^[A-Za-z0-9_.:-]+$';

/** What one request costs against a route's limit (envoyproxy/ratelimit's hits_addend); 0 checks without consuming. */
const HITS_ADDEND = { type: 'integer', minimum: 0, maximum: 4294967295, description: 'What one request of this route costs (default 1; 0 = check only, consumes nothing).' };

/** A route's use of a named global limit with its own cost: `{ limit: per-ip, hits_addend: 10 }`. */
const LIMIT_REF = {
  type: 'object',
  additionalProperties: false,
  required: ['limit', 'hits_addend'],
  properties: { limit: { type: 'string', pattern: NAME }, hits_addend: HITS_ADDEND },
};

function limitSchema(withName: boolean): object {
  const props: Record<string, object> = {
    by: {
      type: ['string', 'array'], pattern: KEY_PART_PATTERN, items: { type: 'string', pattern: KEY_PART_PATTERN }, minItems: 1,
      description: 'ip | subject | plan | route | header:<name>, or a list of them (composite key).',
    },
    requests_per_unit: { type: 'integer', minimum: 0, maximum: 4294967295, description: '0 refuses every request.' },
    unit: { enum: [...STANDARD_UNITS, ...EXTENSION_UNITS] },
    unit_multiplier: { type: 'integer', minimum: 1, maximum: 1000000, description: 'Window = unit_multiplier × unit.' },
    algorithm: { enum: [...ALGORITHMS], description: 'Default fixed_window.' },
    burst: { type: 'integer', minimum: 1, description: 'GCRA bucket size (default requests_per_unit).' },
    throttled_requests_per_unit: { type: 'integer', minimum: 0, description: 'Tighter limit while the threat module throttles the client.' },
    plans: { type: 'object', additionalProperties: { type: 'integer', minimum: 0 }, description: 'requests_per_unit by identity plan.' },
    shadow_mode: { type: 'boolean', description: 'Count and report, never refuse.' },
    failure_mode: { enum: [...FAILURE_MODES], description: 'While Redis cannot answer: open, closed (503) or local buckets.' },
  };
  if (withName) {
    props.name = { type: 'string', pattern: NAME };
    props.hits_addend = HITS_ADDEND;
  }
  return { type: 'object', additionalProperties: false, required: ['by', 'requests_per_unit', 'unit'], properties: props };
}

export const globalSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    config_dir: { type: 'string', minLength: 1, description: 'envoyproxy/ratelimit YAML config directory, one file per domain (relative to this file).' },
    watch: { type: 'boolean', description: 'Reload the config directory when its files change (default true).' },
    strict_envoy_format: { type: 'boolean', description: 'Reject Portcullis extensions in the YAML files.' },
    merge_domain_config: { type: 'boolean', description: 'Several files may name one domain (envoyproxy/ratelimit MERGE_DOMAIN_CONFIG; default false).' },
    shadow_mode: { type: 'boolean', description: 'ShouldRateLimit always answers OK (envoyproxy/ratelimit SHADOW_MODE).' },
    response_headers: { enum: [...HEADER_FORMATS], description: 'Rate-limit response headers (default ietf).' },
    near_limit_ratio: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
    failure_mode: { enum: [...FAILURE_MODES], description: 'Default for limits that set none (default closed).' },
    ipv6_prefix_length: { type: 'integer', minimum: 1, maximum: 128, description: 'by: ip keys IPv6 clients by this prefix (default 64).' },
    redis: {
      type: 'object',
      additionalProperties: false,
      properties: {
        deadline_ms: { type: 'integer', minimum: 1, maximum: 60000, description: 'Per-call deadline (default 10).' },
        hash_tag: { enum: ['domain', 'key'], description: 'Cluster slot per domain (one call per decision) or per counter.' },
        key_prefix: { type: 'string' },
        breaker: {
          type: 'object',
          additionalProperties: false,
          properties: {
            failures: { type: 'integer', minimum: 1 },
            open_ms: { type: 'integer', minimum: 1 },
          },
        },
      },
    },
    near_cache: { type: 'object', additionalProperties: false, properties: { max_keys: { type: 'integer', minimum: 0 } } },
    local: { type: 'object', additionalProperties: false, properties: { max_keys: { type: 'integer', minimum: 1 } } },
    top_offenders: {
      type: 'object',
      additionalProperties: false,
      properties: { size: { type: 'integer', minimum: 0, maximum: 100000 }, reveal_values: { type: 'boolean' } },
    },
    limits: {
      type: 'object',
      propertyNames: { pattern: NAME },
      additionalProperties: limitSchema(false),
      description: 'Named Check limits, shared by every route that lists them.',
    },
  },
} as const;

export const routeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['limits'],
  properties: {
    limits: {
      type: 'array',
      minItems: 1,
      items: {
        if: { type: 'string' },
        then: { type: 'string', pattern: NAME },
        else: { if: { type: 'object', required: ['limit'] }, then: LIMIT_REF, else: limitSchema(true) },
      },
      description: 'Names of global limits, { limit: <name>, hits_addend: N }, or inline limits.',
    },
    response_headers: { enum: [...HEADER_FORMATS] },
  },
} as const;
