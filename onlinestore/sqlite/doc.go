// Package sqlite is Feast 0.67's embedded SQLite online store, in Feast's
// layout: one table "<project>_<view>" per feature view with a row per
// (entity key, feature) holding the serialized Value, its text form, and the
// event and created times in whole epoch seconds, as Feast's sqlite3 adapter writes them, so Feast
// reads what feast-go writes and the other way round. Unlike Feast's writer,
// an older row never replaces a newer one (the upsert compares event times).
// Pure Go (modernc.org/sqlite), WAL, batched transactions.
package sqlite
