#!/usr/bin/env bash
# Online read benchmark (issue #7; BENCHMARKS.md records the results).
#
# Materializes ROWS entities into a private loopback redis-server for a
# 5-view feature service (2 Float64 features per view, precompute_online),
# then in one run measures:
#   - the floor: redis-benchmark's single-connection GET latency (-c 1 -P 1);
#   - feast-go bench: p50/p95/p99 per batch size, regular (5 views per request
#     in one pipeline) vs precomputed (one vector per entity), and throughput.
#
# Usage: ROWS=100000 DURATION=10s scripts/bench-read.sh [extra feast-go bench flags]
set -euo pipefail
ROWS=${ROWS:-100000}
DURATION=${DURATION:-10s}
source "$(dirname "$0")/lib/bench.sh"
bench_start

bench_repo "$work/repo" 0
"$work/benchdata" -dir "$work/repo/data" -rows "$ROWS" -entities "$ROWS" write >/dev/null
{
  echo "entities:"
  echo "  - {name: entity, join_keys: [entity_id], value_type: INT64}"
  echo "data_sources:"
  echo "  - name: rows"
  echo "    iceberg: {catalog_type: sql, catalog_name: bench, endpoint: \"sqlite:///data/catalog.db\", warehouse: data/warehouse, namespace: bench, table: rows}"
  echo "    timestamp_field: event_timestamp"
  echo "feature_views:"
  for v in 0 1 2 3 4; do
    echo "  - name: view$v"
    echo "    entities: [entity]"
    echo "    ttl: 0"
    echo "    source: rows"
    echo "    schema: [{name: f$((2*v)), dtype: Float64}, {name: f$((2*v+1)), dtype: Float64}]"
  done
  echo "feature_services:"
  echo "  - name: five_views"
  echo "    features: [view0, view1, view2, view3, view4]"
  echo "    precompute_online: true"
} >"$work/repo/features.yaml"
fg() { "$work/feast-go" -C "$work/repo" "$@"; }
fg apply -q >/dev/null
fg materialize 2026-01-01 2026-01-11 -q >/dev/null

echo "floor: redis-benchmark -c 1 -P 1 GET (one connection, one command per round trip)"
redis-cli -p "$port" set k 0123456789012345678901234567890123456789 >/dev/null
redis-benchmark -p "$port" -c 1 -P 1 -n 100000 -t get --csv | column -t -s,
echo
echo "$(machine); $ROWS entities"
fg bench --feature-service five_views --duration "$DURATION" "$@"
