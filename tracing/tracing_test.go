package tracing

import (
	"context"
	"strings"
	"testing"
)

// Spans record only when an OTLP endpoint is configured; the off state is
// OpenTelemetry's no-op tracer, which records nothing.
func TestSetup(t *testing.T) {
	for _, tt := range []struct {
		name      string
		env       map[string]string
		recording bool
		err       string
	}{
		{"no endpoint", nil, false, ""},
		{"endpoint", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1"}, true, ""},
		{"traces endpoint, grpc", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:1", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, true, ""},
		{"disabled", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_SDK_DISABLED": "true"}, false, ""},
		{"unknown protocol", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}, false, "http/json"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lookup := func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			stop, err := Setup(context.Background(), lookup, "test")
			if (err != nil) != (tt.err != "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
				t.Fatalf("err %v, want %q", err, tt.err)
			}
			_, span := Start(context.Background(), "probe")
			if span.IsRecording() != tt.recording {
				t.Errorf("recording %v, want %v", span.IsRecording(), tt.recording)
			}
			span.End()
			stop()
			if _, span := Start(context.Background(), "after"); span.IsRecording() {
				t.Error("still recording after stop")
			}
		})
	}
}
