// Package catalog opens Apache Iceberg catalogs through a process-wide cache
// and scans a feature view's time window into a stream of Arrow record
// batches.
//
// A Cache holds one catalog per distinct normalized configuration (type,
// name, uri, warehouse, sorted properties; credentials are part of the key
// but never printed) and one loaded table per identifier: 20 feature views
// over 3 tables make 1 catalog load and 3 table loads. Concurrent first users
// wait on a single load. Counters (catalog loads, table loads, REST requests)
// feed tests, run summaries and --json.
//
// ScanView resolves the source columns a feature view needs (join keys,
// features, event and created timestamps, field_mapping applied), checks the
// table schema before reading any row, pushes `ts >= start AND ts <= end`
// (inclusive, as Feast) down to Iceberg's partition, file and row-group
// pruning, and streams only the needed columns with bounded concurrency.
//
// ~/.iceberg-go.yaml is never consulted: every catalog is built from the
// repository's own settings.
package catalog
