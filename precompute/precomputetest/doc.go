// Package precomputetest holds the five-view fixture the precompute and
// serving tests share: views v0..v4 over driver_id, and a precomputed service
// over all of them with an alias and a subset.
package precomputetest
