#!/usr/bin/env bash
# What precomputed vectors cost Redis (BENCHMARKS.md, issue #18): materializes 1M rows over
# 1M entities (10 Float64 features, skip_dedup) into a private redis-server, alternately
# without and with a precomputed service over the view, and prints per run the wall time,
# Redis's CPU (INFO cpu) and its memory once the run is done.
#
# Usage: scripts/bench-redis-vectors.sh
#        LISTPACK=1024 scripts/bench-redis-vectors.sh     # with hash-max-listpack-value 1024
#        RUNS="no yes yes" scripts/bench-redis-vectors.sh # which runs have the service
set -euo pipefail
source "$(dirname "$0")/lib/bench.sh"
bench_start
bench_repo "$work/go" 2
[ -z "${LISTPACK:-}" ] || redis-cli -p "$port" config set hash-max-listpack-value "$LISTPACK" >/dev/null
"$work/benchdata" -dir "$work/go/data" -rows 1000000 -entities 1000000 write >/dev/null
sed -i 's/^  connection_string: .*/&\n  skip_dedup: true/' "$work/go/feature_store.yaml"
cpu() { redis-cli -p "$port" info cpu | awk -F: '/used_cpu_(sys|user):/ {s += $2} END {printf "%.2f", s}'; }
machine
echo "hash-max-listpack-value: $(redis-cli -p "$port" config get hash-max-listpack-value | tail -1)"
for svc in ${RUNS:-no yes no yes}; do
  { bench_definitions rows; [ "$svc" = no ] || printf 'feature_services:\n  - {name: svc, features: [bench], precompute_online: true}\n'; } >"$work/go/features.yaml"
  "$work/feast-go" -C "$work/go" apply -q >/dev/null
  redis-cli -p "$port" -n 2 flushdb >/dev/null
  before=$(cpu) began=$(date +%s.%N)
  "$work/feast-go" -C "$work/go" materialize 2026-01-01 2026-01-11 -q >/dev/null
  ended=$(date +%s.%N) after=$(cpu)
  printf 'service %-3s  wall %5.2f s  redis cpu %5.2f s  redis memory %s\n' "$svc" \
    "$(echo "$ended - $began" | bc)" "$(echo "$after - $before" | bc)" \
    "$(redis-cli -p "$port" info memory | awk -F: '/^used_memory_human/ {print $2}' | tr -d '\r')"
done
