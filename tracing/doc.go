// Package tracing exports OpenTelemetry spans of a run over OTLP when the
// standard OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
// variable is set, and leaves OpenTelemetry's no-op tracer in place
// otherwise, so that spans cost nothing. The exporter reads the rest of the
// standard variables itself (protocol, headers, TLS, timeout), and
// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES name the resource.
//
// The flows start their spans with Tracer: a run, its plan, each feature
// view's scan, write and record, and the vector rebuilds.
package tracing
