import { COUNTER_MAX } from './types.js';

/**
 * The one script behind every Redis decision (loaded once, called by SHA: ioredis defineCommand sends
 * EVALSHA and falls back to EVAL on NOSCRIPT, e.g. after a Redis restart).
 *
 * KEYS: two per op (key, key2).  ARGV: mode (0 independent, 1 all-or-nothing), now (ms), then six per op:
 * kind (1 fixed, 2 sliding, 3 GCRA), a, hits, p, ttl_ms, shadow (1/0) — see store/types.ts CounterOp.
 * Returns three values per op: ok (1/0), x, y (as strings: %.17g keeps every bit of a double).
 * Ops on one counter in one call see the ops before them (`seen`: what each would leave in the counter),
 * as envoyproxy/ratelimit's pipelined INCRBYs do when Envoy sends one descriptor twice.
 * An op with 0 hits writes nothing; a fixed-window count saturates at cap = COUNTER_MAX (2^52, see
 * store/types.ts), and INCRBY gets its increment as an integer string (Lua would print 2^52 as 4.5e+15).
 * Mirrors MemoryCounterStore.decide operation for operation (same IEEE double arithmetic, GCRA times in
 * whole microseconds rounded the same way), so both stores give identical answers.
 */
export const DECIDE_LUA = `
local cap = ${COUNTER_MAX}
local mode = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
local n = #KEYS / 2
local ok, v1, v2 = {}, {}, {}
local all = true
local seen = {}
local function read(key)
  local v = seen[key]
  if v == nil then v = tonumber(redis.call('GET', key) or '0') end
  return v
end
for i = 1, n do
  local b = 2 + (i - 1) * 6
  local kind = tonumber(ARGV[b + 1])
  local a = tonumber(ARGV[b + 2])
  local hits = tonumber(ARGV[b + 3])
  local p = tonumber(ARGV[b + 4])
  local k = KEYS[2 * i - 1]
  if kind == 1 then
    v1[i] = read(k)
    ok[i] = v1[i] + hits <= a
    seen[k] = v1[i] + math.min(hits, cap - v1[i])
  elseif kind == 2 then
    v1[i] = read(k)
    v2[i] = read(KEYS[2 * i])
    ok[i] = v2[i] * p + v1[i] + hits <= a + 1e-9
    if ok[i] and hits > 0 then seen[k] = v1[i] + hits end
  else
    local now_us = now * 1000
    local tat = read(k)
    if tat < now_us then tat = now_us end
    v2[i] = tat
    v1[i] = math.floor(tat + hits * a + 0.5)
    ok[i] = v1[i] - p <= now_us
    if ok[i] and hits > 0 then seen[k] = v1[i] end
  end
  if (not ok[i]) and ARGV[b + 6] ~= '1' then all = false end
end
local commit = mode == 0 or all
local out = {}
for i = 1, n do
  local b = 2 + (i - 1) * 6
  local kind = tonumber(ARGV[b + 1])
  local hits = tonumber(ARGV[b + 3])
  local ttl = tonumber(ARGV[b + 5])
  local k = KEYS[2 * i - 1]
  local x, y = v1[i], 0
  if kind == 1 then
    local add = 0
    if commit then add = math.min(hits, cap - v1[i]) end
    if add > 0 then
      x = redis.call('INCRBY', k, string.format('%.0f', add))
      if x == add then redis.call('PEXPIRE', k, ttl) end
    end
  elseif kind == 2 then
    y = v2[i]
    if commit and ok[i] and hits > 0 then
      x = redis.call('INCRBY', k, hits)
      if x == hits then redis.call('PEXPIRE', k, ttl) end
    end
  else
    y = v1[i]
    x = v2[i]
    if commit and ok[i] and hits > 0 then
      x = v1[i]
      redis.call('SET', k, string.format('%.0f', x), 'PX', math.ceil((x - now * 1000) / 1000) + 1000)
    end
  end
  out[#out + 1] = ok[i] and 1 or 0
  out[#out + 1] = string.format('%.17g', x)
  out[#out + 1] = string.format('%.17g', y)
end
return out
`;
