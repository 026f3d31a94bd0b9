// Package gctune sets the garbage collector's target for a long run: a
// percentage of the live heap, as GOGC does, but never less than a floor of
// bytes above it. A low percentage keeps a large heap close to its live set;
// the floor keeps a small heap from being collected after every few
// megabytes allocated, which is most of the CPU of a run that reads many
// rows for few entities.
package gctune
