// Package precompute builds and reads Feast's precomputed feature vectors: for
// a FeatureService with precompute_online, one blob per entity holding every
// feature of the service, stored exactly where Feast 0.67 stores it (synthetic
// view "__precomputed__<service>", field "vector", a Value whose bytes_val is a
// serialized feast.core.PrecomputedFeatureVector), so Feast's servers read it.
//
// feast-go adds a schema fingerprint in field 1000 of the blob (fixed64; Feast's
// parser keeps it as an unknown field and ignores it): the first 8 bytes of
// SHA-256 over the service's feature names and value types, sorted by name.
// The Builder writes vectors; the Tracker collects the entities a flow wrote
// so only their vectors are rebuilt, and holds the rows the flow wrote (Kept)
// so the vectors are built from them: only the views an entity's held rows
// lack (not in the flow, or older than the stored row) are read back. Where
// the store writes riders with rows (a standalone Redis), the last view of a
// service that the flow writes carries the service's vectors in its rows'
// commands (Inline).
// Reading the vectors is package serving's job: it compares the fingerprint
// with the registry and refuses stale vectors instead of returning
// misaligned values.
package precompute
