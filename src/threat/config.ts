/** Config of the threat module: `threat:` at the top level and `routes[].threat:`. */
import { MAX_DISTINCT_PATHS } from './anomaly.js';
import type { ExcludeEntry } from './exclude.js';
import { SCORED_FAMILIES } from './scoring.js';

const families = { type: 'array', items: { enum: ['sqli', 'xss', 'traversal', 'cmdi'] }, uniqueItems: true } as const;
const exclude = {
  type: 'array',
  maxItems: 1000,
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['input'],
    properties: {
      input: {
        type: 'string', minLength: 1, maxLength: 512,
        description: 'The input, named as the "where" of its findings: path, path[N], query.NAME, query-key.NAME, header.NAME, cookie.NAME, form.NAME, form-key.NAME, body, body.$.a.b[0] ([*]: any index), body-key.$.a, multipart.NAME, multipart.NAME.filename',
      },
      families: { ...families, minItems: 1, description: 'Injection families not run on this input (default: all of them)' },
    },
  },
  description: 'Inputs some or all injection detectors do not read (rule exclusions). Other checks (validation, sizes, bots, IP, geo, anomalies, CSRF) still apply',
} as const;
const cidrList = { type: 'array', items: { type: 'string', minLength: 1 }, description: 'IPv4/IPv6 addresses or CIDRs' } as const;
const countryList = { type: 'array', items: { type: 'string', pattern: '^[A-Za-z]{2}$' }, uniqueItems: true, description: 'ISO 3166-1 alpha-2 codes' } as const;
const unit = { type: 'number', minimum: 0, maximum: 1 } as const;
/** A score threshold: 0 would act on every request, findings or not. */
const threshold = { type: 'number', exclusiveMinimum: 0, maximum: 1 } as const;
const paranoia = {
  type: 'integer', minimum: 1, maximum: 4,
  description: 'Detector paranoia level (default 1). Higher levels add rules with lower specificity: 2 bare shell commands, HTML markup and comments, template syntax; 3 SQL keyword/operator fragments, shell metacharacters before a word; 4 any SQL/shell/markup punctuation pattern',
} as const;
const mode = { enum: ['enforce', 'detect'], description: 'enforce: act on findings; detect: log what would have happened, never act' } as const;

/**
 * Extra request headers (credentials): an HTTP token (RFC 9110) names each; a value is what fetch() can
 * send (no CR, LF or NUL, nothing beyond Latin-1). Checked at load: fetch's own error quotes the value.
 */
const requestHeaders = (description: string) => ({
  type: 'object',
  propertyNames: { type: 'string', pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" },
  additionalProperties: { type: 'string', pattern: '^[^\\r\\n\\u0000\\u0100-\\uffff]*$' },
  description,
}) as const;

const sinkSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type'],
  properties: {
    type: { enum: ['file', 'webhook', 'syslog'] },
    name: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$', description: 'Metrics label (default: the type and position)' },
    path: { type: 'string', minLength: 1, description: 'file: JSON-lines file (relative to the config folder)' },
    url: { type: 'string', pattern: '^https?://', description: 'webhook: endpoint receiving POSTed batches (no user:password@: use headers); logged without its query string' },
    headers: requestHeaders('webhook: extra request headers (e.g. authorization); never logged'),
    format: { enum: ['json', 'ndjson'], description: 'webhook: JSON array (default) or newline-delimited JSON' },
    batch_size: { type: 'integer', minimum: 1, maximum: 10000 },
    flush_ms: { type: 'integer', minimum: 1, maximum: 1000, description: 'Longest an event waits before delivery starts (default 200)' },
    max_queue: { type: 'integer', minimum: 1, maximum: 1000000 },
    timeout_ms: { type: 'integer', minimum: 1, maximum: 60000, description: 'webhook: per request; syslog tcp: connect and write (default 2000, at most 60000)' },
    max_retries: { type: 'integer', minimum: 0, maximum: 10 },
    backoff_ms: { type: 'integer', minimum: 1, maximum: 60000, description: 'webhook: first retry delay, doubled per retry up to 60000 (default 200, at most 60000)' },
    host: { type: 'string', minLength: 1, description: 'syslog: collector host name or IP address (IPv6 bare or in brackets); no scheme or port (see port)' },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    protocol: { enum: ['udp', 'tcp'] },
    framing: { enum: ['octet-counting', 'lf'], description: 'syslog tcp: RFC 6587 octet-counting (default) or lf (each message ends with a newline; CR/LF in a field become spaces) for receivers that split on newlines' },
    facility: { type: 'integer', minimum: 0, maximum: 23, description: 'syslog facility number (default 13, log audit)' },
    app_name: { type: 'string', pattern: '^[\\x21-\\x7e]{1,48}$' },
    max_message_bytes: { type: 'integer', minimum: 480, maximum: 65000 },
  },
  allOf: [
    { if: { properties: { type: { const: 'file' } } }, then: { required: ['path'] } },
    { if: { properties: { type: { const: 'webhook' } } }, then: { required: ['url'] } },
    { if: { properties: { type: { const: 'syslog' } } }, then: { required: ['host', 'port'] } },
  ],
} as const;

