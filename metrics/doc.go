// Package metrics turns one finished run (a runlog.Record) into Prometheus
// metrics and hands them to a Pushgateway (--metrics-push) or writes them
// for node_exporter's textfile collector (--metrics-file). Feast's own
// names and labels are used where Feast has them
// (feast_materialization_result_total, feast_materialization_duration_seconds,
// feast_feature_freshness_seconds, feast_push_request_total), so that
// dashboards built for Feast's feature server work; feast-go's own are
// prefixed feast_go_. The values describe the run that pushed them:
// counters count that run, not since some process started.
package metrics
