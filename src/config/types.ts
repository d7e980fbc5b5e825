import type { StoreConfig } from '../store/index.js';

export interface PathMatch { exact?: string; prefix?: string; regex?: string }
export interface HeaderMatch { name: string; present?: boolean; exact?: string; prefix?: string; regex?: string }

export interface RuleConfig {
  name?: string;
  action: 'allow' | 'deny';
  methods?: string[];
  path?: PathMatch;
  headers?: HeaderMatch[];
  status?: number;
  message?: string;
}

export interface RouteConfig {
  name: string;
  match?: {
    /** Exact or *.suffix; a list matches any of them (a Kubernetes service's short and full names). */
    host?: string | string[];
    path?: PathMatch;
    methods?: string[];
    context_extensions?: Record<string, string>;
    headers?: HeaderMatch[];
  };
  rules?: RuleConfig[];
  rules_default?: 'continue' | 'deny';
  fail_open?: boolean;
  upstream_headers?: Record<string, string>;
  [moduleKey: string]: unknown;
}

export interface PortcullisConfig {
  server?: {
    grpc?: {
      address?: string;
      max_receive_message_bytes?: number;
      max_send_message_bytes?: number;
      keepalive_time_ms?: number;
      keepalive_timeout_ms?: number;
      max_connection_idle_ms?: number;
      max_concurrent_streams?: number;
      /** grpc.health.v1 follows /readyz (default true). */
      health_follows_readiness?: boolean;
    };
    admin?: { address?: string; token_file?: string };
    metrics?: { address?: string };
    drain_timeout_ms?: number;
  };
  log?: { level?: string; allows?: boolean };
  store?: StoreConfig;
  request_limits?: { max_path_bytes?: number; max_headers?: number; max_header_bytes?: number; max_body_bytes?: number };
  default_action?: { action: 'allow' | 'deny'; status?: number };
  client_ip?: { trusted_hops?: number };
  owned_header_prefixes?: string[];
  routes?: RouteConfig[];
  [moduleKey: string]: unknown;
}
