import { createHmac, timingSafeEqual, verify as edVerify } from 'node:crypto';
import { parseDictionary, serializeItem, type Dictionary, type InnerList, type Item } from 'structured-headers';
import type { RequestContext } from '../pipeline/context.js';
import type { KvStore } from '../store/types.js';
import type { IdentityCode } from './codes.js';
import { checkContentDigest } from './content-digest.js';
import { AuthFailure, fail } from './failure.js';
import { sha256hex } from './hash.js';
import { normalizeAuthority, signatureBase, SignatureBaseError, type SignedMessage } from './signature-base.js';
import type { SigningKey } from './signature-keys.js';
import type { Clock, CredentialVerifier, Verified, VerifyOutcome } from './verifier.js';

export interface SignatureOptions {
  keys: ReadonlyMap<string, SigningKey>;
  maxSkewS: number;
  requiredComponents: readonly string[];
  requireContentDigest: boolean;
  requireNonce: boolean;
  store: KvStore;
  clock: Clock;
}

interface Presented { input: Dictionary; signatures: Dictionary }

const MAX_FIELD = 8192;
const MAX_LABELS = 8;
const COVERED_BY_TARGET_URI = new Set(['@scheme', '@authority', '@path', '@query']);

export function messageOf(ctx: RequestContext): SignedMessage {
  const scheme = ctx.scheme || 'http';
  return { method: ctx.method, scheme, authority: normalizeAuthority(ctx.host, scheme), path: ctx.path, query: ctx.rawQuery, headers: ctx.headers };
}

/**
 * HTTP Message Signatures (RFC 9421) with hmac-sha256 or ed25519. The signature must cover the
 * configured components (default @method @authority @path @query) and content-digest when there is a
 * body (checked against the bytes Envoy sent, RFC 9530); `created` must be within the skew; a nonce is
 * required and accepted once (store SET NX with a TTL of the whole acceptance window), checked only
 * after the signature verified so unsigned traffic cannot burn nonces.
 */
export class SignatureVerifier implements CredentialVerifier<Presented> {
  readonly kind = 'signature' as const;
  private readonly accept: string;

  constructor(private readonly o: SignatureOptions) {
    const comps = [...o.requiredComponents, ...(o.requireContentDigest ? ['content-digest'] : [])].map((c) => serializeItem(c)).join(' ');
    this.accept = `sig1=(${comps});created;keyid${o.requireNonce ? ';nonce' : ''}`;
  }

  challengeHeaders(): Record<string, string> { return { 'accept-signature': this.accept }; }

  extract(ctx: RequestContext): Presented | AuthFailure | undefined {
    const si = ctx.headers['signature-input'];
    const sg = ctx.headers.signature;
    if (si === undefined && sg === undefined) return undefined;
    if (si === undefined || sg === undefined || si.length > MAX_FIELD || sg.length > MAX_FIELD) return fail('signature', 'ERR_SIG_MALFORMED');
    try {
      const input = parseDictionary(si);
      const signatures = parseDictionary(sg);
      if (input.size === 0 || input.size > MAX_LABELS) return fail('signature', 'ERR_SIG_MALFORMED');
      return { input, signatures };
    } catch {
      return fail('signature', 'ERR_SIG_MALFORMED');
    }
  }

  private covers(list: Item[]): boolean {
    const names = new Set(list.map((i) => i[0]));
    for (const c of this.o.requiredComponents) {
      if (names.has(c)) continue;
      if (COVERED_BY_TARGET_URI.has(c) && names.has('@target-uri')) continue;
      return false;
    }
    return true;
  }

