package registry

import (
	"strings"
	"testing"
)

const baseDefs = `entities:
  - name: driver
    join_keys: [driver_id]
    value_type: INT64
  - name: customer
    join_keys: [customer_id]
    value_type: STRING
data_sources:
  - name: src
    iceberg: {catalog_type: sql, catalog_name: c, endpoint: "sqlite:///c.db", warehouse: wh, namespace: ns, table: t}
    timestamp_field: ts
`

func parseAndValidate(t *testing.T, extra string) error {
	t.Helper()
	o := &Objects{Project: "p"}
	if err := ParseDefinitions(o, "defs.yaml", []byte(baseDefs+extra)); err != nil {
		return err
	}
	return o.Validate()
}

func TestDefinitionsErrors(t *testing.T) {
	tests := []struct {
		name  string
		extra string
		want  []string
	}{
		{"unknown view key", "feature_views:\n  - name: v\n    entities: [driver]\n    source: src\n    ttl: 1h\n    shcema: []\n",
			[]string{"defs.yaml:17:5", `unknown key "shcema" in feature view`, "schema"}},
		{"bad dtype", "feature_views:\n  - name: v\n    entities: [driver]\n    source: src\n    schema:\n      - {name: f, dtype: Integer}\n",
			[]string{"defs.yaml:17:", `field "f"`, `unknown dtype "Integer"`}},
		{"unknown entity", "feature_views:\n  - name: v\n    entities: [rider]\n    source: src\n    schema: [{name: f, dtype: Int64}]\n",
			[]string{"defs.yaml:13:5", `entity "rider" is not defined`}},
		{"unknown source", "feature_views:\n  - name: v\n    entities: [driver]\n    source: nope\n    schema: [{name: f, dtype: Int64}]\n",
			[]string{"defs.yaml:15:13", `source "nope" is not a defined data source`}},
		{"duplicate view", "feature_views:\n  - name: v\n    entities: [driver]\n    source: src\n    schema: [{name: f, dtype: Int64}]\n  - name: v\n    entities: [driver]\n    source: src\n    schema: [{name: f, dtype: Int64}]\n",
			[]string{"defs.yaml:17:5", `"v" is defined twice (also at defs.yaml:13:5)`}},
		{"join key wrong dtype", "feature_views:\n  - name: v\n    entities: [driver]\n    source: src\n    schema: [{name: driver_id, dtype: Float64}, {name: f, dtype: Int64}]\n",
			[]string{`join key "driver_id" has dtype Float64`}},
		{"join key disagrees", "feature_views:\n  - name: v\n    entities: [driver]\n    source: src\n    schema: [{name: driver_id, dtype: Int32}, {name: f, dtype: Int64}]\n",
			[]string{`entity "driver" says Int64`}},
		{"bad ttl", "feature_views:\n  - name: v\n    entities: [driver]\n    source: src\n    ttl: tomorrow\n    schema: [{name: f, dtype: Int64}]\n",
			[]string{"defs.yaml:16:10", "ttl"}},
		{"no features", "feature_views:\n  - name: v\n    entities: [driver]\n    source: src\n    schema: [{name: driver_id, dtype: Int64}, {name: ts, dtype: UnixTimestamp}]\n",
			[]string{`"v" has no features`}},
		{"precompute different join keys", views2 + "feature_services:\n  - name: svc\n    features: [dv, cv]\n    precompute_online: true\n",
			[]string{`feature service "svc" has precompute_online: true`, `"dv" has [driver_id]`, `"cv" has [customer_id]`}},
		{"service unknown feature", views2 + "feature_services:\n  - name: svc\n    features: [\"dv:[f, g]\"]\n",
			[]string{`feature view "dv" has no feature "g"`}},
		{"service unknown view", views2 + "feature_services:\n  - name: svc\n    features: [xv]\n",
			[]string{`feature view "xv" is not defined`}},
		{"service name clash", views2 + "feature_services:\n  - name: svc\n    features: [dv, dv]\n",
			[]string{`"dv" is used twice`}},
		{"bad ref syntax", views2 + "feature_services:\n  - name: svc\n    features: [\"dv:f\"]\n",
			[]string{`expected "view" or "view:[f1, f2]"`}},
		{"push unknown batch", "  - name: push\n    push: {batch_source: missing}\n",
			[]string{`batch_source "missing" is not a defined data source`}},
		{"iceberg without table", "  - name: s2\n    iceberg: {warehouse: w, namespace: n}\n    timestamp_field: ts\n",
			[]string{`key "table" is required`}},
		{"bad catalog type", "  - name: s2\n    iceberg: {catalog_type: dynamodb, warehouse: w, namespace: n, table: t}\n    timestamp_field: ts\n",
			[]string{`catalog_type "dynamodb"`, "rest, sql, glue, hive, hadoop"}},
		{"iceberg without timestamp", "  - name: s2\n    iceberg: {warehouse: w, namespace: n, table: t}\n",
			[]string{`"timestamp_field" is required`}},
		{"unknown section", "featureviews: []\n", []string{`unknown key "featureviews" in definitions file`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := parseAndValidate(t, tt.extra)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

const views2 = `feature_views:
  - name: dv
    entities: [driver]
    source: src
    schema: [{name: f, dtype: Int64}]
  - name: cv
    entities: [customer]
    source: src
    schema: [{name: g, dtype: String}]
`

func TestDefinitionsReportAllProblems(t *testing.T) {
	err := parseAndValidate(t, "feature_views:\n  - name: a\n    entities: [x]\n    source: src\n    schema: [{name: f, dtype: Int64}]\n  - name: b\n    entities: [driver]\n    source: y\n    schema: [{name: f, dtype: Int64}]\n")
	if err == nil || !strings.Contains(err.Error(), "2 problems") {
		t.Fatalf("want both problems reported, got %v", err)
	}
}

func TestEntityJoinKeys(t *testing.T) {
	o := &Objects{}
	err := ParseDefinitions(o, "e.yaml", []byte("entities:\n  - name: e\n    join_keys: [a, b]\n"))
	if err == nil || !strings.Contains(err.Error(), "exactly one join key") {
		t.Errorf("two join keys: %v", err)
	}
	o = &Objects{}
	if err := ParseDefinitions(o, "e.yaml", []byte("entities:\n  - name: rider\n")); err != nil {
		t.Fatal(err)
	}
	if o.Entities[0].JoinKey != "rider" {
		t.Errorf("default join key = %q, want the entity name", o.Entities[0].JoinKey)
	}
}

func TestDefinitionsResolve(t *testing.T) {
	o := &Objects{Project: "p"}
	defs := baseDefs + "  - name: push\n    push: {batch_source: src}\n" + `feature_views:
  - name: dv
    entities: [driver]
    source: push
    ttl: 2d
    schema: [{name: f, dtype: Int64}, {name: ts, dtype: UnixTimestamp}, {name: g, dtype: Array(String)}]
feature_services:
  - name: svc
    features: ["dv:[g]", {view: dv, alias: d2}]
    precompute_online: true
`
	if err := ParseDefinitions(o, "d.yaml", []byte(defs)); err != nil {
		t.Fatal(err)
	}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	fv := o.FeatureViews[0]
	if fv.StreamSource == nil || fv.StreamSource.Name != "push" || fv.BatchSource.Name != "src" {
		t.Errorf("push view sources: stream %v batch %v", fv.StreamSource, fv.BatchSource)
	}
	if fv.StreamSource.TimestampField != "ts" {
		t.Errorf("push source did not take the batch source's timestamp field")
	}
	if len(fv.EntityColumns) != 1 || fv.EntityColumns[0].Name != "driver_id" || fv.EntityColumns[0].Type != 4 {
		t.Errorf("entity columns = %v", fv.EntityColumns)
	}
	if fieldList(fv.Features) != "[f:Int64, g:Array(String)]" {
		t.Errorf("features = %s (timestamp column must be dropped)", fieldList(fv.Features))
	}
	svc := o.FeatureServices[0]
	if got := svc.Projections[0].String() + "; " + svc.Projections[1].String(); got != "dv[g:Array(String)]; dv as d2[f:Int64, g:Array(String)]" {
		t.Errorf("projections = %s", got)
	}
}
