-- Shared by the compare-and-set scripts: reading the stored _ts (a serialized
-- google.protobuf.Timestamp) and Feast's rule for a write: skip when the stored
-- time is set and the new one is not later.

-- A varint at pos: its value and the position after it (nil when s ends
-- first). Up to five bytes (below 2^35: every time from 1970 to 3058, and
-- every nanosecond count) come from one string.byte call, which is most of
-- what decoding costs in Lua; longer varints go on byte by byte.
local function varint(s, pos)
  local b1, b2, b3, b4, b5 = string.byte(s, pos, pos + 4)
  if not b1 then return nil, pos end
  if b1 < 128 then return b1, pos + 1 end
  if not b2 then return nil, pos + 1 end
  local v = b1 - 128
  if b2 < 128 then return v + b2 * 128, pos + 2 end
  if not b3 then return nil, pos + 2 end
  v = v + (b2 - 128) * 128
  if b3 < 128 then return v + b3 * 16384, pos + 3 end
  if not b4 then return nil, pos + 3 end
  v = v + (b3 - 128) * 16384
  if b4 < 128 then return v + b4 * 2097152, pos + 4 end
  if not b5 then return nil, pos + 4 end
  v = v + (b4 - 128) * 2097152
  if b5 < 128 then return v + b5 * 268435456, pos + 5 end
  v = v + (b5 - 128) * 268435456
  local mult = 34359738368
  pos = pos + 5
  while pos <= #s do
    local b = string.byte(s, pos)
    pos = pos + 1
    v = v + (b % 128) * mult
    if b < 128 then return v, pos end
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

local function older(cur, ns, nn)
  if not cur then return false end
  local cs, cn = timestamp(cur)
  return (cs ~= 0 or cn ~= 0) and (ns < cs or (ns == cs and nn <= cn))
end
