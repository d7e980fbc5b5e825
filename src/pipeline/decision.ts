import type { RequestContext } from './context.js';
import type { Deny } from './deny.js';

/** The outcome of one Check: written once, then turned into the response, metrics and logs. */
export interface Decision {
  allowed: boolean;
  /** 'OK' for allows, the deny's code otherwise. */
  code: string;
  deny?: Deny;
  /** Name of the stage that denied (or 'route' / 'request' for denies before stages). */
  stage?: string;
  /** True when an error was turned into an allow by a fail-open route. */
  failOpen?: boolean;
  ctx: RequestContext;
  /** Duration of the whole check, seconds. */
  seconds: number;
}
