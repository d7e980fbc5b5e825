// Structure-aware RateLimitRequests for the ShouldRateLimit fuzzer: mostly the shapes Envoy sends (domains
// and descriptors of the fixture configs), mutated into what a broken or hostile client could send.
import { Rng } from '../../pipeline/fuzz/prng.js';

export const DOMAINS = ['mongo_cps', 'messaging', 'edge_proxy_per_ip', 'internal', 'extensions', 'example4', 'anchors', 'portcullis'];
const KEYS = ['database', 'message_type', 'to_number', 'remote_address', 'azure', 'plan', 'path', 'user', 'key', 'key1', 'tier', 'service', 'ldap', 'subkey', 'generic_key', 'header_match'];
const VALUES = ['users', 'default', 'marketing', '2061111111', '50.0.0.5', 'free', 'value', 'value1', 'gold', 'platinum', 'silver', 'bkthomps', '/x', '10.0.0.1'];
const UNITS = ['SECOND', 'MINUTE', 'HOUR', 'DAY', 'MONTH', 'YEAR', 'UNKNOWN', 'WEEK', 'second', '', 'FORTNIGHT', 'constructor', '__proto__'];
const AWKWARD = ['', '|', '=', '%', '%7C', 'a|b=c', '\u0000', '\r\n', '\u202e', '\ud800', '😀', 'ü', ' ', '*', 'value*', '__proto__', 'constructor', 'toString'];

/** One shared 70 KB string: huge values without a huge heap. */
const HUGE = 'x'.repeat(70_000);

function str(r: Rng, pool: readonly string[]): string {
  switch (r.int(8)) {
    case 0: return r.pick(AWKWARD);
    case 1: return r.text(r.int(40));
    case 2: return r.pick(pool) + r.pick(AWKWARD);
    case 3: return r.chance(0.3) ? HUGE : r.text(600);
    case 4: return String.fromCharCode(...Array.from({ length: 1 + r.int(12) }, () => r.int(0x10000)));
    default: return r.pick(pool);
  }
}

/** A value for a field that should hold a string, a number or a message: mostly right, sometimes not. */
function odd(r: Rng): unknown {
  return r.pick<unknown>([null, undefined, 0, -1, 1.5, NaN, Infinity, '', 'x', true, [], {}, [1, 2], { value: 3 }, 2n ** 70n, Symbol.iterator.description]);
}

function uint(r: Rng): unknown {
  return r.pick<unknown>([0, 1, 2, 7, 100, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53, Number.MAX_SAFE_INTEGER, '5', '18446744073709551615', -1, -0, 0.5, NaN, Infinity, -Infinity, 1e308, 10n, 2n ** 64n - 1n, null, undefined, 'nan', {}, []]);
}

function entry(r: Rng): unknown {
  if (r.chance(0.05)) return odd(r);
  const e: Record<string, unknown> = { key: r.chance(0.08) ? odd(r) : str(r, KEYS), value: r.chance(0.08) ? odd(r) : str(r, VALUES) };
  if (r.chance(0.05)) delete e[r.pick(['key', 'value'])];
  return e;
}

function descriptor(r: Rng, many: boolean): unknown {
  if (r.chance(0.04)) return odd(r);
  const n = many ? 2000 + r.int(3000) : r.int(4);
  const d: Record<string, unknown> = { entries: r.chance(0.05) ? odd(r) : Array.from({ length: n }, () => entry(r)) };
  if (r.chance(0.2)) d.limit = r.chance(0.15) ? odd(r) : { requests_per_unit: uint(r), unit: r.chance(0.15) ? odd(r) : r.pick(UNITS) };
  if (r.chance(0.2)) d.hits_addend = r.chance(0.2) ? odd(r) : r.chance(0.1) ? {} : { value: uint(r) };
  return d;
}

/** A RateLimitRequest as a JS object (the fuzzer also sends it through the proto when it encodes). */
export function genRlsRequest(r: Rng): any {
  if (r.chance(0.02)) return odd(r);
  // at most one of: thousands of descriptors, or one descriptor with thousands of entries
  const size = r.int(40);
  const count = size === 0 ? 200 + r.int(3000) : 1 + r.int(4);
  const many = size === 1 ? r.int(count) : -1;
  const req: Record<string, unknown> = {
    domain: r.chance(0.06) ? odd(r) : r.chance(0.1) ? str(r, DOMAINS) : r.pick(DOMAINS),
    descriptors: r.chance(0.04) ? odd(r) : Array.from({ length: count }, (_, i) => descriptor(r, i === many)),
  };
  if (r.chance(0.3)) req.hits_addend = uint(r);
  if (r.chance(0.03)) delete req[r.pick(['domain', 'descriptors'])];
  return req;
}
