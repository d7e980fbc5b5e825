import type { Logger } from 'pino';
import { fetchFollowing, RedirectRefused } from '../../common/fetch-redirects.js';
import { BundleFormatError } from '../bundle/archive.js';
import type { LoadedBundle, LoadOptions } from '../bundle/load.js';
import { loadArchive } from '../activation/activate.js';
import { policyMetrics } from '../metrics.js';
import { BundleFetchError, BundleSource } from './bundle-source.js';
import { timerMs } from '../../common/timers.js';

export interface HttpSourceOptions {
  /** Full bundle URL (service url + resource). */
  url: string;
  headers: Record<string, string>;
  minDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
  /** Largest download accepted (compressed bytes). */
  maxBytes: number;
}

/** Bounded, exponential retry after failures; a uniform jittered delay in [min, max] otherwise (as OPA). */
export function nextDelayMs(o: Pick<HttpSourceOptions, 'minDelayMs' | 'maxDelayMs'>, consecutiveFailures: number, rand: () => number = Math.random): number {
  if (consecutiveFailures > 0) {
    const base = Math.min(o.maxDelayMs, 500 * 2 ** Math.min(consecutiveFailures - 1, 16));
    return Math.round(base * (0.8 + 0.4 * rand()));
  }
  return Math.round(o.minDelayMs + (o.maxDelayMs - o.minDelayMs) * rand());
}

async function readCapped(res: Response, maxBytes: number): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? -1);
  if (declared > maxBytes) throw new BundleFormatError('size', `bundle download is ${declared} bytes (limit ${maxBytes})`);
  if (!res.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    n += chunk.length;
    if (n > maxBytes) throw new BundleFormatError('size', `bundle download exceeds ${maxBytes} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

/**
 * The OPA bundle protocol over HTTP: GET the bundle, with If-None-Match: <last ETag>; 304 means
 * unchanged, 200 carries a (gzipped) bundle tarball; anything else is a failure. Polls with jittered
 * delays; after failures, retries sooner with bounded exponential backoff. The ETag advances only
 * when a bundle was accepted, so a rejected bundle is fetched and checked again next time.
 */
export class HttpBundleSource extends BundleSource {
  private timer?: NodeJS.Timeout;
  private abort?: AbortController;
  private failuresInARow = 0;
  private inflight: Promise<unknown> = Promise.resolve();
  private etag?: string;

  constructor(key: string, bundleName: string, private readonly http: HttpSourceOptions, opts: LoadOptions, logger: Logger) {
    super(key, bundleName, 'http', http.url, opts, logger);
  }

  /** A one-off download (`portcullis policy` tools); the service itself loads remote bundles in the background. */
  async loadNow(): Promise<LoadedBundle> {
    const r = await this.fetchOnce(false);
    if (r === 'not_modified') throw new BundleFetchError('bundle server answered 304 without a previous ETag');
    return loadArchive(r.body, this.loadOptions, this.logger);
  }

  /** One poll: download, load, accept. Never throws. Exposed for tests and the admin "refresh". */
  poll(): Promise<unknown> {
    this.inflight = this.inflight.then(() => this.pollOnce());
    return this.inflight;
  }

  private async fetchOnce(conditional: boolean): Promise<{ body: Buffer; etag?: string } | 'not_modified'> {
    const headers: Record<string, string> = { accept: 'application/gzip, application/octet-stream, */*' };
    if (conditional && this.etag) headers['if-none-match'] = this.etag;
    this.abort = new AbortController();
    const timer = setTimeout(() => this.abort?.abort(), timerMs(this.http.timeoutMs));
    try {
      let res: Response;
      try {
        // the configured headers (credentials) go to the configured origin only
        res = await fetchFollowing(this.http.url, { headers: this.http.headers, conditional: headers, signal: this.abort.signal });
      } catch (err) {
        if (err instanceof RedirectRefused) throw new BundleFetchError(`bundle server redirect refused: ${err.message}`);
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        throw new BundleFetchError(`cannot reach the bundle server: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
      }
      if (res.status === 304) { await res.body?.cancel(); return 'not_modified'; }
      if (res.status !== 200) {
        await res.body?.cancel().catch(() => undefined);
        throw new BundleFetchError(`bundle server answered HTTP ${res.status}`);
      }
      const body = await readCapped(res, this.http.maxBytes).catch((err) => {
        if (err instanceof BundleFormatError) throw err;
        throw new BundleFetchError(`bundle download failed: ${(err as Error).message}`);
      });
      return { body, etag: res.headers.get('etag') ?? undefined };
    } finally {
      clearTimeout(timer);
    }
  }

  private async pollOnce(): Promise<void> {
    if (this.isStopped) return;
    let ok = true;
    try {
      const r = await this.fetchOnce(true);
      if (r === 'not_modified' && this.etag === undefined) {
        // we sent no If-None-Match: a 304 is a broken server or proxy, and leaves us with no bundle
        throw new BundleFetchError('bundle server answered 304 Not Modified to a request without If-None-Match');
      }
      if (r === 'not_modified') {
        policyMetrics.bundleUpdates.inc({ bundle: this.bundleName, result: 'not_modified' });
        this.status.lastSuccess = Date.now();
        this.status.lastError = undefined;
      } else {
        ok = await this.accept(() => loadArchive(r.body, this.loadOptions, this.logger), 'poll').then(
          (accepted) => accepted || this.status.lastError === undefined,
        );
        if (ok) { this.etag = r.etag; this.status.etag = r.etag; }
      }
    } catch (err) {
      ok = false;
      this.recordFailure(err, 'poll');
    }
    this.failuresInARow = ok ? 0 : this.failuresInARow + 1;
  }

  private schedule(): void {
    if (this.isStopped) return;
    this.timer = setTimeout(() => { void this.poll().then(() => this.schedule()); }, timerMs(nextDelayMs(this.http, this.failuresInARow)));
    this.timer.unref?.();
  }

  protected onStart(): void {
    void this.poll().then(() => this.schedule());
  }

  protected async onStop(): Promise<void> {
    clearTimeout(this.timer);
    this.abort?.abort();
    await this.inflight.catch(() => undefined);
  }
}
