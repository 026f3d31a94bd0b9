-- Removes one feature view's fields from an entity's hash, atomically, so
-- that a concurrent write to another view of the same entity is never lost.
-- KEYS[1]: the hash. ARGV[1]: the view's _ts field; ARGV[2..]: its feature fields.
-- The hash itself is deleted only when no view's _ts field is left in it
-- (Feast deletes a hash whose only view was this one; fields of no view go too).
-- Returns 1 when the view had a row there, else 0.
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('HDEL', KEYS[1], unpack(ARGV))
for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(f, 1, 4) == '_ts:' then
    return 1
  end
end
redis.call('DEL', KEYS[1])
return 1
