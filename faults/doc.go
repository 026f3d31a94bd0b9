// Package faults is feast-go's fault-injection suite. It drives the real
// binary against a real redis-server and injects the faults an operator
// meets: SIGKILL and SIGINT at seeded random points of each phase of a run
// (scan, write, record, vector rebuild), Redis killed and restarted with its
// data, Redis restarted empty, Redis out of memory, a concurrent apply that
// removes a view, two concurrent materializations, and pushes carrying
// out-of-range values. After every fault it checks the invariants:
//
//   - nothing hangs: every run ends within a bound;
//   - a run that exits 0 left the online store complete and right;
//   - the watermark is never ahead of the data: every view whose interval
//     is recorded holds exactly the rows of a clean run;
//   - a rerun exits 0 and leaves the online store, vectors included,
//     byte-equal to a clean run (precomputed_at aside), with no owed
//     vectors left in the ledger;
//   - a push with a bad value exits non-zero, names its line and column,
//     and writes nothing.
//
// The seed, the rounds and the data size are flags, so that a longer soak
// can run by hand (RELIABILITY.md records one):
//
//	go test ./faults -run TestFaults -faults.rounds 12 -faults.seed 7 -faults.report /tmp/soak.json -v
//
// It has no code of its own.
package faults
