-- Writes one feature view row of one entity only if it is newer than the
-- stored one. (Redis Cluster: one key per script call.)
-- KEYS[1]  the entity's hash
-- ARGV[1]  the _ts:<view> field
-- ARGV[2]  new event time, whole seconds;  ARGV[3] its nanoseconds
-- ARGV[4]  key TTL in seconds (0: none)
-- ARGV[5…] field, value pairs to HSET (the _ts field among them)
if older(redis.call('HGET', KEYS[1], ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])) then
  return 0
end
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
if tonumber(ARGV[4]) > 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[4])
end
return 1
