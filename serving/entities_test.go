package serving

import (
	"strings"
	"testing"

	"github.com/feast-go/feast-go/ingest"
	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/registry"
	"github.com/feast-go/feast-go/registry/feastpb"
)

// composite is a view keyed by (driver_id Int64, city String).
var composite = &registry.FeatureView{Name: "trips", EntityColumns: []registry.Field{
	{Name: "driver_id", Type: feastpb.ValueType_INT64}, {Name: "city", Type: feastpb.ValueType_STRING}}}

func describe(t *testing.T, keys [][]byte) string {
	t.Helper()
	var out []string
	for _, k := range keys {
		out = append(out, onlinestore.DescribeKey(k))
	}
	return strings.Join(out, " ")
}

func TestParseEntities(t *testing.T) {
	tests := []struct {
		name  string
		specs []string
		want  string // described keys
		err   string
	}{
		{"composite, any order", []string{"city=Zürich,driver_id=1001", "driver_id=-2, city=a b"}, `{city="Zürich", driver_id=1001} {city="a b", driver_id=-2}`, ""},
		{"quotes are kept", []string{`driver_id=7,city="x"`}, `{city="\"x\"", driver_id=7}`, ""},
		{"not key=value", []string{"1001"}, "", `entity "1001": expected join_key=value`},
		{"missing key", []string{"driver_id=1"}, "", `entity "driver_id=1": missing join key "city" (feature view "trips" is keyed by driver_id, city)`},
		{"empty value", []string{"driver_id=,city=a"}, "", `entity "driver_id=,city=a": join key "driver_id" is empty`},
		{"bad number", []string{"city=a,driver_id=1", "city=b,driver_id=x1"}, "", `entity "city=b,driver_id=x1": join key "driver_id": "x1": expected`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := ParseEntities(composite, tt.specs, 3)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := describe(t, keys); got != tt.want {
				t.Errorf("keys %s, want %s", got, tt.want)
			}
		})
	}
}

// A file and the flags give the same keys: one parser.
func TestReadEntityKeysMatchesParseEntities(t *testing.T) {
	fromFile, err := ReadEntityKeys(strings.NewReader("city,driver_id\nZürich,1001\n"), ingest.CSV, "e.csv", composite, 3)
	if err != nil {
		t.Fatal(err)
	}
	fromFlags, err := ParseEntities(composite, []string{"driver_id=1001,city=Zürich"}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(fromFile) != 1 || string(fromFile[0]) != string(fromFlags[0]) {
		t.Errorf("file %x, flags %x", fromFile, fromFlags)
	}
	if _, err := ReadEntityKeys(strings.NewReader("driver_id\n1\n"), ingest.CSV, "e.csv", composite, 3); err == nil || !strings.Contains(err.Error(), "city") {
		t.Errorf("a file without a join key: %v", err)
	}
}
