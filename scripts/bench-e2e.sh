#!/usr/bin/env bash
# The end-to-end performance harness (issue #9; BENCHMARKS.md records the results).
#
# One run, one table. Generates ROWS rows over ENTITIES entities with 10 Float64
# features into an Iceberg table (SQLite catalog, day partitions), starts a private
# redis-server on a free loopback port, and measures:
#   - the ceiling: redis-benchmark -P 100 HSET of the same shape as a feast-go row
#     (10 four-byte feature fields with 9-byte values and _ts, 45-byte random keys);
#   - feast-go materialize with skip_dedup (blind writes) and with the default
#     compare-and-set;
#   - Feast 0.67 materialize of FEAST_ROWS rows of the same shape (Feast is slow:
#     its rate is per row, stated as such);
#   - the precomputed-vector rebuild of a service over the view: feast-go precompute
#     on every entity, Feast's precompute_feature_service on its FEAST_ROWS entities;
#   - what the vectors cost a materialization: the same runs with the service applied,
#     and with a service over two views (skip_dedup).
# Wall time and peak RSS come from /usr/bin/time -v. Ratios: feast-go's rate over
# Feast's (per row or entity), and over the Redis ceiling.
#
# Usage: scripts/bench-e2e.sh                      # 1M rows over 1M entities
#        ROWS=10000000 ENTITIES=1000000 scripts/bench-e2e.sh
#        FEAST_ROWS=0 scripts/bench-e2e.sh         # without Feast
#        BASELINE=REV scripts/bench-e2e.sh         # also materialize and precompute with feast-go at commit REV
set -euo pipefail
ROWS=${ROWS:-1000000}
ENTITIES=${ENTITIES:-$ROWS}
FEAST_ROWS=${FEAST_ROWS:-100000}
PY=${FEAST_GO_PYTHON:-$HOME/.cache/feast-go/venv/bin/python}
source "$(dirname "$0")/lib/bench.sh"
bench_start
[ -z "${BASELINE:-}" ] || bench_baseline "$BASELINE"

make_repo() { # dir rows entities db
  bench_repo "$1" "$4"
  "$work/benchdata" -dir "$1/data" -rows "$2" -entities "$3" write >/dev/null
}

features_yaml() { # with_service
  bench_definitions rows
  if [ "$1" = yes ]; then
    printf 'feature_services:\n  - {name: svc, features: [bench], precompute_online: true}\n'
  fi
}

echo "generating $ROWS rows over $ENTITIES entities" >&2
make_repo "$work/go" "$ROWS" "$ENTITIES" 2
features_yaml no >"$work/go/features.yaml"
fg() { "$work/feast-go" -C "$work/go" "$@"; }
fg apply -q >/dev/null
sed 's/^  connection_string: .*/&\n  skip_dedup: true/' "$work/go/feature_store.yaml" >"$work/go/feature_store_blind.yaml"
: >"$work/results.tsv"

# The ceiling: the same HSET shape straight from redis-benchmark.
v9=123456789 ts=12345678901
redis-benchmark -p "$port" -P 100 -n "$ROWS" -r "$ENTITIES" -q --csv \
  HSET "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk:__rand_int__" \
  ff00 $v9 ff01 $v9 ff02 $v9 ff03 $v9 ff04 $v9 ff05 $v9 ff06 $v9 ff07 $v9 ff08 $v9 ff09 $v9 _ts:bench $ts >"$work/rb.csv"
ceiling=$(awk -F'","' 'NR==2 {gsub(/"/,"",$2); print $2}' "$work/rb.csv")
redis-cli -p "$port" flushall >/dev/null

