// Package interop holds feast-go's side-by-side tests with Feast 0.67 itself
// (installed by scripts/test-deps.sh): the same repository materialized by
// Feast and by feast-go must leave the same bytes in Redis, and Feast's SDK
// must read feast-go's rows as it reads its own. It has no code of its own.
package interop
