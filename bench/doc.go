// Package bench measures online reads as a model server sees them: latency
// percentiles per batch size and throughput with concurrent workers, for the
// regular path (every view of the request in one round trip) and the
// precomputed path (one vector per entity), read directly from the online
// store or from a Feast feature server over pooled HTTP. A built-in check
// reads a sample of entities both ways and reports any difference (a stale
// vector). Timings are measured, never asserted.
package bench
