package interop

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feast-go/feast-go/internal/testenv"
)

// TestPushSameBytesAsFeast: after each materialized the same window, the
// same rows pushed by Feast's FeatureStore.push (db 3) and by feast-go push
// (db 4) leave the same keys, fields and bytes, vectors included (refreshed
// by both, over the materialized and the pushed views); Feast reads
// feast-go's rows as its own; and pyiceberg reads back feast-go's offline append.
func TestPushSameBytesAsFeast(t *testing.T) {
	python := testenv.FeastPython(t)
	addr := testenv.Redis(t)
	feastDir := feastRepo(t, python, addr, 3)
	goDir := t.TempDir()
	testenv.CopyDir(t, feastDir, goDir)
	writeConfig(t, goDir, addr, 4)
	testenv.Run(t, feastDir, feastCLI(python), "materialize", windowStart, windowEnd)
	feastGo(t, goDir, "materialize", windowStart, windowEnd)

	// Recent rows, so that the 2h ttl of driver_fresh_stats keeps them PRESENT
	// in Feast's read. No entity appears twice: Feast's Redis writer keeps the
	// last row of a batch, not the newest (feast-go keeps the newest).
	at := time.Now().UTC().Add(-10 * time.Minute).Truncate(time.Second)
	ts := at.Format(time.RFC3339)
	input := "driver_id,conv_rate,acc_rate,avg_daily_trips,event_timestamp,created\n" +
		fmt.Sprintf("1000,0.5,0.25,7,%s,%s\n", ts, ts) +
		fmt.Sprintf("5000,0.125,0.5,8,%s,%s\n", ts, ts) +
		fmt.Sprintf("5001,,0.75,9,%s,%s\n", ts, ts) +
		fmt.Sprintf("5002,NaN,1,10,%s,%s\n", ts, ts)
	path := filepath.Join(t.TempDir(), "rows.csv")
	if err := os.WriteFile(path, []byte(input), 0o644); err != nil {
		t.Fatal(err)
	}
	testenv.Run(t, feastDir, python, filepath.Join(testenv.RepoRoot(), "testdata", "feast", "push.py"), feastDir, "driver_stats_push", path)
	feastGo(t, goDir, "push", "driver_stats_push", "--input", path, "--to", "online_and_offline")

	sameRedisBytes(t, addr, 3, 4, fieldNames(t, goDir), 70)

	fromGo := sameFeastReads(t, python, feastDir, goDir)
	for _, want := range []string{`"driver_fresh_stats__conv_rate": [0.5,`, `"precomputed": {`} {
		if !strings.Contains(fromGo, want) {
			t.Errorf("Feast's read of feast-go's pushed rows lacks %s: %s", want, fromGo)
		}
	}

	// pyiceberg reads the rows feast-go appended to the batch source's table.
	rows := testenv.Run(t, goDir, python, filepath.Join(testenv.RepoRoot(), "testdata", "feast", "read_table.py"), goDir, "feast.driver_stats", "1000", "5000", "5001", "5002")
	pyTS := at.Format("2006-01-02T15:04:05") + "+00:00"
	for _, want := range []string{
		fmt.Sprintf(`{"acc_rate": 0.25, "avg_daily_trips": 7, "conv_rate": 0.5, "created": "%s", "driver_id": 1000, "event_timestamp": "%s"}`, at.Format("2006-01-02T15:04:05"), pyTS),
		fmt.Sprintf(`{"acc_rate": 0.5, "avg_daily_trips": 8, "conv_rate": 0.125, "created": "%s", "driver_id": 5000, "event_timestamp": "%s"}`, at.Format("2006-01-02T15:04:05"), pyTS),
		fmt.Sprintf(`{"acc_rate": 0.75, "avg_daily_trips": 9, "conv_rate": null, "created": "%s", "driver_id": 5001, "event_timestamp": "%s"}`, at.Format("2006-01-02T15:04:05"), pyTS),
		fmt.Sprintf(`{"acc_rate": 1.0, "avg_daily_trips": 10, "conv_rate": "NaN", "created": "%s", "driver_id": 5002, "event_timestamp": "%s"}`, at.Format("2006-01-02T15:04:05"), pyTS),
	} {
		if !strings.Contains(rows, want) {
			t.Errorf("pyiceberg does not read back %s\ngot:\n%s", want, rows)
		}
	}
}
