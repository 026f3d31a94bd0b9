#!/usr/bin/env bash
# Push benchmark (issue #6; BENCHMARKS.md records the results).
#
# Writes ROWS rows over ROWS entities with 10 Float64 features as a Parquet file
# (pyarrow from the test virtualenv), starts a private redis-server on a free
# loopback port, and measures in one run, wall time and peak RSS (/usr/bin/time -v):
#   - feast-go push --to online (compare-and-set writes, then nothing else:
#     no precomputed service reads the view);
#   - feast-go push --to online_and_offline (also one Iceberg append);
#   - Feast 0.67 FeatureStore.push of the same file to its Redis online store.
#
# Usage: ROWS=100000 scripts/bench-push.sh
set -euo pipefail
ROWS=${ROWS:-100000}
PY=${FEAST_GO_PYTHON:-$HOME/.cache/feast-go/venv/bin/python}
[ -x "$PY" ] || { echo "needs the test virtualenv: run scripts/test-deps.sh" >&2; exit 1; }
source "$(dirname "$0")/lib/bench.sh"
bench_start

"$PY" - "$work/rows.parquet" "$ROWS" <<'PY'
import sys
from datetime import datetime, timezone
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
path, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(7)
cols = {"entity_id": pa.array(np.arange(1, n + 1, dtype=np.int64))}
for i in range(10):
    cols[f"f{i}"] = pa.array(rng.random(n))
cols["event_timestamp"] = pa.array([datetime(2026, 1, 5, tzinfo=timezone.utc)] * n, pa.timestamp("us", tz="UTC"))
pq.write_table(pa.table(cols), path)
PY

make_repo() { # dir db
  bench_repo "$1" "$2"
  "$work/benchdata" -dir "$1/data" -rows 1 -entities 1 write >/dev/null
}

make_repo "$work/go" 2
bench_definitions rows_push >"$work/go/features.yaml"
"$work/feast-go" -C "$work/go" apply -q >/dev/null
timed "feast-go push --to online" "$ROWS" rows -- "$work/feast-go" -C "$work/go" push rows_push -i "$work/rows.parquet" -q
keys=$(redis-cli -p "$port" -n 2 dbsize)
redis-cli -p "$port" -n 2 flushdb >/dev/null
timed "feast-go push --to online_and_offline" "$ROWS" rows -- "$work/feast-go" -C "$work/go" push rows_push -i "$work/rows.parquet" --to online_and_offline -q

make_repo "$work/feast" 3
cat >"$work/feast/defs.py" <<'PY'
from feast import Entity, FeatureView, Field, PushSource, ValueType
from feast.infra.data_sources.contrib.iceberg_catalog.iceberg_source import IcebergSource
from feast.types import Float64
entity = Entity(name="entity", join_keys=["entity_id"], value_type=ValueType.INT64)
rows = IcebergSource(name="rows", catalog_type="sql", catalog_name="bench", endpoint="sqlite:///data/catalog.db",
                     warehouse="data/warehouse", namespace="bench", table="rows", timestamp_field="event_timestamp")
rows_push = PushSource(name="rows_push", batch_source=rows)
bench = FeatureView(name="bench", entities=[entity], source=rows_push, schema=[Field(name=f"f{i}", dtype=Float64) for i in range(10)])
PY
(cd "$work/feast" && FEAST_USAGE=False "$(dirname "$PY")/feast" apply >/dev/null)
cat >"$work/feast/push.py" <<'PY'
import sys
import pandas as pd
from feast import FeatureStore
from feast.data_source import PushMode
FeatureStore(repo_path=".").push("rows_push", pd.read_parquet(sys.argv[1]), to=PushMode.ONLINE)
PY
(cd "$work/feast" && FEAST_USAGE=False timed "Feast 0.67 FeatureStore.push (online)" "$ROWS" rows -- "$PY" push.py "$work/rows.parquet")
feast_keys=$(redis-cli -p "$port" -n 3 dbsize)

echo
machine
echo "input: $ROWS rows over $ROWS entities, 10 Float64 features, Parquet; feast-go wrote $keys keys, Feast $feast_keys"
results
