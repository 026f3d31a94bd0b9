package remote

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/registry/feastpb"
	"google.golang.org/protobuf/proto"
)

// featureServer answers /get-online-features like Feast for one feature, after
// failing the first `fail` requests with code.
func featureServer(fail int32, code int) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		if n <= fail {
			http.Error(w, "busy", code)
			return
		}
		var req Request
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || r.URL.Path != "/get-online-features" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		ids := req.Entities["driver_id"]
		resp := map[string]any{"metadata": map[string]any{"feature_names": []string{"driver_id", "stats__conv_rate"}}}
		vals, sts, tss := []any{}, []string{}, []string{}
		for _, id := range ids {
			if id.(float64) == 404 {
				vals, sts, tss = append(vals, nil), append(sts, "NOT_FOUND"), append(tss, "1970-01-01T00:00:00Z")
				continue
			}
			vals, sts, tss = append(vals, 0.5), append(sts, "PRESENT"), append(tss, "2026-11-23T10:00:00Z")
		}
		resp["results"] = []any{
			map[string]any{"values": ids, "statuses": sts, "event_timestamps": tss},
			map[string]any{"values": vals, "statuses": sts, "event_timestamps": tss},
		}
		_ = json.NewEncoder(w).Encode(resp)
	})
	return httptest.NewUnstartedServer(h), &calls
}

