// Package registry is feast-go's model of a Feast feature repository: the
// feature_store.yaml configuration (Config), the Feast object model (Entity,
// DataSource, FeatureView, FeatureService), the file registry that stores it
// (registry.db, one serialized feast.core.Registry), the declarative YAML
// definitions that `feast-go apply` reads, and the plan that apply prints.
//
// The registry is read and written in Feast 0.67's wire format (see
// registry/feastpb). Objects and fields feast-go does not model are kept as
// they are on every read-modify-write, so a registry written by `feast apply`
// stays readable by Feast after feast-go touched it.
//
// This package never imports cobra, viper or any terminal library; cmd wires it.
package registry