export const threatGlobalSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Threat protection defaults for every route (routes can override).',
  properties: {
    mode,
    paranoia,
    inspect: {
      type: 'object',
      additionalProperties: false,
      properties: {
        families,
        headers: { type: 'array', items: { type: 'string', pattern: '^[A-Za-z0-9-]+$' }, description: 'Headers inspected (default user-agent, referer, cookie, x-forwarded-host, x-original-url, x-rewrite-url)' },
        path: { type: 'boolean' },
        query: { type: 'boolean' },
        body: { type: 'boolean' },
        markup: { enum: ['flag', 'allow'], description: 'allow: HTML markup without script is not a finding (rich-text routes)' },
        max_value_bytes: { type: 'integer', minimum: 64 },
        max_total_bytes: { type: 'integer', minimum: 64 },
        max_json_depth: { type: 'integer', minimum: 1, maximum: 256 },
        max_json_values: { type: 'integer', minimum: 1 },
        max_multipart_parts: { type: 'integer', minimum: 1, maximum: 1000 },
        exclude: { ...exclude, description: `${exclude.description}. Applies on every route (with each route's own)` },
      },
    },
    scoring: {
      type: 'object',
      additionalProperties: false,
      properties: {
        weights: { type: 'object', additionalProperties: unit, propertyNames: { enum: SCORED_FAMILIES }, description: `Weight per finding family (${SCORED_FAMILIES.join(', ')})` },
        block: { ...threshold, description: 'Score at or above which the request is refused (default 0.8; above 0)' },
        throttle: { ...threshold, description: 'Score at or above which the rate-limit module applies its tighter limit (default 0.5; above 0)' },
        min_confidence: { ...unit, description: 'Findings below this confidence are dropped (default 0.3)' },
      },
    },
    ban: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ttl_ms: { type: 'integer', minimum: 0, description: 'How long a blocked client stays banned (0: never ban). Default 600000' },
        cache_ms: { type: 'integer', minimum: 0, maximum: 60000, description: 'How long a replica trusts a "not banned" answer (default 2000)' },
        on_store_error: { enum: ['deny', 'allow'], description: 'When the store cannot say whether a client is banned (default deny)' },
        ipv6_prefix_length: { type: 'integer', minimum: 48, maximum: 128, description: 'An IPv6 client is banned by this prefix of its address (default 64; 128: the address only)' },
        ipv4_prefix_length: { type: 'integer', minimum: 16, maximum: 32, description: 'An IPv4 client is banned by this prefix of its address (default 32: the address only)' },
      },
    },
    ip: {
      type: 'object',
      additionalProperties: false,
      properties: { allow: cidrList, block: cidrList },
    },
    feeds: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'format'],
        properties: {
          name: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' },
          url: { type: 'string', pattern: '^https?://', description: 'No user:password@ (use headers); logged without its query string' },
          headers: requestHeaders('url: extra request headers (e.g. authorization); never logged'),
          file: { type: 'string', minLength: 1 },
          format: { enum: ['plain', 'spamhaus', 'firehol'] },
          refresh_ms: { type: 'integer', minimum: 1000 },
          timeout_ms: { type: 'integer', minimum: 100, maximum: 600000, description: 'Per download (default 10000, at most 600000)' },
          max_bytes: { type: 'integer', minimum: 1024 },
        },
        oneOf: [{ required: ['url'] }, { required: ['file'] }],
      },
    },
    geo: {
      type: 'object',
      additionalProperties: false,
      required: ['database'],
      properties: {
        database: { type: 'string', minLength: 1, description: 'MaxMind .mmdb (Country or City), relative to the config folder' },
        check_ms: { type: 'integer', minimum: 1000, description: 'How often the file is checked for a new version (default 60000)' },
        allow_countries: countryList,
        deny_countries: countryList,
        unknown: { enum: ['allow', 'deny'], description: 'Clients whose country is unknown (private ranges) when allow_countries is set (default allow)' },
      },
    },
    bot: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean' },
        automation: { ...unit, description: 'Confidence for HTTP libraries (curl, python-requests …); default 0.3' },
        missing_user_agent: unit,
        browser_consistency: { type: 'boolean' },
        good_bots: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['token'],
            properties: {
              token: { type: 'string', minLength: 3 },
              cidrs: cidrList,
              domains: {
                type: 'array', minItems: 1,
                items: { type: 'string', pattern: '^\\.?([A-Za-z0-9-]{1,63}\\.)+[A-Za-z]{2,63}\\.?$' },
                description: 'The bot is verified when its address has a PTR name under one of these domains that resolves back to it (forward-confirmed reverse DNS)',
              },
            },
          },
          description: 'User-agent tokens of good bots. Verified ones (by cidrs or DNS domains) skip every bot signal; unverifiable ones (neither given) skip the weak ones; a claim refuted by every check is a finding (0.85)',
        },
        dns: {
          type: 'object',
          additionalProperties: false,
          properties: {
            enabled: { type: 'boolean', description: 'Verify good-bot domains by forward-confirmed reverse DNS (default true)' },
            servers: { type: 'array', items: { type: 'string', pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[0-9.]+)(:[0-9]{1,5})?$|^[0-9A-Fa-f:.]+$' }, description: 'Resolvers ("1.1.1.1", "127.0.0.1:5353", "[::1]:53"); default the system\'s' },
            timeout_ms: { type: 'integer', minimum: 10, maximum: 10000, description: 'Per DNS query (default 1000)' },
            cache_ms: { type: 'integer', minimum: 1000, description: 'How long an answer is kept per client address (default 3600000)' },
            max_entries: { type: 'integer', minimum: 1, maximum: 10000000, description: 'Client addresses kept (default 10000)' },
          },
        },
        cadence: {
          type: 'object',
          additionalProperties: false,
          properties: {
            enabled: { type: 'boolean' },
            min_requests: { type: 'integer', minimum: 3, maximum: 16 },
            max_cv: { type: 'number', minimum: 0, maximum: 1 },
            max_mean_ms: { type: 'integer', minimum: 1 },
          },
        },
      },
    },
    anomaly: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean' },
        window_ms: { type: 'integer', minimum: 100 },
        max_clients: { type: 'integer', minimum: 1 },
        spike_factor: { type: 'number', minimum: 1 },
        spike_min_requests: { type: 'integer', minimum: 1 },
        distinct_paths: { type: 'integer', minimum: 2, maximum: MAX_DISTINCT_PATHS, description: `Distinct paths in one window that read as enumeration (default 100, at most ${MAX_DISTINCT_PATHS})` },
        probe_paths: { type: 'integer', minimum: 1 },
        auth_failures: { type: 'integer', minimum: 1 },
        auth_window_ms: { type: 'integer', minimum: 1000 },
      },
    },
    events: {
      type: 'object',
      additionalProperties: false,
      properties: {
        sinks: { type: 'array', items: sinkSchema },
        log: { type: 'boolean', description: 'Also write each event to the service log (default true)' },
        min_action: { enum: ['log', 'throttle', 'block'], description: 'Least severe scoring action that produces an event (default throttle)' },
      },
    },
    upstream_header: { type: 'boolean', description: 'Send x-portcullis-risk-score and x-portcullis-risk-findings upstream' },
  },
} as const;

