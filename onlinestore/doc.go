// Package onlinestore holds Feast's online-store byte encodings — entity keys
// (serialization versions 1–3), hash-field names (murmur3 x86_32, seed 0,
// little-endian) and `_ts:<view>` timestamps — written byte for byte as Feast
// 0.67 writes them, so Feast's feature servers read what feast-go stores.
//
// Store is what every flow writes and reads through; the backends are
// onlinestore/{redis,sqlite,remote}. Beside Feast's rows a writable store
// keeps feast-go's own records, outside Feast's key space: the ledgers of
// owed vectors and view claims (ledger.go, hold.go), the run history, and
// the board of sharded runs (board.go). KeyGroups tells a writer which rows
// to hand over together (a Redis Cluster's hash slots).
package onlinestore
