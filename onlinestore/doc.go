// Package onlinestore holds Feast's online-store byte encodings — entity keys
// (serialization versions 1–3), hash-field names (murmur3 x86_32, seed 0,
// little-endian) and `_ts:<view>` timestamps — written byte for byte as Feast
// 0.67 writes them, so Feast's feature servers read what feast-go stores.
//
// The store interface and the Redis and SQLite stores land with issues #4 and #8.
package onlinestore
