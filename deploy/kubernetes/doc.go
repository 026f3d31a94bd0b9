// Package kubernetes holds feast-go's Kubernetes manifests (a CronJob of
// Indexed Jobs for sharded materialization, its ConfigMap and Secret). It
// has no code: its test decodes every manifest strictly into the official
// Kubernetes types, so that a typo fails CI, and checks that the manifests
// agree with each other and with feast-go's flags.
package kubernetes
