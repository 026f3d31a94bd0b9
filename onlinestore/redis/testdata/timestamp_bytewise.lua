-- The decoder of cas_common.lua before it read five bytes a call: the reference
-- TestTimestampDecoder holds the faster one to, on every input.
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