export const threatRouteSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    mode: { enum: ['enforce', 'detect', 'off'] },
    block: threshold,
    throttle: threshold,
    ban: { type: 'boolean', description: 'Ban clients this route blocks (default true when ban.ttl_ms > 0)' },
    families,
    markup: { enum: ['flag', 'allow'] },
    paranoia,
    exclude,
    partial_body: {
      enum: ['refuse', 'inspect'],
      description: "A body Envoy sent only in part (ext_authz max_request_bytes with allow_partial_message), whose rest was not inspected. refuse (default): the certain oversize finding (with the default weight, 403). inspect: read what arrived, record the finding at 0.4 and count the request in portcullis_fail_open_total{stage=\"threat_partial_body\"} (large uploads)",
    },
    upstream_header: { type: 'boolean' },
    ip: { type: 'object', additionalProperties: false, properties: { allow: cidrList, block: cidrList } },
    geo: { type: 'object', additionalProperties: false, properties: { allow_countries: countryList, deny_countries: countryList, unknown: { enum: ['allow', 'deny'] } } },
    bot: { type: 'object', additionalProperties: false, properties: { enabled: { type: 'boolean' }, automation: unit } },
    anomaly: { type: 'object', additionalProperties: false, properties: { enabled: { type: 'boolean' } } },
    csrf: {
      type: 'object',
      additionalProperties: false,
      properties: {
        allowed_origins: { type: 'array', items: { type: 'string', pattern: '^https?://[^/]+$' } },
        methods: { type: 'array', items: { type: 'string', pattern: '^[A-Z]+$' }, minItems: 1 },
        session_cookies: { type: 'array', items: { type: 'string', minLength: 1 } },
        allow_same_site: { type: 'boolean' },
        require_origin: { type: 'boolean' },
        token: {
          type: 'object',
          additionalProperties: false,
          required: ['cookie', 'header'],
          properties: { cookie: { type: 'string', minLength: 1 }, header: { type: 'string', pattern: '^[A-Za-z0-9-]+$' } },
        },
      },
    },
    validation: {
      type: 'object',
      additionalProperties: false,
      properties: {
        content_types: { type: 'array', items: { type: 'string', pattern: '^[a-z0-9*.+-]+/[a-z0-9*.+-]+$' } },
        max_body_bytes: { type: 'integer', minimum: 0 },
        max_headers: { type: 'integer', minimum: 1 },
        max_header_bytes: { type: 'integer', minimum: 1 },
        schemas: {
          type: 'object',
          propertyNames: { pattern: '^([A-Z]+|\\*)$' },
          additionalProperties: { type: ['object', 'boolean'] },
          description: 'Method → JSON Schema of the body ("*": every method with a body)',
        },
        schema_files: {
          type: 'object',
          propertyNames: { pattern: '^([A-Z]+|\\*)$' },
          additionalProperties: { type: 'string', minLength: 1 },
          description: 'Method → JSON Schema file (relative to the config folder)',
        },
        max_violations: { type: 'integer', minimum: 1, maximum: 100 },
      },
    },
  },
} as const;

