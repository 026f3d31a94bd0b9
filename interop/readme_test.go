package interop

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/feast-go/feast-go/internal/icebergtest"
	"github.com/feast-go/feast-go/internal/testenv"
)

// readmeSection is the README's "Already have a Feast repo?" section: its
// files (a code block whose first line is "# NAME") and its commands.
func readmeSection(t *testing.T) (files map[string]string, commands []string) {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(readme)
	start := strings.Index(s, "## Already have a Feast repo?")
	if start < 0 {
		t.Fatal(`README.md has no "## Already have a Feast repo?" section`)
	}
	s = s[start+3:]
	s = s[:strings.Index(s, "\n## ")]
	files = map[string]string{}
	for _, block := range strings.Split(s, "```")[1:] {
		lang, body, _ := strings.Cut(block, "\n")
		switch lang {
		case "yaml", "python":
			first, _, _ := strings.Cut(body, "\n")
			files[strings.TrimPrefix(first, "# ")] = body
		case "sh":
			for _, line := range strings.Split(body, "\n") {
				if cmdLine, _, _ := strings.Cut(line, "#"); strings.TrimSpace(cmdLine) != "" {
					commands = append(commands, strings.TrimSpace(cmdLine))
				}
			}
		}
	}
	return files, commands
}

// TestREADMEPythonRepo runs the README's Python-repo section as written:
// its files, an Iceberg table of the shape it names, its commands (feast
// from the Feast 0.67 virtualenv, feast-go in-process); then Feast reads what
// feast-go wrote and sees the watermark.
func TestREADMEPythonRepo(t *testing.T) {
	python := testenv.FeastPython(t)
	files, commands := readmeSection(t)
	if len(files) != 2 || len(commands) != 3 {
		t.Fatalf("the section has files %v and commands %q; expected feature_store.yaml, features.py and 3 commands", files, commands)
	}
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The table the section names, with two hours of rows for drivers 1000..1004.
	now := time.Now().UTC().Truncate(time.Hour)
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "driver_id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "conv_rate", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "trips", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "event_timestamp", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	for h := range 2 {
		for d := range 5 {
			b.Field(0).(*array.Int64Builder).Append(int64(1000 + d))
			b.Field(1).(*array.Float32Builder).Append(float32(d)/10 + float32(h))
			b.Field(2).(*array.Int64Builder).Append(int64(10*d + h))
			b.Field(3).(*array.TimestampBuilder).Append(arrow.Timestamp(now.Add(time.Duration(h-2) * time.Hour).UnixMicro()))
		}
	}
	c := icebergtest.NewCatalog(t, filepath.Join(dir, "data"), "local")
	icebergtest.Append(t, c.Table(t, "feast", "driver_stats", sc, "", nil), b.NewRecordBatch())

	var got string
	for _, line := range commands {
		args := strings.Fields(line)
		switch args[0] {
		case "feast":
			testenv.Run(t, dir, feastCLI(python), args[1:]...)
		case "feast-go":
			got = feastGo(t, dir, args[1:]...)
		default:
			t.Fatalf("the section runs %q; this test knows feast and feast-go", args[0])
		}
	}
	want := "driver_id=1001\n  driver_hourly_stats__conv_rate       1.1                      PRESENT\n  driver_hourly_stats__trips           11                       PRESENT\n"
	if got != want {
		t.Errorf("the section's last command printed\n%s\nwant\n%s", got, want)
	}

	// Feast reads feast-go's rows, and its next incremental run would start at feast-go's end.
	script := `
import json, sys
from feast import FeatureStore
fs = FeatureStore(repo_path=sys.argv[1])
rows = fs.get_online_features(features=["driver_hourly_stats:conv_rate", "driver_hourly_stats:trips"], entity_rows=[{"driver_id": 1001}]).to_dict()
fv = fs.get_feature_view("driver_hourly_stats")
print(json.dumps({"conv_rate": rows["conv_rate"][0], "trips": rows["trips"][0], "intervals": len(fv.materialization_intervals)}))
`
	var feast struct {
		ConvRate  float64 `json:"conv_rate"`
		Trips     int64   `json:"trips"`
		Intervals int     `json:"intervals"`
	}
	raw := jsonTail(testenv.Run(t, dir, python, "-c", script, dir))
	if err := json.Unmarshal([]byte(raw), &feast); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	if float32(feast.ConvRate) != 1.1 || feast.Trips != 11 || feast.Intervals != 1 {
		t.Errorf("Feast reads %+v, want conv_rate 1.1, trips 11 and feast-go's interval", feast)
	}
}
