import { appendFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';

/** Where decision-log batches go. `write` rejects on failure; the logger counts it. */
export interface DecisionSink {
  readonly name: string;
  /** lines: one serialized event each (JSON, no newline). */
  write(lines: readonly string[]): Promise<void>;
}

/** JSON lines on stdout (OPA's console decision logger prints the same events). */
export class ConsoleSink implements DecisionSink {
  readonly name = 'console';
  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {}
  async write(lines: readonly string[]): Promise<void> {
    this.out.write(`${lines.join('\n')}\n`);
  }
}

/** JSON lines appended to a file (opened per batch, so rotation by rename just works). */
export class FileSink implements DecisionSink {
  readonly name = 'file';
  constructor(private readonly path: string) {}
  async write(lines: readonly string[]): Promise<void> {
    await appendFile(this.path, `${lines.join('\n')}\n`, { mode: 0o600 });
  }
}

export interface HttpSinkOptions {
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
}

const RETRY_DELAYS_MS = [200, 1000];

/**
 * OPA's decision-log service protocol: POST a gzip-compressed JSON array of events. A failed upload
 * is retried twice (200 ms, 1 s); meanwhile new events queue in the logger's bounded buffer.
 */
export class HttpSink implements DecisionSink {
  readonly name = 'http';
  constructor(private readonly opts: HttpSinkOptions) {}

  private async once(body: Buffer): Promise<void> {
    const res = await fetch(this.opts.url, {
      method: 'POST',
      headers: { ...this.opts.headers, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: new Uint8Array(body),
      // a redirect is an answer, not followed: the decision inputs and the credentials go to the configured URL only
      redirect: 'manual',
      signal: AbortSignal.timeout(this.opts.timeoutMs),
    });
    await res.body?.cancel().catch(() => undefined);
    if (res.status < 200 || res.status > 299) throw new Error(`decision log service answered HTTP ${res.status}`);
  }

  async write(lines: readonly string[]): Promise<void> {
    const body = gzipSync(`[${lines.join(',')}]`);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(body);
      } catch (err) {
        if (attempt >= RETRY_DELAYS_MS.length) throw err;
        await new Promise((r) => setTimeout(r, RETRY_DELAYS_MS[attempt]).unref());
      }
    }
  }
}
