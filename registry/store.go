package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Store is where a registry lives: a file on a local disk or in object
// storage, a SQL database, or Feast's registry server. Every kind holds the same
// Registry; what differs is how a write is made safe against other writers.
type Store interface {
	// Read loads the registry. A registry that was never written is ErrNoRegistry.
	Read(ctx context.Context) (*Registry, error)
	// Update runs fn on the current registry (a new one if none exists) and
	// writes the result if fn succeeds, atomically with respect to every other
	// feast-go writer of the same registry: no update is lost. fn returning
	// ErrNoChange skips the write; any other error aborts it and is returned.
	// fn may run more than once when a store retries after a conflict.
	Update(ctx context.Context, fn func(*Registry) error) error
	// Location names the registry for people, with any secret removed.
	Location() string
	// Close releases connections.
	Close() error
}

// runUpdate runs an Update's fn on r and reports whether there is anything
// to write: false when fn returned ErrNoChange.
func runUpdate(r *Registry, fn func(*Registry) error) (bool, error) {
	if err := fn(r); err != nil {
		if errors.Is(err, ErrNoChange) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// OpenStore returns the store cfg's registry names. Nothing is read or
// connected until the first Read or Update.
func OpenStore(cfg *Config) (Store, error) {
	c := cfg.Registry
	switch c.Type {
	case "file":
		if strings.HasPrefix(c.Path, "s3://") || strings.HasPrefix(c.Path, "gs://") {
			return OpenBlobStore(c.Path)
		}
		if i := strings.Index(c.Path, "://"); i > 0 {
			return nil, fmt.Errorf("registry %s: %w: scheme %q (expected a local path, s3:// or gs://)", RedactURI(c.Path), ErrUnsupportedRegistry, c.Path[:i])
		}
		return &FileStore{Path: c.Path}, nil
	case "sql":
		return OpenSQLStore(c, cfg.Project, cfg.Dir)
	case "remote":
		return OpenRemoteStore(c, cfg.Project)
	}
	return nil, fmt.Errorf("registry_type %q at %s: %w (expected file, sql or remote)", c.Type, RedactURI(c.Path), ErrUnsupportedRegistry)
}

// ErrRegistryUnreadable is a registry that could not be reached or read.
var ErrRegistryUnreadable = errors.New("registry unavailable")

// unavailable is a store that failed to answer: an error naming the
// registry, what failed, the cause (detail: its text, secrets removed) and
// what to check, which unwraps to ErrRegistryUnreadable and the cause. A
// cancelled context (an interrupt) is reported as it is; a timeout is the
// store not answering.
func unavailable(location, what string, err error, detail, hint string) error {
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("registry %s: %s: %w", location, what, err)
	}
	return &storeError{msg: fmt.Sprintf("registry %s: %s: %v: %s (%s)", location, what, ErrRegistryUnreadable, detail, hint), err: err}
}

// storeError is a store failure: its message is redacted, and it unwraps to
// ErrRegistryUnreadable and the driver's error.
type storeError struct {
	msg string
	err error
}

func (e *storeError) Error() string   { return e.msg }
func (e *storeError) Unwrap() []error { return []error{ErrRegistryUnreadable, e.err} }
