/**
 * OPA's time.* builtins that the Wasm module imports from the SDK (the compiler has no native version).
 * Timestamps are ns since the epoch as JS numbers (precision ~256 ns at today's dates: fine for policy).
 * Each may throw: the caller turns a throw into "undefined", as OPA does for builtin errors.
 */

/** The evaluation clock: set once per evaluation so time.now_ns() is constant within it, as in OPA. */
export const evalClock = { nowNs: 0 };

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MAX_ZONES = 64;
const zones = new Map<string, Intl.DateTimeFormat>();

interface Civil { year: number; month: number; day: number; hour: number; minute: number; second: number; weekday: number }

function zoneFormat(tz: string): Intl.DateTimeFormat {
  let f = zones.get(tz);
  if (f === undefined) {
    // throws RangeError for an unknown zone
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short',
    });
    if (zones.size >= MAX_ZONES) zones.delete(zones.keys().next().value!);
    zones.set(tz, f);
  }
  return f;
}

const SHORT_DAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** x is ns or [ns, tz] ("" and "UTC" mean UTC, "Local" the process's zone, else an IANA name). */
function civil(x: unknown): Civil {
  let ns: unknown = x;
  let tz = 'UTC';
  if (Array.isArray(x)) {
    if (x.length !== 2 || typeof x[1] !== 'string') throw new TypeError('expected [ns, timezone]');
    ns = x[0];
    tz = x[1] === '' ? 'UTC' : x[1];
  }
  if (typeof ns !== 'number' || !Number.isFinite(ns)) throw new TypeError('expected a number of nanoseconds');
  const ms = Math.floor(ns / 1e6);
  if (tz === 'UTC') {
    const d = new Date(ms);
    if (Number.isNaN(d.getTime())) throw new RangeError('time out of range');
    return {
      year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(),
      hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), weekday: d.getUTCDay(),
    };
  }
  if (tz === 'Local') tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const out: Partial<Civil> = {};
  for (const p of zoneFormat(tz).formatToParts(new Date(ms))) {
    switch (p.type) {
      case 'year': out.year = Number(p.value); break;
      case 'month': out.month = Number(p.value); break;
      case 'day': out.day = Number(p.value); break;
      case 'hour': out.hour = Number(p.value); break;
      case 'minute': out.minute = Number(p.value); break;
      case 'second': out.second = Number(p.value); break;
      case 'weekday': out.weekday = SHORT_DAYS[p.value]; break;
      default: break;
    }
  }
  return out as Civil;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

export function parseRfc3339Ns(s: unknown): number {
  if (typeof s !== 'string') throw new TypeError('expected a string');
  const m = RFC3339.exec(s);
  if (!m) throw new RangeError('not an RFC 3339 timestamp');
  const [, y, mo, d, h, mi, sec, frac, zone] = m;
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(sec);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) throw new RangeError('field out of range');
  let ms = Date.UTC(Number(y), month - 1, day, hour, minute, second);
  if (new Date(ms).getUTCDate() !== day) throw new RangeError('no such day');
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone![0] === '-' ? -1 : 1;
    ms -= sign * (Number(zone!.slice(1, 3)) * 60 + Number(zone!.slice(4, 6))) * 60_000;
  }
  const fracNs = frac ? Number(frac.slice(1).padEnd(9, '0')) : 0;
  return ms * 1e6 + fracNs;
}

export const timeBuiltins: Record<string, (...args: any[]) => unknown> = {
  'time.now_ns': () => evalClock.nowNs,
  'time.clock': (x: unknown) => { const c = civil(x); return [c.hour, c.minute, c.second]; },
  'time.date': (x: unknown) => { const c = civil(x); return [c.year, c.month, c.day]; },
  'time.weekday': (x: unknown) => WEEKDAYS[civil(x).weekday],
  'time.parse_rfc3339_ns': parseRfc3339Ns,
};
