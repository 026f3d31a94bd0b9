// Package onlinestore will hold the online store interface, Feast's byte
// encodings (entity keys, field hashes, Value protos) and the Redis and SQLite
// stores. Not built yet: tracked in issues #4 and #8.
package onlinestore
