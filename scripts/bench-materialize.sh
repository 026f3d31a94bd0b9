#!/usr/bin/env bash
# End-to-end materialization benchmark (issue #4; BENCHMARKS.md records the results).
#
# Generates ROWS rows over ENTITIES entities with 10 Float64 features into an Iceberg
# table (SQLite catalog, day partitions), starts a private redis-server on a free
# loopback port, and measures in one run:
#   - the ceiling: redis-benchmark -P 100 running an HSET of the same shape
#     (11 fields: 10 four-byte feature fields with 9-byte values and _ts, keys of
#     the same length, random keys via __rand_int__);
#   - feast-go materialize with skip_dedup (blind writes) and with the default
#     compare-and-set, wall time and peak RSS (/usr/bin/time -v);
#   - Feast 0.67 materialize of FEAST_ROWS rows of the same shape (Feast is slow:
#     its rate is per row, stated as such), when the test virtualenv exists.
#
# Usage: ROWS=1000000 ENTITIES=1000000 FEAST_ROWS=100000 scripts/bench-materialize.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ROWS=${ROWS:-1000000}
ENTITIES=${ENTITIES:-$ROWS}
FEAST_ROWS=${FEAST_ROWS:-100000}
PY=${FEAST_GO_PYTHON:-$HOME/.cache/feast-go/venv/bin/python}
work=$(mktemp -d)
trap 'kill $redis_pid 2>/dev/null || true; rm -rf "$work"' EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done

(cd "$root" && CGO_ENABLED=0 go build -o "$work/feast-go" ./cmd/feast-go && go build -o "$work/benchdata" ./internal/tools/scanbench)

make_repo() { # dir rows entities db
  local dir=$1
  mkdir -p "$dir/data"
  "$work/benchdata" -dir "$dir/data" -rows "$2" -entities "$3" write
  cat >"$dir/feature_store.yaml" <<YAML
project: bench
registry: data/registry.db
online_store:
  type: redis
  connection_string: 127.0.0.1:$port,db=$4
offline_store:
  type: duckdb
YAML
  cat >"$dir/features.yaml" <<'YAML'
entities:
  - {name: entity, join_keys: [entity_id], value_type: INT64}
data_sources:
  - name: rows
    iceberg: {catalog_type: sql, catalog_name: bench, endpoint: "sqlite:///data/catalog.db", warehouse: data/warehouse, namespace: bench, table: rows}
    timestamp_field: event_timestamp
feature_views:
  - name: bench
    entities: [entity]
    ttl: 0
    source: rows
    schema:
      - {name: f0, dtype: Float64}
      - {name: f1, dtype: Float64}
      - {name: f2, dtype: Float64}
      - {name: f3, dtype: Float64}
      - {name: f4, dtype: Float64}
      - {name: f5, dtype: Float64}
      - {name: f6, dtype: Float64}
      - {name: f7, dtype: Float64}
      - {name: f8, dtype: Float64}
      - {name: f9, dtype: Float64}
YAML
}

timed() { # label rows -- command...: prints label, seconds, rows/s, peak RSS MB
  local label=$1 rows=$2; shift 3
  /usr/bin/time -v "$@" >"$work/out.txt" 2>"$work/time.txt" || { cat "$work/out.txt" "$work/time.txt" >&2; exit 1; }
  local secs rss
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$work/time.txt")
  rss=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2/1024}' "$work/time.txt")
  printf '%s\t%s\t%s\t%.0f\t%s\n' "$label" "$rows" "$secs" "$(echo "$rows / $secs" | bc -l)" "$rss" >>"$work/results.tsv"
}

echo "generating $ROWS rows over $ENTITIES entities" >&2
make_repo "$work/go" "$ROWS" "$ENTITIES" 2
"$work/feast-go" -C "$work/go" apply -q >/dev/null
sed 's/^  connection_string: .*/&\n  skip_dedup: true/' "$work/go/feature_store.yaml" >"$work/go/feature_store_blind.yaml"
printf 'what\trows\tseconds\trows_per_s\tpeak_rss_mb\n' >"$work/results.tsv"

