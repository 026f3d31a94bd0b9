// Package materialize will plan materialization windows and run the
// scan → latest-per-entity → write → record pipeline. Not built yet: tracked
// in issue #4.
package materialize
