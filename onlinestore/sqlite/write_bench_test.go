package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
)

// BenchmarkWriteView measures the SQLite online store against its ceiling:
// the same upserts (Feast's table, one row per entity and feature, the
// compare-and-set WHERE clause unless blind) through the same driver, one
// prepared statement in one transaction per 2,000-row chunk, with nothing of
// feast-go around them. Rows are rows of 10 Float64 features.
//
//	go test -run '^$' -bench WriteView -benchtime 100000x ./onlinestore/sqlite/
func BenchmarkWriteView(b *testing.B) {
	view := onlinestore.View{Name: "stats"}
	for i := range 10 {
		view.Features = append(view.Features, fmt.Sprintf("f%d", i))
	}
	value := []byte{0x39, 0x9a, 0x99, 0x99, 0x99, 0x99, 0x99, 0xb9, 0x3f} // double_val 0.1
	const chunk = 2000                                                    // materialize.DefaultChunkSize
	rowsAt := func(n int, ts time.Time) []onlinestore.Row {
		rows := make([]onlinestore.Row, n)
		for i := range rows {
			vals := make([][]byte, len(view.Features))
			for j := range vals {
				vals[j] = value
			}
			rows[i] = onlinestore.Row{Key: fmt.Appendf(nil, "\x02\x00\x00\x00%08d", i), EventTS: ts, Values: vals}
		}
		return rows
	}
	for _, blind := range []bool{false, true} {
		mode := "compare-and-set"
		if blind {
			mode = "blind"
		}
		b.Run(mode+"/feast-go", func(b *testing.B) {
			s := openBench(b, blind)
			rows := rowsAt(b.N, time.Unix(1_700_000_000, 0))
			b.ReportAllocs()
			b.ResetTimer()
			for from := 0; from < b.N; from += chunk {
				if _, err := s.WriteView(context.Background(), view, rows[from:min(from+chunk, b.N)]); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
		b.Run(mode+"/ceiling", func(b *testing.B) {
			s := openBench(b, blind)
			if _, err := s.WriteView(context.Background(), view, nil); err != nil { // creates the table
				b.Fatal(err)
			}
			t := quote(s.TableName(view.Name))
			upsert := "INSERT INTO " + t + " (entity_key, feature_name, value, value_text, event_ts, created_ts) VALUES (?, ?, ?, ?, ?, ?) " +
				"ON CONFLICT(entity_key, feature_name) DO UPDATE SET value = excluded.value, value_text = excluded.value_text, " +
				"event_ts = excluded.event_ts, created_ts = excluded.created_ts"
			if !blind {
				upsert += " WHERE excluded.event_ts > " + t + ".event_ts"
			}
			keys := make([][]byte, b.N)
			for i := range keys {
				keys[i] = fmt.Appendf(nil, "\x02\x00\x00\x00%08d", i)
			}
			text := valueText(value)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for from := 0; from < b.N; from += chunk {
				tx, err := s.db.BeginTx(ctx, nil)
				if err != nil {
					b.Fatal(err)
				}
				stmt, err := tx.PrepareContext(ctx, upsert)
				if err != nil {
					b.Fatal(err)
				}
				for _, k := range keys[from:min(from+chunk, b.N)] {
					for _, f := range view.Features {
						if _, err := stmt.ExecContext(ctx, k, f, value, text, int64(1_700_000_000), nil); err != nil {
							b.Fatal(err)
						}
					}
				}
				_ = stmt.Close()
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

func openBench(b *testing.B, blind bool) *Store {
	s, err := Open(context.Background(), filepath.Join(b.TempDir(), "online.db"), "bench", blind)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}
