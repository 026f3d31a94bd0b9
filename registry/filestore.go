package registry

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// ErrNoRegistry means the registry file does not exist yet.
var ErrNoRegistry = errors.New("registry does not exist (run `feast-go apply` first)")

// ErrUnsupportedRegistry is a registry kind feast-go cannot open.
var ErrUnsupportedRegistry = errors.New("unsupported registry")

// FileStore is Feast's file registry on a local disk: registry.db holds one
// serialized Registry. Writers take an exclusive lock on registry.db.lock for
// the whole read-modify-write, so concurrent feast-go runs never lose each
// other's updates; the new content is written to a temporary file, synced, and
// renamed over the old one, so readers (Feast included) see the old or the new
// registry, never a torn one.
type FileStore struct {
	Path string
	// Now is the clock for version stamps (time.Now when nil).
	Now func() time.Time
}

// Location is the registry file's path.
func (s *FileStore) Location() string { return s.Path }

// Close does nothing: a file store holds nothing open between calls.
func (s *FileStore) Close() error { return nil }

func (s *FileStore) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Read loads the registry. A missing file is ErrNoRegistry.
func (s *FileStore) Read(ctx context.Context) (*Registry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(s.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("registry %s: %w", s.Path, ErrNoRegistry)
	}
	if err != nil {
		return nil, fmt.Errorf("read registry: %w", err)
	}
	if len(b) == 0 { // a write that never finished elsewhere, or a placeholder
		return nil, fmt.Errorf("registry %s is empty: %w", s.Path, ErrNoRegistry)
	}
	r, err := ParseRegistry(b)
	if err != nil {
		return nil, fmt.Errorf("registry %s: %w", s.Path, err)
	}
	return r, nil
}

// Update runs fn on the current registry (a new one if none exists) under the
// writer lock and writes the result if fn succeeds. fn returning ErrNoChange
// skips the write; any other error aborts it and is returned.
func (s *FileStore) Update(ctx context.Context, fn func(*Registry) error) error {
	unlock, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	r, err := s.Read(ctx)
	if errors.Is(err, ErrNoRegistry) {
		r, err = NewRegistry(), nil
	}
	if err != nil {
		return err
	}
	if write, err := runUpdate(r, fn); !write {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := r.Marshal(s.now())
	if err != nil {
		return fmt.Errorf("encode registry: %w", err)
	}
	return writeFileAtomic(s.Path, b)
}

// ErrNoChange tells Update there is nothing to write.
var ErrNoChange = errors.New("no change")

// lock takes the exclusive writer lock, waiting while another writer holds it
// (until ctx ends).
func (s *FileStore) lock(ctx context.Context) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(s.Path), 0o755); err != nil {
		return nil, fmt.Errorf("registry folder: %w", err)
	}
	f, err := os.OpenFile(s.Path+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("registry lock: %w", err)
	}
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return func() { _ = unix.Flock(int(f.Fd()), unix.LOCK_UN); _ = f.Close() }, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			_ = f.Close()
			return nil, fmt.Errorf("registry lock %s: %w", f.Name(), err)
		}
		select {
		case <-ctx.Done():
			_ = f.Close()
			return nil, fmt.Errorf("waiting for registry lock %s: %w", f.Name(), context.Cause(ctx))
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// writeFileAtomic writes b to path through a synced temporary file and a rename.
func writeFileAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write registry: %w", err)
	}
	done := false
	defer func() {
		if !done {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(b); err != nil {
		return fmt.Errorf("write registry: %w", err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("write registry: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("sync registry: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write registry: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("replace registry: %w", err)
	}
	done = true
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
