package cmd

import (
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams are the process's standard streams and whether they are terminals.
type IOStreams struct {
	In        io.Reader
	Out       io.Writer
	ErrOut    io.Writer
	StdoutTTY bool
	StderrTTY bool
	// ErrWidth is the width of the stderr terminal now (0: unknown).
	ErrWidth func() int
}

// SystemIO returns the real standard streams.
func SystemIO() *IOStreams {
	return &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		StdoutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		StderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
		ErrWidth: func() int {
			w, _, err := term.GetSize(int(os.Stderr.Fd()))
			if err != nil {
				return 0
			}
			return w
		},
	}
}
