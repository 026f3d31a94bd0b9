// Package demo writes the self-contained repository `feast-go init` creates:
// feature_store.yaml (embedded SQLite online store, file registry), YAML
// definitions, and deterministic sample data in local Iceberg tables.
package demo
