-- Writes one feature view row of each of many entities, each only if it is
-- newer than the stored one; returns the 0-based indexes of the rows it
-- skipped, in order. (In a cluster the keys of one call share a hash slot.)
-- KEYS[i]  entity i's hash
-- ARGV[1]  the _ts:<view> field;  ARGV[2] key TTL in seconds (0: none)
-- ARGV[3]  n, the fields per row;  ARGV[4 … 3+n] their names (the _ts field among them)
-- then per entity i: its event time's whole seconds and nanoseconds, and its n values
local ttl, n = tonumber(ARGV[2]), tonumber(ARGV[3])
local skipped = {}
local pairs_ = {}
for i, key in ipairs(KEYS) do
  local off = 4 + n + (i - 1) * (n + 2)
  if not older(redis.call('HGET', key, ARGV[1]), tonumber(ARGV[off]), tonumber(ARGV[off + 1])) then
    for j = 1, n do
      pairs_[2 * j - 1] = ARGV[3 + j]
      pairs_[2 * j] = ARGV[off + 1 + j]
    end
    redis.call('HSET', key, unpack(pairs_, 1, 2 * n))
    if ttl > 0 then
      redis.call('EXPIRE', key, ttl)
    end
  else
    skipped[#skipped + 1] = i - 1
  end
end
return skipped