export type Mode = 'enforce' | 'detect';

export interface SinkConfig {
  type: 'file' | 'webhook' | 'syslog';
  name?: string; path?: string; url?: string; headers?: Record<string, string>; format?: 'json' | 'ndjson';
  batch_size?: number; flush_ms?: number; max_queue?: number; timeout_ms?: number; max_retries?: number; backoff_ms?: number;
  host?: string; port?: number; protocol?: 'udp' | 'tcp'; framing?: 'octet-counting' | 'lf'; facility?: number; app_name?: string; max_message_bytes?: number;
}

export interface ThreatGlobalConfig {
  mode?: Mode;
  paranoia?: number;
  inspect?: {
    families?: string[]; headers?: string[]; path?: boolean; query?: boolean; body?: boolean; markup?: 'flag' | 'allow';
    max_value_bytes?: number; max_total_bytes?: number; max_json_depth?: number; max_json_values?: number; max_multipart_parts?: number;
    exclude?: ExcludeEntry[];
  };
  scoring?: { weights?: Record<string, number>; block?: number; throttle?: number; min_confidence?: number };
  ban?: { ttl_ms?: number; cache_ms?: number; on_store_error?: 'deny' | 'allow'; ipv6_prefix_length?: number; ipv4_prefix_length?: number };
  ip?: { allow?: string[]; block?: string[] };
  feeds?: Array<{ name: string; url?: string; headers?: Record<string, string>; file?: string; format: 'plain' | 'spamhaus' | 'firehol'; refresh_ms?: number; timeout_ms?: number; max_bytes?: number }>;
  geo?: { database: string; check_ms?: number; allow_countries?: string[]; deny_countries?: string[]; unknown?: 'allow' | 'deny' };
  bot?: {
    enabled?: boolean; automation?: number; missing_user_agent?: number; browser_consistency?: boolean;
    good_bots?: Array<{ token: string; cidrs?: string[]; domains?: string[] }>;
    dns?: { enabled?: boolean; servers?: string[]; timeout_ms?: number; cache_ms?: number; max_entries?: number };
    cadence?: { enabled?: boolean; min_requests?: number; max_cv?: number; max_mean_ms?: number };
  };
  anomaly?: {
    enabled?: boolean; window_ms?: number; max_clients?: number; spike_factor?: number; spike_min_requests?: number;
    distinct_paths?: number; probe_paths?: number; auth_failures?: number; auth_window_ms?: number;
  };
  events?: { sinks?: SinkConfig[]; log?: boolean; min_action?: 'log' | 'throttle' | 'block' };
  upstream_header?: boolean;
}

export interface ThreatRouteConfig {
  mode?: Mode | 'off';
  block?: number;
  throttle?: number;
  ban?: boolean;
  families?: string[];
  markup?: 'flag' | 'allow';
  paranoia?: number;
  exclude?: ExcludeEntry[];
  partial_body?: 'refuse' | 'inspect';
  upstream_header?: boolean;
  ip?: { allow?: string[]; block?: string[] };
  geo?: { allow_countries?: string[]; deny_countries?: string[]; unknown?: 'allow' | 'deny' };
  bot?: { enabled?: boolean; automation?: number };
  anomaly?: { enabled?: boolean };
  csrf?: {
    allowed_origins?: string[]; methods?: string[]; session_cookies?: string[]; allow_same_site?: boolean;
    require_origin?: boolean; token?: { cookie: string; header: string };
  };
  validation?: {
    content_types?: string[]; max_body_bytes?: number; max_headers?: number; max_header_bytes?: number;
    schemas?: Record<string, unknown>; schema_files?: Record<string, string>; max_violations?: number;
  };
}
