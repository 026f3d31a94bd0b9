// Package runlog describes a finished run of feast-go (which views it
// materialized or pushed, how many rows, its outcome and exit code) as one
// Record, and keeps a bounded history of Records in the online store, next
// to the features (onlinestore.RunLog): a Redis list or a SQLite table that
// Feast never reads. `feast-go status --runs N` reads it back; the metrics
// are built from the same Record.
package runlog
