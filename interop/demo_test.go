package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/feast-go/feast-go/cmd"
	"github.com/feast-go/feast-go/internal/testenv"
)

// TestFeastReadsTheDemo: the `feast-go init` demo, applied and materialized by
// feast-go into the embedded SQLite store, is read by Feast 0.67 with the same
// values feast-go's get prints (regular path and precomputed vectors).
func TestFeastReadsTheDemo(t *testing.T) {
	python := testenv.FeastPython(t)
	dir := filepath.Join(t.TempDir(), "demo")
	feastGo(t, filepath.Dir(dir), "init", dir)
	feastGo(t, dir, "apply")
	feastGo(t, dir, "materialize-incremental", "now")

	var out, errOut bytes.Buffer
	d := cmd.SystemDeps(cmd.BuildInfo{})
	d.IO = &cmd.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	d.Getwd = func() (string, error) { return dir, nil }
	if code := cmd.Main(context.Background(), []string{"get", "--feature-service", "driver_activity", "--entity", "driver_id=1001"}, d); code != 0 {
		t.Fatalf("get: %s", errOut.String())
	}
	ours := map[string]string{}
	for _, line := range strings.Split(out.String(), "\n")[1:] {
		if f := strings.Fields(line); len(f) == 3 {
			ours[f[0]] = f[1]
		}
	}
	script := `
import json, sys
from feast import FeatureStore
fs = FeatureStore(repo_path=sys.argv[1])
svc = fs.get_feature_service("driver_activity")
pre = fs.get_online_features(features=svc, entity_rows=[{"driver_id": 1001}], full_feature_names=True).to_dict()
reg = fs.get_online_features(features=["driver_hourly_stats:conv_rate", "driver_hourly_stats:acc_rate", "driver_hourly_stats:avg_daily_trips", "driver_profile:rating"],
                             entity_rows=[{"driver_id": 1001}], full_feature_names=True).to_dict()
print(json.dumps({"precomputed": {k: v[0] for k, v in pre.items()}, "regular": {k: v[0] for k, v in reg.items()}}))
`
	var got map[string]map[string]float64
	raw := jsonTail(testenv.Run(t, dir, python, "-c", script, dir))
	if err := json.Unmarshal([]byte(raw), &got); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	for name, val := range ours {
		want, err := strconv.ParseFloat(val, 64)
		if err != nil {
			t.Fatalf("%s = %q", name, val)
		}
		for _, path := range []string{"precomputed", "regular"} {
			if v, ok := got[path][name]; !ok || math.Abs(v-want) > 1e-6 {
				t.Errorf("Feast's %s read: %s = %v, feast-go's get %v", path, name, v, want)
			}
		}
	}
	if len(ours) != 4 {
		t.Fatalf("feast-go get printed %d features: %s", len(ours), out.String())
	}
}
