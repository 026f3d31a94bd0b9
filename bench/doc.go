// Package bench will measure online read latency and throughput, regular vs
// precomputed, directly or over pooled HTTP. Not built yet: tracked in issue #7.
package bench
