import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { isDeepStrictEqual } from 'node:util';
import { parseRfc3339Ns } from '../wasm/time-builtins.js';
import type { WasmEngine } from '../wasm/engine.js';
import { interpretResult } from '../result.js';

export type Verdict = 'allow' | 'deny' | 'error';

export interface Flip {
  decision_id: string;
  timestamp?: string;
  path: string;
  route?: string;
  method?: string;
  request_path?: string;
  before: Verdict;
  after: Verdict;
  /** The new result (or error message), to see why. */
  now: unknown;
  /** The logged input had fields erased or masked: the new verdict may be an artifact of that. */
  masked: boolean;
}

export interface ReplayReport {
  lines: number;
  events: number;
  evaluated: number;
  unchanged: number;
  /** Same verdict, different result document (headers, body, status…). */
  changed: number;
  flipped: Flip[];
  skipped: Record<string, number>;
}

export interface ReplayOptions {
  /** Evaluate this entrypoint instead of each event's own path. */
  entrypoint?: string;
  /** Bundle-less view of the flipped verdict kinds to count (all by default). */
  limit?: number;
}

function verdictOf(result: unknown, error: unknown): Verdict {
  if (error) return 'error';
  try { return interpretResult(result).allowed ? 'allow' : 'deny'; } catch { return 'error'; }
}

function isEvent(v: unknown): v is Record<string, any> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as any).decision_id === 'string' && 'input' in (v as object);
}

/** Events from a JSON-lines decision log (file / console output, which may mix in other log lines) or HTTP batches (JSON arrays). */
export async function* readDecisionLog(file: string, report: ReplayReport): AsyncGenerator<Record<string, any>> {
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of rl) {
    report.lines++;
    const t = line.trim();
    if (t === '') continue;
    let v: unknown;
    try { v = JSON.parse(t); } catch { report.skipped.not_json = (report.skipped.not_json ?? 0) + 1; continue; }
    for (const e of Array.isArray(v) ? v : [v]) {
      if (isEvent(e)) yield e;
      else report.skipped.not_a_decision = (report.skipped.not_a_decision ?? 0) + 1;
    }
  }
}

/**
 * Re-evaluate logged inputs on an engine and compare verdicts. Time-dependent policies see the
 * event's own timestamp as time.now_ns(), so only the policy change shows up, not the passing of time.
 */
export async function replay(events: AsyncIterable<Record<string, any>>, engine: WasmEngine, report: ReplayReport, opts: ReplayOptions = {}): Promise<ReplayReport> {
  for await (const e of events) {
    report.events++;
    const path = opts.entrypoint ?? e.path;
    if (typeof path !== 'string' || !engine.entrypoints.has(path)) {
      report.skipped.unknown_entrypoint = (report.skipped.unknown_entrypoint ?? 0) + 1;
      continue;
    }
    if (e.input === undefined || e.input === null) {
      report.skipped.no_input = (report.skipped.no_input ?? 0) + 1;
      continue;
    }
    let nowNs = Date.now() * 1e6;
    try { if (typeof e.timestamp === 'string') nowNs = parseRfc3339Ns(e.timestamp); } catch { /* keep now */ }
    let result: unknown;
    let error: string | undefined;
    try { result = engine.evaluate(path, e.input, nowNs); } catch (err) { error = (err as Error).message; }
    report.evaluated++;
    const before = verdictOf(e.result, e.error);
    const after = verdictOf(result, error);
    if (before === after) {
      if (before !== 'error' && !isDeepStrictEqual(result, e.result)) report.changed++; else report.unchanged++;
      continue;
    }
    if (opts.limit !== undefined && report.flipped.length >= opts.limit) continue;
    const http = e.input?.attributes?.request?.http ?? {};
    report.flipped.push({
      decision_id: e.decision_id,
      timestamp: e.timestamp,
      path,
      route: e.custom?.route,
      method: http.method,
      request_path: http.path,
      before,
      after,
      now: error ?? result,
      masked: Array.isArray(e.erased) || Array.isArray(e.masked),
    });
  }
  return report;
}

export function emptyReport(): ReplayReport {
  return { lines: 0, events: 0, evaluated: 0, unchanged: 0, changed: 0, flipped: [], skipped: {} };
}

export function formatReport(r: ReplayReport, bundle: string, revision: string): string {
  const out: string[] = [];
  out.push(`replayed ${r.evaluated} of ${r.events} decisions against ${bundle} (revision ${revision || '(none)'})`);
  out.push(`  unchanged: ${r.unchanged}   same verdict, different result: ${r.changed}   flipped: ${r.flipped.length}`);
  const skipped = Object.entries(r.skipped).map(([k, v]) => `${k}=${v}`).join(' ');
  if (skipped) out.push(`  skipped: ${skipped}`);
  for (const f of r.flipped) {
    out.push(`  FLIP ${f.before} -> ${f.after}  ${f.decision_id}  ${f.method ?? ''} ${f.request_path ?? ''}  [${f.path}${f.route ? ` route=${f.route}` : ''}]${f.timestamp ? ` at ${f.timestamp}` : ''}${f.masked ? ' (input was masked)' : ''}`);
    out.push(`       now: ${JSON.stringify(f.now)?.slice(0, 300)}`);
  }
  return out.join('\n');
}
