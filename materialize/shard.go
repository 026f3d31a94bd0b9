package materialize

import (
	"errors"
	"fmt"
	"hash/crc32"
	"strconv"
	"strings"
)

// Shard is one part of a sharded run: shard Index of Count. Work is split by
// entity: a shard keeps the rows whose serialized entity key (join keys and
// values, without the project) hashes to its index (CRC-32C modulo Count).
// Every shard scans the whole window and drops the others' rows as it
// reads them, so an entity's rows, in every view, are all in one shard:
// the newest row wins as in a single run, in compare-and-set mode and with
// skip_dedup, and a shard rebuilds the vectors of exactly its entities.
// Memory per shard falls with Count; the scan does not.
type Shard struct{ Index, Count int }

// ErrShardMismatch is a shard whose --shard or arguments disagree with its
// run's plan, or a --shard value that does not parse.
var ErrShardMismatch = errors.New("shard does not match its run")

// MaxShards bounds Count: far more shards than any run needs, few enough
// that a run's record stays small.
const MaxShards = 1024

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ParseShard reads "I/N" (0 <= I < N). With I left out ("/N"), I is
// jobIndex (Kubernetes' JOB_COMPLETION_INDEX), which must then be set; an
// I that contradicts a jobIndex that is set is refused, since every pod of
// the Job would then run the same shard.
func ParseShard(s, jobIndex string) (Shard, error) {
	is, ns, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Shard{}, fmt.Errorf("%q: expected I/N, the shard's index and the number of shards (0/4, or /4 with JOB_COMPLETION_INDEX set)", s)
	}
	n, err := strconv.Atoi(ns)
	if err != nil || n < 1 || n > MaxShards {
		return Shard{}, fmt.Errorf("%q: the number of shards must be a whole number from 1 to %d", s, MaxShards)
	}
	switch {
	case is == "" && jobIndex == "":
		return Shard{}, fmt.Errorf("%q: the shard's index is left out and JOB_COMPLETION_INDEX is not set", s)
	case is == "":
		is = jobIndex
	case jobIndex != "" && strings.TrimSpace(jobIndex) != is:
		return Shard{}, fmt.Errorf("%q: JOB_COMPLETION_INDEX is %s; in an Indexed Job leave the index out (/%s) so that every pod runs its own shard", s, jobIndex, ns)
	}
	i, err := strconv.Atoi(is)
	if err != nil || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("%q: the shard's index must be a whole number from 0 to %d", is+"/"+ns, n-1)
	}
	return Shard{Index: i, Count: n}, nil
}

func (s Shard) String() string { return strconv.Itoa(s.Index) + "/" + strconv.Itoa(s.Count) }

// Owns reports whether an entity (its serialized key) is this shard's.
func (s Shard) Owns(key []byte) bool {
	return s.Count <= 1 || int(crc32.Checksum(key, castagnoli)%uint32(s.Count)) == s.Index
}