echo "feast-go materialize" >&2
# An untimed first run: the first materialize on a fresh server took 20% longer than the
# runs after it (4.85 s against 3.97-4.03 s, of either build), which biased whichever
# run came first.
"$work/feast-go" -C "$work/go" --config feature_store_blind.yaml materialize 2026-01-01 2026-01-11 -q >/dev/null
redis-cli -p "$port" -n 2 flushdb >/dev/null
timed "feast-go materialize, skip_dedup" "$ROWS" rows -- "$work/feast-go" -C "$work/go" --config feature_store_blind.yaml materialize 2026-01-01 2026-01-11 -q
redis-cli -p "$port" -n 2 flushdb >/dev/null
timed "feast-go materialize, compare-and-set" "$ROWS" rows -- "$work/feast-go" -C "$work/go" materialize 2026-01-01 2026-01-11 -q
keys=$(redis-cli -p "$port" -n 2 dbsize)
if [ -n "${BASELINE:-}" ]; then
  cp "$work/go/data/registry.db" "$work/registry.after"
  for mode in skip_dedup compare-and-set; do
    config=feature_store.yaml; [ $mode = skip_dedup ] && config=feature_store_blind.yaml
    redis-cli -p "$port" -n 2 flushdb >/dev/null
    timed "feast-go $BASELINE materialize, $mode" "$ROWS" rows -- "$work/feast-go-baseline" -C "$work/go" --config $config materialize 2026-01-01 2026-01-11 -q
  done
  # The baseline's vector rebuild gets the same rows in a database of its own: a rebuild
  # over vectors already written skips them (compare-and-set) and would be cheaper.
  sed 's/,db=2$/,db=4/' "$work/go/feature_store.yaml" >"$work/go/feature_store_base.yaml"
  "$work/feast-go-baseline" -C "$work/go" --config feature_store_base.yaml materialize 2026-01-01 2026-01-11 -q
  cp "$work/registry.after" "$work/go/data/registry.db"
fi
# Compare-and-set over stored rows, as a scheduled run finds them: ROWS rows over ROWS/2
# entities, so the first half of the window holds every entity once and the second half
# again, newer. The first half is written untimed; the second is timed: each row is
# compared with the stored one (its _ts decoded by the script), then written. The runs
# above write into an empty database, where the script finds nothing to decode.
make_repo "$work/upd" "$ROWS" $((ROWS / 2)) 6
features_yaml no >"$work/upd/features.yaml"
"$work/feast-go" -C "$work/upd" apply -q >/dev/null
for bin in feast-go ${BASELINE:+feast-go-baseline}; do
  redis-cli -p "$port" -n 6 flushdb >/dev/null
  "$work/$bin" -C "$work/upd" materialize 2026-01-01 2026-01-05T23:59:59.999999 -q >/dev/null
  label="feast-go materialize, compare-and-set, over stored rows"; [ $bin = feast-go ] || label="feast-go $BASELINE materialize, compare-and-set, over stored rows"
  timed "$label" $((ROWS / 2)) rows -- "$work/$bin" -C "$work/upd" materialize 2026-01-06 2026-01-11 -q
done
redis-cli -p "$port" -n 6 flushdb >/dev/null

features_yaml yes >"$work/go/features.yaml"
fg apply -q >/dev/null
echo "feast-go precompute" >&2
timed "feast-go precompute (full rebuild)" "$keys" entities -- "$work/feast-go" -C "$work/go" precompute svc -q
# Again, over the vectors the first rebuild wrote. The first one grows Redis from about
# 0.3 to 1.3 GB (each hash turns from a listpack into a hash table: the vector is longer
# than hash-max-listpack-value); every rebuild after it finds that memory in place.
timed "feast-go precompute (full rebuild, again)" "$keys" entities -- "$work/feast-go" -C "$work/go" precompute svc -q
[ -z "${BASELINE:-}" ] ||
  timed "feast-go $BASELINE precompute (full rebuild)" "$keys" entities -- "$work/feast-go-baseline" -C "$work/go" --config feature_store_base.yaml precompute svc -q

# The same materializations with the service applied: each run also writes the vectors of
# the entities it wrote, from the rows it holds. The difference from the runs without the
# service is what the vectors cost (summed up below the table). An untimed run first: the
# first run with vectors after a flush grows Redis's memory again and took up to 50% longer
# than the ones after it, whichever build it was.
redis-cli -p "$port" -n 2 flushdb >/dev/null
fg --config feature_store_blind.yaml materialize 2026-01-01 2026-01-11 -q >/dev/null
for bin in feast-go ${BASELINE:+feast-go-baseline}; do
  for mode in skip_dedup compare-and-set; do
    config=feature_store.yaml; [ $mode = skip_dedup ] && config=feature_store_blind.yaml
    redis-cli -p "$port" -n 2 flushdb >/dev/null
    label="feast-go materialize + vectors, $mode"; [ $bin = feast-go ] || label="feast-go $BASELINE materialize + vectors, $mode"
    timed "$label" "$ROWS" rows -- "$work/$bin" -C "$work/go" --config $config materialize 2026-01-01 2026-01-11 -q
  done
done

