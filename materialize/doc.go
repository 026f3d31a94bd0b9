// Package materialize moves the latest feature values of each online feature
// view from its Iceberg batch source to the online store, with Feast's
// semantics (which views, inclusive windows, incremental starts) and without
// its failure modes: memory grows with distinct entities, not rows; writes are
// newer-wins and idempotent; a view's interval is recorded in the registry
// only after every one of its writes was acknowledged, so an error, Ctrl-C or
// kill never advances the watermark and a rerun converges.
//
// Plan builds the per-view windows; Runner.Run executes them (scan → latest
// per entity → encode → concurrent writes → record) and then rebuilds the
// precomputed vectors of the entities it wrote. Latest and Writer are the
// halves push shares. Where no vector is built from a view's rows and the
// store takes rows in any order, the Latest keeps only which row of each
// entity is the newest, and the writes read the view's files a second time
// to stream those rows (stream.go); Options.ReadOnce holds them instead. The Writer hands the Latest of a view that a
// precomputed service reads to the service's Tracker, with the rows the
// store took marked, so the vectors are built from memory; on a store that
// writes riders, the rows of the last view of a service carry its vectors,
// and Run starts that view once the service's other views are written.
//
// A run can be one shard of many (Options.Sharding; shard.go splits the
// entities, shardrun.go keeps one plan and one commit per run id on the
// online store's run board), for a Kubernetes Indexed Job.
package materialize
