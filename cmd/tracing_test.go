package cmd

import (
	"compress/gzip"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feast-go/feast-go/internal/testenv"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// otlpReceiver is an in-process OTLP/HTTP trace receiver.
type otlpReceiver struct {
	mu    sync.Mutex
	spans map[string]recvSpan // span id -> span
}

type recvSpan struct{ name, parent string }

func (o *otlpReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/traces" {
		http.NotFound(w, r)
		return
	}
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		gz, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = gz
	}
	b, err := io.ReadAll(body)
	var req coltracepb.ExportTraceServiceRequest
	if err == nil {
		err = proto.Unmarshal(b, &req)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	o.mu.Lock()
	for _, rs := range req.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			for _, sp := range ss.GetSpans() {
				o.spans[hex.EncodeToString(sp.GetSpanId())] = recvSpan{sp.GetName(), hex.EncodeToString(sp.GetParentSpanId())}
			}
		}
	}
	o.mu.Unlock()
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

// tree prints the spans as "parent > child" lines, sorted.
func (o *otlpReceiver) tree() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for _, sp := range o.spans {
		parent := "ROOT"
		if p, ok := o.spans[sp.parent]; ok {
			parent = p.name
		}
		out = append(out, parent+" > "+sp.name)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// With OTEL_EXPORTER_OTLP_ENDPOINT set, a materialization exports its span
// tree: the run, its plan, each view's scan, write and record, and the
// vector rebuild.
func TestTracesOfAMaterialization(t *testing.T) {
	addr := testenv.Redis(t)
	recv := &otlpReceiver{spans: map[string]recvSpan{}}
	srv := httptest.NewServer(recv)
	defer srv.Close()
	dir := materializeRepo(t, addr, 3, 2, "feature_services:\n  - name: svc\n    features: [driver_stats]\n    precompute_online: true\n")
	if r := run(t, dir, nil, "apply", "-q"); r.code != 0 {
		t.Fatalf("apply: %s", r.stderr)
	}
	env := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL, "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}
	if r := run(t, dir, env, "materialize", mbase.Format(time.RFC3339), mbase.Add(time.Hour).Format(time.RFC3339)); r.code != 0 {
		t.Fatalf("materialize: %d %s", r.code, r.stderr)
	}
	want := []string{
		"ROOT > feast-go materialize",
		"feast-go materialize > plan",
		"feast-go materialize > vectors",
		"feast-go materialize > view driver_stats",
		"vectors > precompute svc",
		"view driver_stats > record",
		"view driver_stats > scan",
		"view driver_stats > write",
	}
	if got := recv.tree(); !slices.Equal(got, want) {
		t.Errorf("span tree:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
