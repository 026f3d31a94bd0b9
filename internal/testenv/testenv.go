// Package testenv finds the real peers tests run against (Feast's Python in a
// virtualenv, redis-server, the Iceberg REST catalog) and decides what a test
// does when one is missing: skip on a developer's machine, fail in CI (CI=true
// or FEAST_GO_TEST_DISALLOW_SKIP=1), so CI never skips a test silently.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// DisallowSkip reports whether missing peers must fail tests instead of skipping them.
func DisallowSkip() bool {
	return os.Getenv("CI") == "true" || os.Getenv("FEAST_GO_TEST_DISALLOW_SKIP") == "1"
}

// Missing skips t, or fails it where skipping is not allowed.
func Missing(t testing.TB, what string) {
	t.Helper()
	if DisallowSkip() {
		t.Fatalf("%s is required here (CI=true or FEAST_GO_TEST_DISALLOW_SKIP=1) but missing", what)
	}
	t.Skipf("%s not available; set it up with `bash .ci/run` (see README)", what)
}

// FeastPython returns the Python interpreter of a virtualenv with feast==0.67.0
// installed: $FEAST_GO_PYTHON, else ~/.cache/feast-go/venv/bin/python when it exists.
func FeastPython(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("Feast interop tests do not run with -short")
	}
	p := os.Getenv("FEAST_GO_PYTHON")
	if p == "" {
		home, _ := os.UserHomeDir()
		p = filepath.Join(home, ".cache", "feast-go", "venv", "bin", "python")
	}
	if _, err := os.Stat(p); err != nil {
		Missing(t, "Feast 0.67 in a virtualenv (FEAST_GO_PYTHON)")
	}
	return p
}

// RepoRoot is the module root (where go.mod is), for reaching testdata.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Run runs a command and fails the test with its output if it fails.
func Run(t testing.TB, dir, name string, args ...string) string {
	t.Helper()
	c := exec.Command(name, args...)
	c.Dir = dir
	out, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v in %s: %v\n%s", name, args, dir, err, out)
	}
	return string(out)
}

// CopyDir copies a folder tree (small test fixtures) into dst.
func CopyDir(t testing.TB, src, dst string) {
	t.Helper()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
}