# Ceiling: the same HSET shape straight from redis-benchmark (key length 45 like Feast's keys).
v9=123456789 ts=12345678901
redis-benchmark -p "$port" -P 100 -n "$ROWS" -r "$ENTITIES" -q --csv \
  HSET "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk:__rand_int__" \
  ff00 $v9 ff01 $v9 ff02 $v9 ff03 $v9 ff04 $v9 ff05 $v9 ff06 $v9 ff07 $v9 ff08 $v9 ff09 $v9 _ts:bench $ts >"$work/rb.csv"
ceiling=$(awk -F'","' 'NR==2 {gsub(/"/,"",$2); print $2}' "$work/rb.csv")
printf 'redis-benchmark -P 100 HSET (ceiling)\t%s\t-\t%.0f\t-\n' "$ROWS" "$ceiling" >>"$work/results.tsv"

redis-cli -p "$port" -n 2 flushdb >/dev/null
timed "feast-go materialize, skip_dedup" "$ROWS" -- "$work/feast-go" -C "$work/go" --config feature_store_blind.yaml materialize 2026-01-01 2026-01-11 -q
redis-cli -p "$port" -n 2 flushdb >/dev/null
timed "feast-go materialize, compare-and-set" "$ROWS" -- "$work/feast-go" -C "$work/go" materialize 2026-01-01 2026-01-11 -q
keys=$(redis-cli -p "$port" -n 2 dbsize)

if [ -x "$PY" ] && [ "$FEAST_ROWS" -gt 0 ]; then
  echo "Feast 0.67 on $FEAST_ROWS rows" >&2
  make_repo "$work/feast" "$FEAST_ROWS" "$FEAST_ROWS" 3
  cat >"$work/feast/defs.py" <<'PY'
from feast import Entity, FeatureView, Field, ValueType
from feast.infra.data_sources.contrib.iceberg_catalog.iceberg_source import IcebergSource
from feast.types import Float64
entity = Entity(name="entity", join_keys=["entity_id"], value_type=ValueType.INT64)
rows = IcebergSource(name="rows", catalog_type="sql", catalog_name="bench", endpoint="sqlite:///data/catalog.db",
                     warehouse="data/warehouse", namespace="bench", table="rows", timestamp_field="event_timestamp")
bench = FeatureView(name="bench", entities=[entity], source=rows, schema=[Field(name=f"f{i}", dtype=Float64) for i in range(10)])
PY
  rm "$work/feast/features.yaml"
  (cd "$work/feast" && FEAST_USAGE=False "$(dirname "$PY")/feast" apply >/dev/null)
  (cd "$work/feast" && FEAST_USAGE=False timed "Feast 0.67 materialize" "$FEAST_ROWS" -- "$(dirname "$PY")/feast" materialize 2026-01-01T00:00:00 2026-01-11T00:00:00)
fi

echo
echo "machine: $(uname -m), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; commit $(cd "$root" && git rev-parse --short HEAD); redis $(redis-server --version | awk '{print $3}')"
echo "rows: $ROWS over $ENTITIES entities, 10 Float64 features; feast-go wrote $keys keys"
column -t -s $'\t' "$work/results.tsv"
awk -F'\t' -v c="$ceiling" 'NR>1 && $1 ~ /^feast-go/ {printf "%s: %.0f%% of the redis-benchmark ceiling\n", $1, 100*$4/c}
  $1 ~ /^Feast/ {feast=$4} $1 ~ /compare-and-set/ {cas=$4} $1 ~ /skip_dedup/ {blind=$4}
  END {if (feast>0) printf "feast-go / Feast, per row: %.0fx (compare-and-set), %.0fx (skip_dedup)\n", cas/feast, blind/feast}' "$work/results.tsv"
