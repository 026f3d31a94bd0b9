package demo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// Rewriting a demo replaces it; a foreign catalog and links out of the folder are refused.
func TestWriteGuardsWhatIsNotItsOwn(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := Write(ctx, dir, now); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(ctx, dir, now); err != nil {
		t.Errorf("rewriting its own demo: %v", err)
	}

	foreign := t.TempDir()
	if err := os.MkdirAll(filepath.Join(foreign, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(foreign, "data", "catalog.db"), []byte("someone's catalog"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(ctx, foreign, now); err == nil || !strings.Contains(err.Error(), "was not written by feast-go init") {
		t.Errorf("a foreign catalog: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(foreign, "data", "catalog.db")); string(b) != "someone's catalog" {
		t.Error("the foreign catalog was touched")
	}

	linked := t.TempDir()
	outside := filepath.Join(t.TempDir(), "precious.yaml")
	if err := os.WriteFile(outside, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(linked, "feature_store.yaml")); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(ctx, linked, now); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("a link out of the folder: %v", err)
	}
	if b, _ := os.ReadFile(outside); string(b) != "keep" {
		t.Error("init wrote through the link")
	}
}

// A demo used from another folder than the one init wrote it in is named as
// a copy; the folder itself, through a link too, and folders init did not
// write, are not.
func TestCheckNotCopied(t *testing.T) {
	orig := t.TempDir()
	if _, err := Write(context.Background(), orig, now); err != nil {
		t.Fatal(err)
	}
	copied := t.TempDir()
	b, err := os.ReadFile(filepath.Join(orig, demoMarker))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(copied, demoMarker), b, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(orig, link); err != nil {
		t.Fatal(err)
	}
	older := t.TempDir() // an init before the marker said where
	if err := os.WriteFile(filepath.Join(older, demoMarker), []byte("written by feast-go init\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		dir    string
		copied bool
	}{{orig, false}, {link, false}, {copied, true}, {older, false}, {t.TempDir(), false}} {
		err := CheckNotCopied(tt.dir)
		if errors.Is(err, ErrCopied) != tt.copied || (err != nil && !tt.copied) {
			t.Errorf("%s: %v, want copied=%v", tt.dir, err, tt.copied)
		}
		if tt.copied && (err == nil || !strings.Contains(err.Error(), orig) || !strings.Contains(err.Error(), "init --force")) {
			t.Errorf("%s: the error does not name the original and the way out: %v", tt.dir, err)
		}
	}
}
