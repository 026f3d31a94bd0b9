package cmd

import (
	"fmt"
	"io"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func newVersionCmd(e *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			b := resolveBuild(e.Build, debug.ReadBuildInfo)
			return e.Printer.Summary("version", textReport{b, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "feast-go %s (commit %s, built %s)\n", b.Version, b.Commit, b.Date)
				return err
			}})
		},
	}
}

// resolveBuild fills what -ldflags left empty from the Go build information,
// so `go install` builds still report a version.
func resolveBuild(b BuildInfo, read func() (*debug.BuildInfo, bool)) BuildInfo {
	if info, ok := read(); ok {
		if b.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			b.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && b.Commit == "":
				b.Commit = s.Value
			case s.Key == "vcs.time" && b.Date == "":
				b.Date = s.Value
			}
		}
	}
	if b.Version == "" { // a plain `go build` of a checkout
		b.Version = "dev"
	}
	for _, f := range []*string{&b.Commit, &b.Date} {
		if *f == "" {
			*f = "unknown"
		}
	}
	return b
}