# A service over two views (the second with five of the features): its vectors are built once
# both views are written, from the rows in memory, in commands of their own. Only a service of
# one view has its vectors ride with the rows. skip_dedup only; each run writes 2 rows an entity.
two_views() { # with_service
  bench_definitions rows
  printf '  - name: bench_b\n    entities: [entity]\n    ttl: 0\n    source: rows\n    schema:\n'
  for i in 0 1 2 3 4; do echo "      - {name: f$i, dtype: Float64}"; done
  [ "$1" = no ] || printf 'feature_services:\n  - {name: svc2, features: [bench, bench_b], precompute_online: true}\n'
}
for svc in no yes; do
  two_views $svc >"$work/go/features.yaml"
  fg apply -q >/dev/null
  redis-cli -p "$port" -n 2 flushdb >/dev/null
  label="feast-go materialize, 2 views, skip_dedup"; [ $svc = no ] || label="feast-go materialize, 2 views + vectors, skip_dedup"
  timed "$label" $((2 * ROWS)) rows -- "$work/feast-go" -C "$work/go" --config feature_store_blind.yaml materialize 2026-01-01 2026-01-11 -q
done

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
  feast=$(dirname "$PY")/feast
  (cd "$work/feast" && FEAST_USAGE=False "$feast" apply >/dev/null)
  (cd "$work/feast" && FEAST_USAGE=False timed "Feast 0.67 materialize" "$FEAST_ROWS" rows -- "$feast" materialize 2026-01-01T00:00:00 2026-01-11T00:00:00)
  # Feast rebuilt no vectors yet (no service); add one and time the full rebuild.
  printf 'from feast import FeatureService\nfrom defs import bench\nsvc = FeatureService(name="svc", features=[bench], precompute_online=True)\n' >"$work/feast/svc.py"
  (cd "$work/feast" && FEAST_USAGE=False "$feast" apply >/dev/null)
  feast_keys=$(redis-cli -p "$port" -n 3 dbsize)
  (cd "$work/feast" && FEAST_USAGE=False timed "Feast 0.67 precompute_feature_service" "$feast_keys" entities -- "$PY" -c \
    'from feast import FeatureStore; FeatureStore(repo_path=".").precompute_feature_service("svc")')
fi

echo
machine
echo "data: $ROWS rows over $ENTITIES entities, 10 Float64 features; Feast on $FEAST_ROWS rows (its rates are per row or entity, so ratios compare rates)"
echo "ceiling: redis-benchmark -P 100 HSET of the same shape: $(printf '%.0f' "$ceiling") rows/s"
echo
echo "OF REDIS: entities written per second (a materialization writes one row per entity) over the ceiling;"
echo "for a rebuild, entities per second over half the ceiling (each entity is one read and one write)"
echo
awk -F'\t' -v ceiling="$ceiling" -v entities="$ENTITIES" '
  { label[NR]=$1; kind[NR]=$2; n[NR]=$3; secs[NR]=$4; rate[NR]=$5; rss[NR]=$6; cpu[NR]=$7
    if ($1 ~ /^Feast/) feast[$2]=$5 }
  END {
    printf "%-48s %16s %9s %12s %9s %12s %10s %10s\n", "WHAT", "UNITS", "SECONDS", "PER SECOND", "PEAK MB", "CPU µs/UNIT", "× FEAST", "OF REDIS"
    for (i = 1; i <= NR; i++) {
      x = (label[i] !~ /^Feast/ && feast[kind[i]] > 0) ? sprintf("%.1f×", rate[i] / feast[kind[i]]) : "-"
      w = (label[i] ~ /^Feast/) ? n[i] : entities  # the Feast table has one row per entity
      if (label[i] ~ /2 views/) w = 2 * entities
      if (label[i] ~ /over stored rows/) w = n[i]
      c = (kind[i] == "rows") ? sprintf("%.1f%%", 100 * w / secs[i] / ceiling) : "-"
      if (kind[i] == "entities" && label[i] !~ /^Feast/) c = sprintf("%.1f%% of ½", 200 * n[i] / secs[i] / ceiling)
      printf "%-48s %16s %9.2f %12s %9s %12s %10s %10s\n", label[i], n[i] " " kind[i], secs[i], rate[i], rss[i], cpu[i], x, c
    }
  }' "$work/results.tsv"
echo
echo "WHAT THE VECTORS COST: seconds of materialize + vectors over materialize alone, same build and mode"
awk -F'\t' '
  { secs[$1]=$4 }
  END {
    for (b in secs) {
      if (b !~ / \+ vectors, /) continue
      plain = b; sub(/ \+ vectors/, "", plain)
      if (secs[plain] > 0) printf "%-48s +%.1f%%\n", b, 100 * (secs[b] / secs[plain] - 1)
    }
  }' "$work/results.tsv" | sort
