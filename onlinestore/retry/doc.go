// Package retry retries idempotent calls on transient failures with
// exponential backoff: one policy for every online store (a decorator around
// onlinestore.Store) and for the feature server client. What is transient is
// decided with errors.Is, never by matching error text: a store wraps the
// failures worth retrying with onlinestore.ErrConnection.
package retry
