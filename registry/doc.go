// Package registry is feast-go's model of a Feast feature repository: the
// feature_store.yaml configuration (Config), the Feast object model (Entity,
// DataSource, FeatureView, FeatureService), the stores that hold it, the
// declarative YAML definitions that `feast-go apply` reads, and the plan that
// apply prints.
//
// A Store is one of Feast 0.67's registry kinds: a file (registry.db, one
// serialized feast.core.Registry) on a local disk (FileStore) or in S3 or GCS
// (BlobStore); Feast's SQL registry, one row per object (SQLStore); or Feast's
// registry server over gRPC (RemoteStore). Every Update is safe against other
// feast-go writers: a file lock, a conditional write, a row-locking
// transaction, or the server's own ApplyMaterialization. Cache keeps a read
// for long-running readers, as Feast's caching registry does.
//
// The registry is read and written in Feast 0.67's wire format (see
// registry/feastpb). Objects and fields feast-go does not model are kept as
// they are on every read-modify-write, so a registry written by `feast apply`
// stays readable by Feast after feast-go touched it.
//
// This package never imports cobra, viper or any terminal library; cmd wires it.
package registry
