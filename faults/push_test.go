package faults

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// outOfRange are values no column can hold: times outside 1677–2262,
// floats past their type, integers past their width.
var outOfRange = []struct{ column, value string }{
	{"event_timestamp", "1600-01-01T00:00:00"},
	{"event_timestamp", "2263-01-01T00:00:00"},
	{"event_timestamp", "9999-12-31T23:59:59"},
	{"event_timestamp", "-99999999999"},
	{"event_timestamp", "99999999999"},
	{"created", "1500-06-01T00:00:00"},
	{"f3", "1e309"},
	{"f7", "-1e400"},
	{"rating", "1e39"},
	{"rating", "-3.5e38"},
	{"rating", "1e308"},
	{"age", "2147483648"},
	{"age", "-2147483649"},
	{"age", "1e10"},
	{"driver_id", "9223372036854775808"},
	{"driver_id", "-9223372036854775809"},
}

var pushColumns = []string{"driver_id", "event_timestamp", "created", "f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "rating", "age", "name"}

// pushTrial materializes cleanly, then pushes files of good rows with one
// out-of-range value each: every push must fail, name the line and the
// column, and write nothing. The same rows without the bad value then land.
func (s *suite) pushTrial(t *testing.T, rng *rand.Rand, tl *tally) {
	r, dir := s.cleanRun(t, true)
	before := dump(t, r.Addr)
	end, _ := time.Parse(time.RFC3339, s.end)
	var good [][]string
	for range *pushes {
		n := 1 + rng.IntN(40)
		rows := make([][]string, n)
		for i := range rows {
			ts := end.Add(time.Duration(1+rng.IntN(3600)) * time.Second).Format(time.RFC3339)
			rows[i] = []string{strconv.Itoa(rng.IntN(*drivers)), ts, ts}
			for range 10 {
				rows[i] = append(rows[i], strconv.FormatFloat(rng.NormFloat64(), 'g', -1, 64))
			}
			rows[i] = append(rows[i], "2.5", "33", "pushed")
		}
		good = rows
		bad := outOfRange[rng.IntN(len(outOfRange))]
		line := rng.IntN(n)
		mutated := make([][]string, n)
		for i, row := range rows {
			mutated[i] = append([]string(nil), row...)
		}
		col := slices.Index(pushColumns, bad.column)
		mutated[line][col] = bad.value
		file := writeCSV(t, dir, mutated)
		pp := start(t, dir, "push", "rows_push", "--input", file)
		var violations []string
		if !pp.wait(bound) {
			violations = append(violations, "the push hung")
		}
		out := pp.output()
		wantLine := fmt.Sprintf("line %d", line+2) // after the header, 1-based
		switch {
		case pp.exit == 0:
			violations = append(violations, "exited 0")
		case !strings.Contains(out, wantLine) || !strings.Contains(out, bad.column):
			violations = append(violations, fmt.Sprintf("the error does not name %s and column %s:\n%s", wantLine, bad.column, tail(out, 5)))
		}
		if d := diff(dump(t, r.Addr), before); d != "" {
			violations = append(violations, "it wrote: "+d)
		}
		for _, v := range violations {
			t.Errorf("push of %s=%q on line %d of %d: %s", bad.column, bad.value, line+2, n+1, v)
		}
		tl.add("push-bad-value", true, len(violations), 0)
	}
	pp := start(t, dir, "push", "rows_push", "--input", writeCSV(t, dir, good))
	if !pp.wait(bound) || pp.exit != 0 {
		t.Errorf("the good rows of the last push: exit %d\n%s", pp.exit, tail(pp.output(), 10))
	}
}

func writeCSV(t *testing.T, dir string, rows [][]string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(strings.Join(pushColumns, ",") + "\n")
	for _, r := range rows {
		b.WriteString(strings.Join(r, ",") + "\n")
	}
	f := filepath.Join(dir, "push.csv")
	if err := os.WriteFile(f, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}
