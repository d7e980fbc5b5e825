import { FAST_BUCKETS, counter, gauge, histogram } from '../telemetry/metrics.js';

/**
 * Policy metrics. Labels are bounded: bundle and data-source names come from the config, reasons and
 * results from fixed sets; the revision label is replaced (old series removed) on every swap.
 */
export const policyMetrics = {
  bundleRevision: gauge('portcullis_policy_bundle_revision_info', 'Active bundle revision (value 1)', ['bundle', 'revision'] as const),
  bundleLoaded: gauge('portcullis_policy_bundle_loaded', '1 when the bundle has an active policy', ['bundle'] as const),
  bundleLastSuccess: gauge('portcullis_policy_bundle_last_success_timestamp_seconds', 'Last time a bundle update was activated', ['bundle'] as const),
  bundleLastFailure: gauge('portcullis_policy_bundle_last_failure_timestamp_seconds', 'Last time a bundle update failed', ['bundle'] as const),
  bundleUpdates: counter('portcullis_policy_bundle_updates_total', 'Bundle downloads/reads by result (activated, not_modified, unchanged)', ['bundle', 'result'] as const),
  bundleFailures: counter('portcullis_policy_bundle_failures_total', 'Bundle updates rejected (last good kept), by reason', ['bundle', 'reason'] as const),
  dataUpdates: counter('portcullis_policy_data_updates_total', 'Data source refreshes by result', ['source', 'result'] as const),
  dataLastSuccess: gauge('portcullis_policy_data_last_success_timestamp_seconds', 'Last successful data source refresh', ['source'] as const),
  evalDuration: histogram('portcullis_policy_eval_duration_seconds', 'Policy evaluation (input building excluded)', ['bundle'] as const, FAST_BUCKETS),
  evalTimeouts: counter('portcullis_policy_eval_timeouts_total', 'Policy evaluations stopped at the bundle\'s eval_timeout_ms (also counted as result="error" in portcullis_policy_decisions_total)', ['bundle'] as const),
  decisions: counter('portcullis_policy_decisions_total', 'Policy decisions by result (allow, deny, error) and mode', ['bundle', 'result', 'mode'] as const),
  logEvents: counter('portcullis_policy_decision_log_events_total', 'Decision log events accepted into the buffer'),
  logDropped: counter('portcullis_policy_decision_log_dropped_total', 'Decision log events dropped, by reason', ['reason'] as const),
  logBuffered: gauge('portcullis_policy_decision_log_buffered_events', 'Decision log events waiting to be written'),
  logFlushFailures: counter('portcullis_policy_decision_log_flush_failures_total', 'Failed decision log writes by sink', ['sink'] as const),
};
