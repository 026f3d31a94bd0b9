package cmd

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/feast-go/feast-go/registry"
)

// Exit codes, documented in README.md and in `feast-go --help`.
const (
	ExitOK          = 0
	ExitError       = 1
	ExitUsage       = 2
	ExitPartial     = 3
	ExitInterrupted = 130
)

// usageError is a bad flag or argument: exit 2, with a pointer to --help.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usageErrorf(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// PartialError is a run in which some feature views failed and others landed.
type PartialError struct {
	Failed []string
	Err    error
}

func (p *PartialError) Error() string { return p.Err.Error() }
func (p *PartialError) Unwrap() error { return p.Err }

// exitCode maps an error to the process exit code. It is the one place that does.
func exitCode(err error) int {
	var usage usageError
	var partial *PartialError
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.As(err, &usage):
		return ExitUsage
	case errors.As(err, &partial):
		return ExitPartial
	}
	return ExitError
}

// hint adds advice to errors people can act on.
func hint(err error) string {
	var usage usageError
	switch {
	case errors.As(err, &usage):
		return "run `feast-go --help` for usage"
	case errors.Is(err, registry.ErrNoConfig):
		return "feast-go runs in a Feast feature repository; `feast-go init demo` writes one"
	case errors.Is(err, registry.ErrNoRegistry):
		return "run `feast-go apply` (or `feast apply`) in the repository first"
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
	h := hint(err)
	if h != "" {
		_, _ = fmt.Fprintf(e.IO.ErrOut, "Hint: %s\n", h)
	}
	if e.Printer != nil && e.Printer.JSON {
		_ = e.Printer.Record(map[string]any{"message_type": "error", "error": msg, "hint": h, "exit_code": code})
	}
	return code
}
