// Package open picks and opens the online store a feature_store.yaml names
// (redis, sqlite, or a Feast feature server for reads), wrapped in the retry
// decorator. It is the only package that imports the store backends, and it
// holds the one per-store rule that is not a Store method: which stores
// delete a removed view's rows, as Feast does.
package open
