package materialize

import (
	"errors"
	"log/slog"
	"time"
)

// Env is what a flow takes from its surroundings; the zero value is the
// real clock, an empty environment and no logs.
type Env struct {
	LookupEnv func(string) (string, bool) // for catalog credentials
	Now       func() time.Time
	Log       *slog.Logger
}

// Clock is the time now.
func (e Env) Clock() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// Lookup reads an environment variable.
func (e Env) Lookup(k string) (string, bool) {
	if e.LookupEnv != nil {
		return e.LookupEnv(k)
	}
	return "", false
}

// Logger is the log, or one that discards.
func (e Env) Logger() *slog.Logger {
	if e.Log != nil {
		return e.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Partial marks err as ErrPartial without changing its message.
func Partial(err error) error {
	if err == nil || errors.Is(err, ErrPartial) {
		return err
	}
	return partialError{err}
}

type partialError struct{ error }

func (p partialError) Unwrap() []error { return []error{p.error, ErrPartial} }
