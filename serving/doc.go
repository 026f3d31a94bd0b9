// Package serving reads a feature service's online features as a model
// would: through its precomputed vectors (strictly: a missing or stale vector
// is an error naming the entity and the command that fixes it) or view by
// view, as Feast's regular path does. Both paths answer in request order with
// Feast's field statuses. It also turns entity rows (files, or join_key=value
// flags) into serialized entity keys, for get and bench alike.
package serving
