import client from 'prom-client';

/** One registry for the process. Metrics are created once (module scope), not per config load. */
export const registry = new client.Registry();

type Labels<T extends string> = client.LabelValues<T>;

function existing<T>(name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}

export function counter<T extends string>(name: string, help: string, labelNames: readonly T[] = []): client.Counter<T> {
  return existing<client.Counter<T>>(name) ?? new client.Counter({ name, help, labelNames, registers: [registry] });
}

export function gauge<T extends string>(name: string, help: string, labelNames: readonly T[] = []): client.Gauge<T> {
  return existing<client.Gauge<T>>(name) ?? new client.Gauge({ name, help, labelNames, registers: [registry] });
}

export function histogram<T extends string>(name: string, help: string, labelNames: readonly T[] = [], buckets?: number[]): client.Histogram<T> {
  return existing<client.Histogram<T>>(name) ?? new client.Histogram({ name, help, labelNames, buckets, registers: [registry] });
}

/** Latency buckets for sub-millisecond work (seconds). */
export const FAST_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

export const metrics = {
  checks: counter('portcullis_checks_total', 'Check decisions by decision, reason code and route', ['decision', 'code', 'route'] as const),
  checkDuration: histogram('portcullis_check_duration_seconds', 'Check duration', ['decision'] as const, FAST_BUCKETS),
  stageDuration: histogram('portcullis_stage_duration_seconds', 'Duration of each pipeline stage', ['stage'] as const, FAST_BUCKETS),
  configReloads: counter('portcullis_config_reloads_total', 'Config loads and reloads by result', ['result'] as const),
  configLastSuccess: gauge('portcullis_config_last_reload_success_timestamp_seconds', 'Time of the last successful config load'),
  failOpen: counter('portcullis_fail_open_total', 'Requests allowed because a failing stage is configured to fail open', ['route', 'stage'] as const),
  shadowDenies: counter('portcullis_shadow_denies_total', 'Denies a shadow-mode stage would have returned', ['route', 'stage', 'code'] as const),
  inflight: gauge('portcullis_checks_in_flight', 'Checks being evaluated'),
  buildInfo: gauge('portcullis_build_info', 'Build information', ['version', 'node'] as const),
};

client.collectDefaultMetrics({ register: registry, prefix: 'portcullis_process_' });
