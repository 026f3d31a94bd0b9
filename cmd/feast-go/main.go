// Command feast-go does Feast's scheduled work — materialization and
// precomputed feature vectors — against an existing Feast repository.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/feast-go/feast-go/cmd"
)

// Set by -ldflags at release time (see .goreleaser.yaml).
var (
	version string
	commit  string
	date    string
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	endProfiles := startProfiles()
	code := cmd.Main(ctx, os.Args[1:], cmd.SystemDeps(cmd.BuildInfo{Version: version, Commit: commit, Date: date}))
	endProfiles()
	stop()
	os.Exit(code)
}
