// Package status reports how fresh a project's online features are: per
// feature view the end of its last materialized interval, its age, its ttl
// and its registry state, checked against a maximum age; per precomputed
// service when its vectors were last rebuilt and whether a run still owes
// them; and the newest runs of the run history. `feast-go status` prints
// it and exits non-zero when a view is staler than allowed, for cron, CI or
// a Kubernetes probe.
package status
