// Package cli is the shared main of the measurement tools under
// internal/tools: flags, then one subcommand word.
package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
)

// Main parses the flags, runs the subcommand the first argument names and
// exits 1 with the tool's name on an error or an unknown subcommand.
func Main(name string, subcommands map[string]func(context.Context) error) {
	flag.Parse()
	run, ok := subcommands[flag.Arg(0)]
	if !ok {
		var names []string
		for n := range subcommands {
			names = append(names, n)
		}
		slices.Sort(names)
		fmt.Fprintf(os.Stderr, "usage: %s [flags] %s\n", name, strings.Join(names, "|"))
		os.Exit(1)
	}
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}
