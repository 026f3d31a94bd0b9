// Package cmd is feast-go's command line: one file per command, each with an
// options struct whose fields carry `opt:"key"` tags, a constructor that
// declares the flags, and a run function. It is the only package that imports
// cobra, viper and progressbar.
//
// A command enters the domain once and comes back once to print:
// options.go fills the options struct from flag > FEAST_GO_* > the feast_go:
// section of feature_store.yaml > default (the only place that reads viper);
// the run function opens what the flow needs (onlinestore/open, catalog),
// calls the flow (materialize.Runner.Run, push.Runner.Run, bench.Run, ...)
// and hands the result to the Printer, whose text and JSON implementations
// are the only place output forks. exit.go maps errors to exit codes.
// Env.runF is the test seam: it receives the loaded options instead of the
// command running.
package cmd
