#!/usr/bin/env bash
# Precomputed-vector rebuild benchmark (issue #5; BENCHMARKS.md records results).
# A 5-view service (4 Float64 features per view) over ENTITIES entities in a private
# redis-server: feast-go's full rebuild (feast-go precompute) and, on FEAST_ENTITIES
# entities of the same shape, Feast 0.67's FeatureStore.precompute_feature_service,
# both reading the registry feast-go wrote. Peak RSS from /usr/bin/time -v.
#
# Usage: ENTITIES=1000000 FEAST_ENTITIES=20000 scripts/bench-precompute.sh
set -euo pipefail
ENTITIES=${ENTITIES:-1000000}
FEAST_ENTITIES=${FEAST_ENTITIES:-20000}
PY=${FEAST_GO_PYTHON:-$HOME/.cache/feast-go/venv/bin/python}
source "$(dirname "$0")/lib/bench.sh"
bench_start
(cd "$root" && go build -o "$work/pcb" ./internal/tools/precomputebench)

"$work/pcb" -dir "$work/go" -redis "127.0.0.1:$port" -db 1 -entities "$ENTITIES" setup
/usr/bin/time -v "$work/feast-go" -C "$work/go" precompute svc --json >"$work/go.json" 2>"$work/go.time"
go_secs=$(sed -n 's/.*"seconds":\([0-9.]*\).*/\1/p' "$work/go.json")
go_rss=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2/1024}' "$work/go.time")

feast_rate=0
if [ -x "$PY" ] && [ "$FEAST_ENTITIES" -gt 0 ]; then
  "$work/pcb" -dir "$work/feast" -redis "127.0.0.1:$port" -db 2 -entities "$FEAST_ENTITIES" setup
  /usr/bin/time -v env FEAST_USAGE=False "$PY" -c '
import sys, time
from feast import FeatureStore
fs = FeatureStore(repo_path=sys.argv[1])
t = time.time(); fs.precompute_feature_service("svc"); print(f"seconds={time.time()-t:.3f}")
' "$work/feast" >"$work/feast.out" 2>"$work/feast.time"
  feast_secs=$(sed -n 's/seconds=//p' "$work/feast.out")
  feast_rss=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2/1024}' "$work/feast.time")
  feast_rate=$(echo "$FEAST_ENTITIES / $feast_secs" | bc -l)
  vectors=$(redis-cli -p "$port" -n 2 eval "return #redis.call('keys','*')" 0)
fi

machine
printf '%-40s %10s %9s %14s %10s\n' what entities seconds entities/s "peak RSS"
printf '%-40s %10s %9.2f %14.0f %8s MB\n' "feast-go precompute (5 views)" "$ENTITIES" "$go_secs" "$(echo "$ENTITIES / $go_secs" | bc -l)" "$go_rss"
if [ "$feast_rate" != 0 ]; then
  printf '%-40s %10s %9.2f %14.0f %8s MB\n' "Feast 0.67 precompute_feature_service" "$FEAST_ENTITIES" "$feast_secs" "$feast_rate" "$feast_rss"
  echo "per entity, feast-go / Feast: $(echo "($ENTITIES / $go_secs) / $feast_rate" | bc -l | xargs printf '%.0f')x"
fi