func TestRetriesAndErrors(t *testing.T) {
	req := &Request{Entities: map[string][]any{"driver_id": {1, 2}}, Features: []string{"stats:conv_rate"}, FullFeatureNames: true}
	tests := []struct {
		name        string
		fail        int32
		code        int
		retries     int
		wantErr     string
		wantCalls   int32
		wantRetries int64
	}{
		{"ok", 0, 0, 3, "", 1, 0},
		{"503 then ok", 2, http.StatusServiceUnavailable, 3, "", 3, 2},
		{"429 then ok", 1, http.StatusTooManyRequests, 3, "", 2, 1},
		{"503 past the retries", 10, http.StatusServiceUnavailable, 2, "feature server answered 503: busy", 3, 2},
		{"400 is not retried", 10, http.StatusBadRequest, 3, "feature server answered 400: busy", 1, 0},
		{"no retries", 1, http.StatusBadGateway, 0, "answered 502", 1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, calls := featureServer(tc.fail, tc.code)
			srv.Start()
			defer srv.Close()
			c, err := New(Options{URL: srv.URL, Retries: tc.retries, Backoff: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			resp, err := c.GetOnlineFeatures(context.Background(), req)
			if tc.wantErr == "" && (err != nil || len(resp.Results) != 2) {
				t.Fatalf("err %v", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err %v, want %q", err, tc.wantErr)
			}
			if calls.Load() != tc.wantCalls || c.Stats().Retries != tc.wantRetries {
				t.Errorf("calls %d retries %d, want %d %d", calls.Load(), c.Stats().Retries, tc.wantCalls, tc.wantRetries)
			}
		})
	}
}

func TestUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	c, _ := New(Options{URL: "http://" + addr, Retries: 2, Backoff: time.Millisecond})
	_, err = c.GetOnlineFeatures(context.Background(), &Request{Entities: map[string][]any{"k": {1}}})
	if !errors.Is(err, ErrUnreachable) || c.Stats().Requests != 3 {
		t.Errorf("err %v after %d requests", err, c.Stats().Requests)
	}
	if _, err := New(Options{URL: "localhost:6566"}); err == nil {
		t.Error("URL without scheme accepted")
	}
}

func TestPoolingAndKeepAlive(t *testing.T) {
	for _, noKA := range []bool{false, true} {
		srv, _ := featureServer(0, 0)
		srv.Start()
		c, _ := New(Options{URL: srv.URL, NoKeepAlive: noKA})
		for range 10 {
			if _, err := c.GetOnlineFeatures(context.Background(), &Request{Entities: map[string][]any{"driver_id": {1}}}); err != nil {
				t.Fatal(err)
			}
		}
		want := int64(1)
		if noKA {
			want = 10
		}
		if d := c.Stats().Dials; d != want {
			t.Errorf("no-keepalive=%v: %d connections for 10 requests, want %d", noKA, d, want)
		}
		c.Close()
		srv.Close()
	}
}

func TestTLSWithCert(t *testing.T) {
	srv, _ := featureServer(0, 0)
	srv.StartTLS()
	defer srv.Close()
	req := &Request{Entities: map[string][]any{"driver_id": {1}}}
	plain, _ := New(Options{URL: srv.URL})
	if _, err := plain.GetOnlineFeatures(context.Background(), req); err == nil {
		t.Error("self-signed server trusted without --cert")
	}
	cert := filepath.Join(t.TempDir(), "server.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(cert, pemBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := New(Options{URL: srv.URL, Cert: cert})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetOnlineFeatures(context.Background(), req); err != nil {
		t.Errorf("with the server's certificate: %v", err)
	}
	if _, err := New(Options{URL: srv.URL, Cert: filepath.Join(t.TempDir(), "none.pem")}); err == nil {
		t.Error("missing certificate file accepted")
	}
}

func TestValueFromJSON(t *testing.T) {
	enc := func(v *feastpb.Value) string { b, _ := proto.Marshal(v); return fmt.Sprintf("%x", b) }
	tests := []struct {
		raw  string
		vt   feastpb.ValueType_Enum
		want string
	}{
		{`null`, feastpb.ValueType_INT64, ""},
		{`7`, feastpb.ValueType_INT64, enc(&feastpb.Value{Val: &feastpb.Value_Int64Val{Int64Val: 7}})},
		{`7`, feastpb.ValueType_INT32, enc(&feastpb.Value{Val: &feastpb.Value_Int32Val{Int32Val: 7}})},
		{`0.10000000149011612`, feastpb.ValueType_FLOAT, enc(&feastpb.Value{Val: &feastpb.Value_FloatVal{FloatVal: 0.1}})},
		{`"Infinity"`, feastpb.ValueType_DOUBLE, enc(&feastpb.Value{Val: &feastpb.Value_DoubleVal{DoubleVal: math.Inf(1)}})},
		{`"été"`, feastpb.ValueType_STRING, enc(&feastpb.Value{Val: &feastpb.Value_StringVal{StringVal: "été"}})},
		{`"AAE="`, feastpb.ValueType_BYTES, enc(&feastpb.Value{Val: &feastpb.Value_BytesVal{BytesVal: []byte{0, 1}}})},
		{`true`, feastpb.ValueType_BOOL, enc(&feastpb.Value{Val: &feastpb.Value_BoolVal{BoolVal: true}})},
		{`["a","b"]`, feastpb.ValueType_STRING_LIST, enc(&feastpb.Value{Val: &feastpb.Value_StringListVal{StringListVal: &feastpb.StringList{Val: []string{"a", "b"}}}})},
		{`[1.5,"NaN"]`, feastpb.ValueType_DOUBLE_LIST, enc(&feastpb.Value{Val: &feastpb.Value_DoubleListVal{DoubleListVal: &feastpb.DoubleList{Val: []float64{1.5, math.NaN()}}}})},
	}
	for _, tc := range tests {
		got, err := ValueFromJSON(json.RawMessage(tc.raw), tc.vt)
		if err != nil || fmt.Sprintf("%x", got) != tc.want {
			t.Errorf("%s as %s: %x %v, want %s", tc.raw, tc.vt, got, err, tc.want)
		}
	}
	if _, err := ValueFromJSON(json.RawMessage(`"x"`), feastpb.ValueType_INT64); err == nil {
		t.Error("string accepted as Int64")
	}
}

func TestStoreReadViews(t *testing.T) {
	srv, _ := featureServer(0, 0)
	srv.Start()
	defer srv.Close()
	c, _ := New(Options{URL: srv.URL})
	objs := testObjects()
	s := &Store{Client: c, Objects: objs}
	enc := onlinestore.NewKeyEncoder([]string{"driver_id"}, 3)
	k1, _ := enc.Append(nil, []*feastpb.Value{{Val: &feastpb.Value_Int64Val{Int64Val: 1}}})
	k2, _ := enc.Append(nil, []*feastpb.Value{{Val: &feastpb.Value_Int64Val{Int64Val: 404}}})
	rows, err := s.ReadViews(context.Background(), [][]byte{k1, k2}, []onlinestore.View{{Name: "stats", JoinKeys: []string{"driver_id"}, Features: []string{"conv_rate"}}})
	if err != nil {
		t.Fatal(err)
	}
	if !rows[0][0].Found || onlinestore.FormatValue(rows[0][0].Values[0]) != "0.5" || rows[0][0].EventTS.Hour() != 10 {
		t.Errorf("entity 1: %+v", rows[0][0])
	}
	if rows[1][0].Found || rows[1][0].Values[0] != nil {
		t.Errorf("entity 404: %+v", rows[1][0])
	}
	if _, err := s.WriteView(context.Background(), onlinestore.View{}, nil); !errors.Is(err, ErrReadOnly) {
		t.Errorf("write: %v", err)
	}
}

func FuzzValueFromJSON(f *testing.F) {
	f.Add([]byte(`[1.5,"NaN"]`), int32(feastpb.ValueType_DOUBLE_LIST))
	f.Add([]byte(`"AAE="`), int32(feastpb.ValueType_BYTES))
	f.Add([]byte(`12345678901234567890`), int32(feastpb.ValueType_INT64))
	f.Fuzz(func(t *testing.T, raw []byte, vt int32) {
		b, err := ValueFromJSON(raw, feastpb.ValueType_Enum(vt))
		if err == nil && len(b) > 0 {
			if uerr := proto.Unmarshal(b, &feastpb.Value{}); uerr != nil {
				t.Fatalf("ValueFromJSON(%s) wrote an invalid Value: %v", raw, uerr)
			}
		}
	})
}
