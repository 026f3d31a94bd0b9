-- Writes one feature view row of each of many entities, each only if it is
-- newer than the stored one; returns the 0-based indexes of the rows it
-- skipped, in order. A row may carry a rider (a precomputed vector built
-- from it), written in the same HSET when the row is and the rider is newer
-- than the stored one. (In a cluster the keys of one call share a hash slot.)
-- KEYS[i]  entity i's hash
-- ARGV[1]  the _ts:<view> field;  ARGV[2] key TTL in seconds (0: none)
-- ARGV[3]  n, the fields per row;  ARGV[4 … 3+n] their names (the _ts field among them)
-- ARGV[4+n]  m, the rider's fields per row (0: no rider);  ARGV[5+n] the rider's _ts field
-- ARGV[6+n … 5+n+m]  the rider's field names (its _ts field among them)
-- then per entity i: its event time's whole seconds and nanoseconds, its n values,
-- and with a rider the rider's seconds, nanoseconds and m values (nanoseconds -1: this
-- row carries none)
local ttl, n = tonumber(ARGV[2]), tonumber(ARGV[3])
local m = tonumber(ARGV[4 + n])
local stride = n + 2
if m > 0 then stride = stride + m + 2 end
local skipped = {}
local pairs_ = {}
for i, key in ipairs(KEYS) do
  local off = 6 + n + m + (i - 1) * stride
  local cur, rcur
  if m > 0 then
    local got = redis.call('HMGET', key, ARGV[1], ARGV[5 + n])
    cur, rcur = got[1], got[2]
  else
    cur = redis.call('HGET', key, ARGV[1])
  end
  if not older(cur, tonumber(ARGV[off]), tonumber(ARGV[off + 1])) then
    for j = 1, n do
      pairs_[2 * j - 1] = ARGV[3 + j]
      pairs_[2 * j] = ARGV[off + 1 + j]
    end
    local k = 2 * n
    local roff = off + 2 + n
    local rnanos = m > 0 and tonumber(ARGV[roff + 1]) or -1
    if rnanos >= 0 and not older(rcur, tonumber(ARGV[roff]), rnanos) then
      for j = 1, m do
        pairs_[k + 2 * j - 1] = ARGV[5 + n + j]
        pairs_[k + 2 * j] = ARGV[roff + 1 + j]
      end
      k = k + 2 * m
    end
    redis.call('HSET', key, unpack(pairs_, 1, k))
    if ttl > 0 then
      redis.call('EXPIRE', key, ttl)
    end
  else
    skipped[#skipped + 1] = i - 1
  end
end
return skipped
