package ingest

import (
	"fmt"
	"io"
	"strings"
	"testing"
)

func benchInput(f Format, n int) string {
	var b strings.Builder
	if f == CSV {
		b.WriteString("driver_id,conv_rate,tier,tags,event_timestamp\n")
	}
	for i := range n {
		if f == CSV {
			fmt.Fprintf(&b, "%d,0.%d,gold,\"[\"\"a\"\"]\",2026-11-23T10:00:00Z\n", i, i)
		} else {
			fmt.Fprintf(&b, `{"driver_id": %d, "conv_rate": 0.%d, "tier": "gold", "tags": ["a"], "event_timestamp": "2026-11-23T10:00:00Z"}`+"\n", i, i)
		}
	}
	return b.String()
}

func benchmarkRead(b *testing.B, f Format) {
	const rows = 10000
	in := benchInput(f, rows)
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		r, err := NewReader(strings.NewReader(in), f, testColumns(), Options{})
		if err != nil {
			b.Fatal(err)
		}
		for {
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			rec.Release()
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkReadCSV(b *testing.B)   { benchmarkRead(b, CSV) }
func BenchmarkReadJSONL(b *testing.B) { benchmarkRead(b, JSONL) }
