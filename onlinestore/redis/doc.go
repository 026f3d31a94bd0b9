// Package redis is feast-go's Redis online store in Feast 0.67's exact layout:
// one hash per (entity key, project), 4-byte murmur3 field names, `_ts:<view>`
// timestamps and serialized Values (see onlinestore). It writes through
// pipelines on several connections; by default a Lua script compares the
// stored `_ts` and writes a row only when it is newer, atomically inside Redis,
// so concurrent or retried runs never regress data (Feast's own writer reads,
// then writes); one script call decides up to 100 rows (in a cluster, rows of
// one hash slot, which the writer hands over together: KeyGroups).
// Standalone, cluster (pipelines per node) and sentinel deployments are
// supported, with connection strings parsed as Feast parses them. The board
// (board.go) keeps the plan and progress of sharded runs.
//
// go-redis is the client for everything but the bulk path to a standalone
// server: there, WriteView and ReadViews append their commands to one buffer
// and parse the replies in place over connections of their own (lean.go,
// resp.go), which costs a quarter of go-redis's client CPU a row. Cluster and
// sentinel deployments, whose routing and failover go-redis knows, keep it.
package redis
