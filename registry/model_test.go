package registry

import (
	"testing"
	"time"

	"github.com/feast-go/feast-go/registry/feastpb"
)

func TestIcebergJSONMatchesPython(t *testing.T) {
	o := &IcebergOptions{
		CatalogType: "sql", CatalogName: "locé", Endpoint: "sqlite:///d/c.db", Warehouse: `w"h\x`,
		Namespace: "ns\t\x7f", Table: "t😀", CredentialVending: true,
		CatalogProperties: map[string]string{"b.c": "x y", "a": "1"},
	}
	// Python 3.11: json.dumps({...}) of Feast's IcebergSource._to_proto_impl dict.
	want := `{"catalog_type": "sql", "catalog_name": "loc\u00e9", "endpoint": "sqlite:///d/c.db", "warehouse": "w\"h\\x", "namespace": "ns\t\u007f", "table": "t\ud83d\ude00", "token_env_var": null, "credential_vending": true, "catalog_properties": {"a": "1", "b.c": "x y"}}`
	if got := string(o.encode()); got != want {
		t.Errorf("encode:\n got %s\nwant %s", got, want)
	}
	back, err := decodeIcebergOptions([]byte(want))
	if err != nil {
		t.Fatal(err)
	}
	if back.Table != o.Table || back.CatalogName != o.CatalogName || back.TokenEnvVar != "" || back.CatalogProperties["b.c"] != "x y" {
		t.Errorf("decode = %+v", back)
	}
}

func TestDecodeIcebergDefaults(t *testing.T) {
	o, err := decodeIcebergOptions([]byte(`{"warehouse": "w", "namespace": "n", "table": "t"}`))
	if err != nil {
		t.Fatal(err)
	}
	if o.CatalogType != "rest" || o.CatalogName != "feast_iceberg" || !o.CredentialVending {
		t.Errorf("defaults = %+v", o)
	}
	for _, bad := range []string{`{"namespace": "n", "table": "t"}`, `not json`, `{"warehouse": 1}`} {
		if _, err := decodeIcebergOptions([]byte(bad)); err == nil {
			t.Errorf("decode(%s) gave no error", bad)
		}
	}
}

func TestParseDtype(t *testing.T) {
	tests := []struct {
		in   string
		want ValueType
	}{
		{"Int64", feastpb.ValueType_INT64}, {"Float32", feastpb.ValueType_FLOAT}, {"Float64", feastpb.ValueType_DOUBLE},
		{"String", feastpb.ValueType_STRING}, {"Bytes", feastpb.ValueType_BYTES}, {"Bool", feastpb.ValueType_BOOL},
		{"UnixTimestamp", feastpb.ValueType_UNIX_TIMESTAMP}, {"Array(Int64)", feastpb.ValueType_INT64_LIST},
		{"Array(String)", feastpb.ValueType_STRING_LIST}, {"Set(Float32)", feastpb.ValueType_FLOAT_SET},
		{"INT32", feastpb.ValueType_INT32}, {" Json ", feastpb.ValueType_JSON},
	}
	for _, tt := range tests {
		got, err := ParseDtype(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseDtype(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if back, err := ParseDtype(DtypeName(got)); err != nil || back != got {
			t.Errorf("DtypeName(%v) = %q does not parse back", got, DtypeName(got))
		}
	}
	for _, bad := range []string{"int64", "Array(Map2)", "Set(Json)", "Array(", "", "NULL", "INVALID"} {
		if _, err := ParseDtype(bad); err == nil {
			t.Errorf("ParseDtype(%q) gave no error", bad)
		}
	}
}

func TestParseTTL(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"0", 0}, {"3600", time.Hour}, {"24h", 24 * time.Hour}, {"1h30m", 90 * time.Minute},
		{"7d", 7 * 24 * time.Hour}, {"2w", 14 * 24 * time.Hour}, {"0.5d", 12 * time.Hour},
	}
	for _, tt := range tests {
		if got, err := ParseTTL(tt.in); err != nil || got != tt.want {
			t.Errorf("ParseTTL(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "-1", "-2h", "soon", "3x", "-1d"} {
		if _, err := ParseTTL(bad); err == nil {
			t.Errorf("ParseTTL(%q) gave no error", bad)
		}
	}
}

func TestRecordMaterializationMovesViewLast(t *testing.T) {
	r := NewRegistry()
	for _, name := range []string{"a", "b", "c"} {
		r.pb.FeatureViews = append(r.pb.FeatureViews, &feastpb.FeatureView{Spec: &feastpb.FeatureViewSpec{Name: name, Project: "p"}})
	}
	start, end := time.Unix(100, 0).UTC(), time.Unix(200, 0).UTC()
	if err := r.RecordMaterialization("p", "a", start, end, end); err != nil {
		t.Fatal(err)
	}
	fvs := r.pb.FeatureViews
	if fvs[2].Spec.Name != "a" || fvs[2].Meta.State != feastpb.FeatureViewState_AVAILABLE_ONLINE {
		t.Fatalf("view not moved last / state: %v", fvs)
	}
	o, _ := r.Objects("p")
	fv, _ := o.FeatureView("a")
	if !fv.LastMaterialized().Equal(end) || len(fv.Intervals) != 1 || !fv.Intervals[0].Start.Equal(start) {
		t.Errorf("intervals = %v", fv.Intervals)
	}
	if err := r.RecordMaterialization("other", "a", start, end, end); err == nil {
		t.Error("recorded into the wrong project")
	}
}

func TestWithdrawMaterialization(t *testing.T) {
	r := NewRegistry()
	r.pb.FeatureViews = append(r.pb.FeatureViews, &feastpb.FeatureView{Spec: &feastpb.FeatureViewSpec{Name: "a", Project: "p"}})
	r.pb.StreamFeatureViews = append(r.pb.StreamFeatureViews, &feastpb.StreamFeatureView{Spec: &feastpb.StreamFeatureViewSpec{Name: "s", Project: "p"}})
	t1, t2, t3 := time.Unix(100, 0).UTC(), time.Unix(200, 0).UTC(), time.Unix(300, 0).UTC()
	for _, v := range []string{"a", "s"} {
		for _, iv := range [][2]time.Time{{t1, t2}, {t2, t3}} {
			if err := r.RecordMaterialization("p", v, iv[0], iv[1], iv[1]); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		view       string
		start, end time.Time
		found      bool
		last       time.Time // watermark after
		wantErr    bool
	}{
		{"a", t2, t3, true, t2, false},
		{"a", t2, t3, false, t2, false}, // already withdrawn
		{"a", t1, t3, false, t2, false}, // never recorded
		{"s", t2, t3, true, t2, false},
		{"missing", t1, t2, false, time.Time{}, true},
	}
	for _, tt := range tests {
		found, err := r.WithdrawMaterialization("p", tt.view, tt.start, tt.end)
		if found != tt.found || (err != nil) != tt.wantErr {
			t.Errorf("withdraw %s [%v, %v]: found %v, err %v", tt.view, tt.start, tt.end, found, err)
			continue
		}
		if tt.wantErr {
			continue
		}
		o, _ := r.Objects("p")
		var last time.Time
		if fv, err := o.FeatureView(tt.view); err == nil {
			last = fv.LastMaterialized()
		}
		if !last.Equal(tt.last) {
			t.Errorf("withdraw %s [%v, %v]: watermark %v, want %v", tt.view, tt.start, tt.end, last, tt.last)
		}
	}
}
