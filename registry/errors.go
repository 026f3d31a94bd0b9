package registry

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNotFound is returned when a named object is not in the registry.
var ErrNotFound = errors.New("not found")

// ObjectError wraps an error with the registry object it concerns.
type ObjectError struct {
	Kind  string // "feature view", "data source", ...
	Name  string
	Err   error
	Known []string // for ErrNotFound: the names there are
}

func (e *ObjectError) Error() string {
	msg := fmt.Sprintf("%s %q: %v", e.Kind, e.Name, e.Err)
	if errors.Is(e.Err, ErrNotFound) {
		if len(e.Known) == 0 {
			return msg + " (the project has none)"
		}
		return msg + " (expected one of: " + strings.Join(e.Known, ", ") + ")"
	}
	return msg
}
func (e *ObjectError) Unwrap() error { return e.Err }

// ValidationErrors are all problems found in a set of definitions, reported together.
type ValidationErrors []error

func (v ValidationErrors) Error() string {
	if len(v) == 1 {
		return v[0].Error()
	}
	s := fmt.Sprintf("%d problems in the definitions:", len(v))
	for _, e := range v {
		s += "\n  " + e.Error()
	}
	return s
}

// Unwrap lets errors.As find an InputError inside.
func (v ValidationErrors) Unwrap() []error { return v }

// IsInputError reports whether err is bad user input (a config or definitions file).
func IsInputError(err error) bool {
	var ie *InputError
	return errors.As(err, &ie)
}