  verify(ctx: RequestContext, p: Presented): VerifyOutcome | Promise<VerifyOutcome> {
    const hasBody = ctx.body.length > 0 || ctx.bodyTruncated || Number(ctx.headers['content-length'] ?? 0) > 0;
    let chosen: { label: string; params: InnerList; sig: Buffer } | undefined;
    let firstProblem: IdentityCode = 'ERR_SIG_MISSING_COMPONENT';
    for (const [label, member] of p.input) {
      if (!Array.isArray(member[0])) { firstProblem = 'ERR_SIG_MALFORMED'; continue; }
      const sigMember = p.signatures.get(label);
      if (sigMember === undefined || Array.isArray(sigMember[0]) || !(sigMember[0] instanceof ArrayBuffer)) { firstProblem = 'ERR_SIG_MALFORMED'; continue; }
      const items = member[0] as Item[];
      if (!this.covers(items)) continue;
      if (hasBody && this.o.requireContentDigest && !items.some((i) => i[0] === 'content-digest')) continue;
      chosen = { label, params: member as InnerList, sig: Buffer.from(sigMember[0]) };
      break;
    }
    if (chosen === undefined) return fail('signature', firstProblem);

    const params = chosen.params[1];
    const keyid = params.get('keyid');
    const created = params.get('created');
    const expires = params.get('expires');
    const nonce = params.get('nonce');
    const alg = params.get('alg');
    if (typeof keyid !== 'string' || typeof created !== 'number' || !Number.isInteger(created)) return fail('signature', 'ERR_SIG_MALFORMED');
    const key = this.o.keys.get(keyid);
    if (key === undefined) return fail('signature', 'ERR_SIG_KEY_UNKNOWN');
    if (alg !== undefined && alg !== key.algorithm) return fail('signature', 'ERR_SIG_ALG');
    const nowS = this.o.clock() / 1000;
    if (Math.abs(nowS - created) > this.o.maxSkewS) return fail('signature', 'ERR_SIG_EXPIRED');
    if (expires !== undefined && (typeof expires !== 'number' || expires < nowS)) return fail('signature', 'ERR_SIG_EXPIRED');
    if (nonce !== undefined && (typeof nonce !== 'string' || nonce === '' || nonce.length > 256)) return fail('signature', 'ERR_SIG_MALFORMED');
    if (this.o.requireNonce && nonce === undefined) return fail('signature', 'ERR_SIG_NONCE_MISSING');

    let base: string;
    const msg = messageOf(ctx);
    try {
      base = signatureBase(msg, chosen.params);
    } catch (err) {
      if (err instanceof SignatureBaseError) return fail('signature', 'ERR_SIG_MALFORMED');
      throw err;
    }
    if (!this.check(key, Buffer.from(base, 'utf8'), chosen.sig)) {
      // a covered field sent on several lines: Envoy joined them with ",", the signer with ", " (RFC 9421 §2.1)
      const joined = signatureBase(msg, chosen.params, true);
      if (joined === base || !this.check(key, Buffer.from(joined, 'utf8'), chosen.sig)) return fail('signature', 'ERR_SIG_INVALID');
    }

    const digest = ctx.headers['content-digest'];
    if (digest !== undefined || (hasBody && this.o.requireContentDigest)) {
      if (ctx.bodyTruncated) return fail('signature', 'ERR_SIG_BODY_INCOMPLETE');
      if (digest === undefined || checkContentDigest(digest, ctx.body) !== 'ok') return fail('signature', 'ERR_SIG_DIGEST');
    }

    const verified: Verified = {
      identity: {
        kind: 'signature', subject: key.subject, roles: key.roles, plan: key.plan,
        claims: { sub: key.subject, keyid: key.id, alg: key.algorithm, created },
      },
    };
    if (typeof nonce !== 'string') return verified;
    // The nonce is remembered for the whole window in which `created` is acceptable (±skew).
    return this.o.store.setNX(`identity:nonce:${sha256hex(`${keyid}\n${nonce}`)}`, '1', 2 * this.o.maxSkewS * 1000 + 1000)
      .then((first) => first ? verified : fail('signature', 'ERR_SIG_REPLAY'), () => fail('signature', 'ERR_SIG_UNAVAILABLE'));
  }

  private check(key: SigningKey, base: Buffer, sig: Buffer): boolean {
    if (key.algorithm === 'hmac-sha256') {
      const mac = createHmac('sha256', key.secret!).update(base).digest();
      return sig.length === mac.length && timingSafeEqual(sig, mac);
    }
    if (sig.length !== 64) return false;
    try { return edVerify(null, base, key.publicKey!, sig); } catch { return false; }
  }
}
