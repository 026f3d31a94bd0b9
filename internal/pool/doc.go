// Package pool runs one producer and a fixed number of workers over a
// channel: the pattern of every concurrent write and rebuild in feast-go,
// written once. The first error cancels the others; nothing blocks after it.
package pool
