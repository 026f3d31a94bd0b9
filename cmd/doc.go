// Package cmd is feast-go's command line: one file per command, each with an
// options struct, a constructor that binds flags, and a run function that tests
// call directly. It is the only package that imports cobra, viper and
// progressbar; it turns flags, environment (FEAST_GO_*) and the feast_go:
// section of feature_store.yaml into typed options, calls the domain packages,
// prints results on stdout and diagnostics on stderr, and maps errors to exit
// codes in exit.go.
package cmd
