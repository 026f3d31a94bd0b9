package cmd

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/feast-go/feast-go/materialize"
	"github.com/feast-go/feast-go/push"
	"github.com/feast-go/feast-go/registry"
)

// Exit codes, documented in README.md and in `feast-go --help`.
const (
	ExitOK          = 0
	ExitError       = 1
	ExitUsage       = 2
	ExitPartial     = 3
	ExitStale       = 4
	ExitLockHeld    = 5
	ExitInterrupted = 130
)

// usageError is a bad flag or argument: exit 2, with a pointer to --help.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usageErrorf(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// exitCode maps an error to the process exit code. It is the one place that does.
func exitCode(err error) int {
	var usage usageError
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.As(err, &usage), errors.Is(err, materialize.ErrShardMismatch):
		return ExitUsage
	case errors.Is(err, materialize.ErrPartial):
		return ExitPartial
	case isStale(err):
		return ExitStale
	case errors.Is(err, materialize.ErrLockHeld):
		return ExitLockHeld
	}
	return ExitError
}

// hint adds advice to errors people can act on; helpPath is the command
// whose help a usage error points to.
func hint(err error, helpPath string) string {
	var usage usageError
	switch {
	case errors.As(err, &usage):
		return "run `" + cmp.Or(helpPath, "feast-go") + " --help` for usage"
	case errors.Is(err, registry.ErrNoConfig):
		return "feast-go runs in a Feast feature repository; `feast-go init demo` writes one"
	case errors.Is(err, registry.ErrNoRegistry):
		return "run `feast-go apply` (or `feast apply`) in the repository first"
	case errors.Is(err, materialize.ErrLockHeld):
		return "another feast-go run is materializing these views; `feast-go status` shows their state. If that run is gone, --force"
	case isStale(err):
		return "run `feast-go materialize-incremental now`, or see why the last runs failed: `feast-go status --runs 10`"
	case errors.Is(err, push.ErrOfflinePending):
		return "the online rows landed; re-run the same push with `--to offline` to append them to the table"
	}
	return ""
}

// exit reports err on stderr (and as a JSON error record on stdout with
// --json) and returns the exit code.
func (e *Env) exit(err error) int {
	code := exitCode(err)
	if err == nil {
		return code
	}
	msg := err.Error()
	if code == ExitInterrupted {
		name := e.command
		if name == "" {
			name = "feast-go"
		}
		msg = fmt.Sprintf("%s interrupted after %s", name, e.Now().Sub(e.started).Round(time.Millisecond))
	}
	_, _ = fmt.Fprintf(e.IO.ErrOut, "Error: %s\n", msg)
	h := hint(err, e.helpPath)
	if h != "" {
		_, _ = fmt.Fprintf(e.IO.ErrOut, "Hint: %s\n", h)
	}
	if e.Printer != nil {
		_ = e.Printer.Error(msg, h, code)
	}
	return code
}
