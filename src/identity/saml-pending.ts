import type { RequestContext } from '../pipeline/context.js';
import type { CookieSealer } from './saml-session.js';
import { parseCookies } from './token-source.js';

/** How many sign-ins one browser may have pending at once (several tabs). */
export const MAX_PENDING = 4;
const REQUEST_ID = /^_[0-9a-f]{20,64}$/;

/**
 * The sign-ins a browser has started and not finished: the AuthnRequest IDs Portcullis sent it to the IdP
 * with, and when. They live only in the browser, in a sealed cookie (nothing is written to the store for a
 * visitor who has not signed in), so the IdP's answer is accepted only from the browser that asked for it:
 * otherwise an attacker could post their own signed answer from a victim's browser and sign the victim in
 * as themselves (login CSRF). Sealed, the list cannot be forged or extended by the browser either.
 */
export class PendingSignIns {
  constructor(private readonly sealer: CookieSealer, readonly cookie: string, private readonly ttlMs: number, private readonly attrs: string) {}

  /** [id, started ms] of this browser's pending sign-ins, newest first, expired ones left out. */
  read(ctx: RequestContext, now: number): Array<[string, number]> {
    const v = ctx.headers.cookie === undefined ? undefined : parseCookies(ctx.headers.cookie).get(this.cookie)?.[0];
    if (v === undefined || v.length > 2048) return [];
    const list = this.sealer.openValue(v);
    if (!Array.isArray(list)) return [];
    return list.filter((e): e is [string, number] => Array.isArray(e) && typeof e[0] === 'string' && REQUEST_ID.test(e[0]) && typeof e[1] === 'number' && e[1] <= now && now - e[1] < this.ttlMs)
      .slice(0, MAX_PENDING);
  }

  /** True when `id` is one of this browser's pending sign-ins. */
  has(ctx: RequestContext, id: string, now: number): boolean {
    return this.startedAt(ctx, id, now) !== undefined;
  }

  /** When this browser started the pending sign-in `id` (ms), undefined when it has none of that id. */
  startedAt(ctx: RequestContext, id: string, now: number): number | undefined {
    return this.read(ctx, now).find((e) => e[0] === id)?.[1];
  }

  /** The Set-Cookie value that takes the answered `id` off the list (and deletes the cookie when none is left). */
  remove(ctx: RequestContext, id: string, now: number): string {
    const list = this.read(ctx, now).filter((e) => e[0] !== id);
    return list.length === 0
      ? `${this.cookie}=; Max-Age=0${this.attrs}`
      : `${this.cookie}=${this.sealer.sealValue(list)}; Max-Age=${Math.ceil(this.ttlMs / 1000)}${this.attrs}`;
  }

  /** The Set-Cookie value that adds `id` (the oldest falls out past MAX_PENDING). */
  add(ctx: RequestContext, id: string, now: number): string {
    const list = [[id, now], ...this.read(ctx, now).slice(0, MAX_PENDING - 1)];
    return `${this.cookie}=${this.sealer.sealValue(list)}; Max-Age=${Math.ceil(this.ttlMs / 1000)}${this.attrs}`;
  }
}
