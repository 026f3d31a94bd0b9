package ingest

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// fuzzRead reads input to the end: it must never panic, and every batch must
// have the reader's schema.
func fuzzRead(t *testing.T, f Format, input string) {
	r, err := NewReader(strings.NewReader(input), f, testColumns(), Options{BatchSize: 3})
	if err != nil {
		return
	}
	for range 10000 {
		rec, err := r.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			var ie *InputError
			if errors.As(err, &ie) && len(ie.Rows) == 0 {
				t.Fatalf("input error without rows: %v", err)
			}
			return
		}
		if !rec.Schema().Equal(r.Schema()) {
			t.Fatalf("batch schema %s, want %s", rec.Schema(), r.Schema())
		}
		rec.Release()
	}
	t.Fatal("reader did not end")
}

func FuzzCSV(f *testing.F) {
	f.Add("driver_id,conv_rate,tier,event_timestamp,tags\n1,0.5,a,2026-11-23,\"[\"\"x\"\"]\"\n")
	f.Add("driver_id,conv_rate,tier,event_timestamp\n,x,,\n\"unterminated\n")
	f.Fuzz(func(t *testing.T, s string) { fuzzRead(t, CSV, s) })
}

func FuzzJSONL(f *testing.F) {
	f.Add(`{"driver_id": 1, "conv_rate": 0.5, "tier": "a", "tags": ["x"], "event_timestamp": "2026-11-23"}`)
	f.Add("{\"driver_id\": null}\n[1]\n{\"tags\": [null, 1]}\n")
	f.Fuzz(func(t *testing.T, s string) { fuzzRead(t, JSONL, s) })
}
