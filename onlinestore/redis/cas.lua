-- Writes one feature view row of one entity only if it is newer than the
-- stored one (Feast's rule: skip when stored != 0 and new <= stored).
-- KEYS[1]  the entity's hash
-- ARGV[1]  the _ts:<view> field
-- ARGV[2]  new event time, whole seconds;  ARGV[3] its nanoseconds
-- ARGV[4]  key TTL in seconds (0: none)
-- ARGV[5…] field, value pairs to HSET (the _ts field among them)
local function varint(s, pos)
  local result, mult = 0, 1
  while pos <= #s do
    local b = string.byte(s, pos)
    pos = pos + 1
    result = result + (b % 128) * mult
    if b < 128 then return result, pos end
    mult = mult * 128
  end
  return nil, pos
end

-- A google.protobuf.Timestamp: field 1 seconds, field 2 nanos, both varints.
local function timestamp(s)
  local secs, nanos, pos = 0, 0, 1
  while pos <= #s do
    local tag = string.byte(s, pos)
    local v
    v, pos = varint(s, pos + 1)
    if v == nil then break end
    if tag == 8 then secs = v elseif tag == 16 then nanos = v end
  end
  if secs >= 9223372036854775808 then secs = secs - 18446744073709551616 end
  return secs, nanos
end

local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  local cs, cn = timestamp(cur)
  local ns, nn = tonumber(ARGV[2]), tonumber(ARGV[3])
  if (cs ~= 0 or cn ~= 0) and (ns < cs or (ns == cs and nn <= cn)) then
    return 0
  end
end
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
if tonumber(ARGV[4]) > 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[4])
end
return 1
