import { MODULES } from '../modules/index.js';
import { MAX_TIMER_MS } from '../common/timers.js';
import { LISTEN_ADDRESS_RE } from '../server/listen-address.js';

/** Schema of `match:` (route) — also reused by static rules for path matching. */
export const pathMatchSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 1,
  properties: {
    exact: { type: 'string', pattern: '^/' },
    prefix: { type: 'string', pattern: '^/' },
    regex: { type: 'string', minLength: 1 },
  },
} as const;

/** host:port or [v6]:port (LISTEN_ADDRESS_RE) */
const listenAddressSchema = { type: 'string', pattern: LISTEN_ADDRESS_RE.source } as const;

const methodSchema = { type: 'string', pattern: '^[A-Z]+$' } as const;

const headerMatchSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1 },
    present: { type: 'boolean' },
    exact: { type: 'string' },
    prefix: { type: 'string' },
    regex: { type: 'string', minLength: 1 },
  },
} as const;

const ruleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['action'],
  properties: {
    name: { type: 'string' },
    action: { enum: ['allow', 'deny'] },
    methods: { type: 'array', items: methodSchema, minItems: 1 },
    path: pathMatchSchema,
    headers: { type: 'array', items: headerMatchSchema, minItems: 1 },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    message: { type: 'string' },
  },
} as const;

function routeSchema(): object {
  const props: Record<string, object> = {
    name: { type: 'string', pattern: '^[A-Za-z0-9_.:-]+$', description: 'Unique route name (a metrics label).' },
    match: {
      type: 'object',
      additionalProperties: false,
      properties: {
        host: {
          anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 }],
          description: 'Exact host, or *.suffix (port ignored); or a list of them, any of which matches',
        },
        path: pathMatchSchema,
        methods: { type: 'array', items: methodSchema, minItems: 1 },
        context_extensions: { type: 'object', additionalProperties: { type: 'string' } },
        headers: { type: 'array', items: headerMatchSchema, minItems: 1 },
      },
    },
    rules: { type: 'array', items: ruleSchema, description: 'Static rules, first match wins.' },
    rules_default: { enum: ['continue', 'deny'], description: 'When no static rule matches (default continue).' },
    fail_open: { type: 'boolean', description: 'Allow (and count) when a stage errors. Default false.' },
    upstream_headers: {
      type: 'object',
      // an HTTP token (RFC 9110) names the header; a value is a field-value: no control character but HTAB
      // (Envoy answers 503 for any other, on every request of the route)
      propertyNames: { type: 'string', pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" },
      additionalProperties: { type: 'string', pattern: '^[^\\x00-\\x08\\x0a-\\x1f\\x7f]*$' },
      description: 'Headers set on the upstream request.',
    },
  };
  for (const m of MODULES) props[m.key] = m.routeSchema;
  return { type: 'object', additionalProperties: false, required: ['name'], properties: props };
}

/** The whole document. Published as portcullis.schema.json (npm run schema). */
export function configSchema(): object {
  const props: Record<string, object> = {
    $schema: { type: 'string' },
    server: {
      type: 'object',
      additionalProperties: false,
      properties: {
        grpc: {
          type: 'object',
          additionalProperties: false,
          properties: {
            address: listenAddressSchema,
            max_receive_message_bytes: { type: 'integer', minimum: 1024 },
            max_send_message_bytes: { type: 'integer', minimum: 1024 },
            keepalive_time_ms: { type: 'integer', minimum: 1000, maximum: MAX_TIMER_MS },
            keepalive_timeout_ms: { type: 'integer', minimum: 100, maximum: MAX_TIMER_MS },
            max_connection_idle_ms: { type: 'integer', minimum: 1000, maximum: MAX_TIMER_MS },
            max_concurrent_streams: { type: 'integer', minimum: 1 },
            health_follows_readiness: {
              type: 'boolean',
              description: 'true: grpc.health.v1 answers what /readyz does (NOT_SERVING while the store is unreachable or a background load has not succeeded). Default false: SERVING from start to SIGTERM, as envoyproxy/ratelimit (its Redis health check is opt-in). Takes effect with a reload.',
            },
          },
        },
        admin: {
          type: 'object',
          additionalProperties: false,
          properties: {
            address: listenAddressSchema,
            token_file: {
              type: 'string', minLength: 1,
              description: 'File holding a bearer token; when set, every admin request but GET (or HEAD) /metrics, /healthz and /readyz needs "Authorization: Bearer <token>". Re-read on reload.',
            },
          },
        },
        metrics: {
          type: 'object',
          additionalProperties: false,
          properties: {
            address: {
              ...listenAddressSchema,
              description: 'A second listener serving only GET /metrics, /healthz and /readyz (for Prometheus and probes on the pod IP); env PORTCULLIS_METRICS_ADDRESS overrides.',
            },
          },
        },
        drain_timeout_ms: { type: 'integer', minimum: 0, maximum: MAX_TIMER_MS },
      },
    },
    log: {
      type: 'object',
      additionalProperties: false,
      properties: {
        level: { enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] },
        allows: { type: 'boolean', description: 'Log every allow at info (default: debug only).' },
      },
    },
    store: {
      type: 'object',
      additionalProperties: false,
      required: ['kind'],
      properties: {
        kind: { enum: ['memory', 'redis', 'cluster'] },
        url: { type: 'string', pattern: '^rediss?://' },
        nodes: { type: 'array', items: { type: 'string', pattern: ':[0-9]+$' }, minItems: 1 },
        password: { type: 'string' },
        command_timeout_ms: { type: 'integer', minimum: 1, maximum: 60_000 },
        connect_timeout_ms: { type: 'integer', minimum: 1, maximum: 60_000 },
        key_prefix: { type: 'string' },
        max_keys: { type: 'integer', minimum: 1, description: 'Memory store only: keys held at most (bans, nonces, SAML assertion IDs); past it the oldest key with a TTL is dropped. Default 1000000.' },
      },
      allOf: [
        { if: { properties: { kind: { const: 'cluster' } } }, then: { required: ['nodes'] } },
      ],
    },
    request_limits: {
      type: 'object',
      additionalProperties: false,
      properties: {
        max_path_bytes: { type: 'integer', minimum: 1 },
        max_headers: { type: 'integer', minimum: 1 },
        max_header_bytes: { type: 'integer', minimum: 1, description: 'Sum of all header names and values.' },
        max_body_bytes: { type: 'integer', minimum: 0 },
      },
    },
    default_action: {
      type: 'object',
      additionalProperties: false,
      required: ['action'],
      properties: { action: { enum: ['allow', 'deny'] }, status: { type: 'integer', minimum: 400, maximum: 599 } },
    },
    client_ip: {
      type: 'object',
      additionalProperties: false,
      properties: {
        trusted_hops: { type: 'integer', minimum: 0, maximum: 10, description: 'Proxies in front of Envoy that append to X-Forwarded-For. 0 (default): the client IP is Envoy\'s source address and X-Forwarded-For is ignored.' },
      },
    },
    owned_header_prefixes: { type: 'array', items: { type: 'string', pattern: '^[a-z0-9-]+$' } },
    routes: { type: 'array', items: routeSchema() },
  };
  for (const m of MODULES) props[m.key] = m.globalSchema;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://portcullis.dev/schema/portcullis.schema.json',
    title: 'Portcullis configuration',
    type: 'object',
    additionalProperties: false,
    properties: props,
  };
}
