package tracing

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"
)

// Tracer is feast-go's tracer: the exporting one after Setup, a no-op one otherwise.
func Tracer() trace.Tracer { return otel.Tracer("github.com/feast-go/feast-go") }

// Start starts a span under ctx's span with attributes.
func Start(ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	return Tracer().Start(ctx, name, trace.WithAttributes(attrs...))
}

// End ends span, marking it failed when err is set.
func End(span trace.Span, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

// flushTimeout bounds the export of the last spans when a run ends.
const flushTimeout = 5 * time.Second

// Setup installs an OTLP exporter when the environment asks for one and
// returns the function that flushes and stops it (a no-op otherwise).
func Setup(ctx context.Context, lookup func(string) (string, bool), version string) (func(), error) {
	noop := func() {}
	if v, _ := lookup("OTEL_SDK_DISABLED"); strings.EqualFold(v, "true") {
		return noop, nil
	}
	_, all := lookup("OTEL_EXPORTER_OTLP_ENDPOINT")
	_, traces := lookup("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
	if !all && !traces {
		return noop, nil
	}
	protocol, ok := lookup("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if !ok {
		protocol, _ = lookup("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	var exp *otlptrace.Exporter
	var err error
	switch protocol {
	case "grpc":
		exp, err = otlptracegrpc.New(ctx)
	case "", "http/protobuf":
		exp, err = otlptracehttp.New(ctx)
	default:
		return noop, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL %q: feast-go exports traces over grpc or http/protobuf", protocol)
	}
	if err != nil {
		return noop, fmt.Errorf("OpenTelemetry exporter: %w", err)
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(
		semconv.ServiceVersion(version)))
	if err != nil {
		res = resource.Default()
	}
	if _, named := lookup("OTEL_SERVICE_NAME"); !named {
		res, _ = resource.Merge(res, resource.NewSchemaless(semconv.ServiceName("feast-go")))
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
		defer cancel()
		_ = tp.Shutdown(ctx)
		otel.SetTracerProvider(prev)
	}, nil
}
