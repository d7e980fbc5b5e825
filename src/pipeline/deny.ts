import { defaultStatus } from './codes.js';

/**
 * A stage's "no". The first Deny ends the pipeline; respond.ts turns it into the DeniedHttpResponse.
 * `headers` go to the client (e.g. WWW-Authenticate, Retry-After; a list sends the header once per value,
 * as several `Set-Cookie` must be). `message` is shown to the client:
 * never put a secret, key or token in it.
 */
export class Deny {
  readonly status: number;
  constructor(
    readonly code: string,
    readonly message: string,
    status?: number,
    readonly headers?: Readonly<Record<string, string | readonly string[]>>,
    /** Replaces the JSON error body when set (e.g. a policy-provided body). */
    readonly body?: string,
  ) {
    this.status = status ?? defaultStatus(code);
  }
}

/** Thrown while building the RequestContext from a CheckRequest that cannot be trusted. */
export class BadRequestError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}
