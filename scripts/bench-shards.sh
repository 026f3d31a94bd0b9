#!/usr/bin/env bash
# The sharded-materialization benchmark (issue #16; BENCHMARKS.md records the results).
#
# Generates ROWS rows over ENTITIES entities with 10 Float64 features into an Iceberg
# table (SQLite catalog), starts a private standalone redis-server and a private
# 3-master Redis Cluster on free loopback ports, and measures, each under
# /usr/bin/time -v (wall time, user+sys CPU, peak RSS):
#   - one process, compare-and-set, on standalone Redis (the single-process figure);
#   - the same run as SHARDS shards (default "2 4"), run one after another, as N
#     machines would run them side by side: every shard's own figures and the work it
#     did (rows scanned, rows of other shards, entities written);
#   - one process, compare-and-set and skip_dedup, on the Redis Cluster, beside the
#     same runs on standalone Redis. With BASELINE=REV, the cluster compare-and-set run
#     is repeated with feast-go built at REV (e.g. the commit before slot grouping).
# Beside every run: feast-go's CPU and the Redis servers' CPU (user+sys, from /proc).
#
# Usage: scripts/bench-shards.sh                          # 10M rows over 1M entities
#        ROWS=1000000 ENTITIES=100000 SHARDS="2" scripts/bench-shards.sh
#        BASELINE=749047b scripts/bench-shards.sh
set -euo pipefail
ROWS=${ROWS:-10000000}
ENTITIES=${ENTITIES:-1000000}
SHARDS=${SHARDS-2 4} # empty: no sharded runs
source "$(dirname "$0")/lib/bench.sh"
bench_start

# free_port prints a free loopback port whose cluster bus port (+10000) is valid too.
free_port() {
  python3 -c 'import socket
while True:
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close()
    if p < 55000: print(p); break'
}

cluster=()
for i in 1 2 3; do
  p=$(free_port)
  mkdir -p "$work/node$i"
  redis-server --port "$p" --bind 127.0.0.1 --save "" --appendonly no --dir "$work/node$i" \
    --cluster-enabled yes --cluster-node-timeout 2000 >"$work/node$i/log" 2>&1 &
  node_pids+=" $!"
  cluster+=("127.0.0.1:$p")
done
trap 'kill $redis_pid $node_pids 2>/dev/null || true; rm -rf "$work"' EXIT
for a in "${cluster[@]}"; do
  for _ in $(seq 100); do redis-cli -p "${a##*:}" ping >/dev/null 2>&1 && break; sleep 0.1; done
done
redis-cli --cluster create "${cluster[@]}" --cluster-replicas 0 --cluster-yes >/dev/null
for _ in $(seq 200); do redis-cli -p "${cluster[0]##*:}" cluster info | grep -q cluster_state:ok && break; sleep 0.1; done
flush_cluster() { for a in "${cluster[@]}"; do redis-cli -p "${a##*:}" flushall >/dev/null; done; }

[ -z "${BASELINE:-}" ] || bench_baseline "$BASELINE"

echo "generating $ROWS rows over $ENTITIES entities" >&2
bench_repo "$work/go" 2
"$work/benchdata" -dir "$work/go/data" -rows "$ROWS" -entities "$ENTITIES" write >/dev/null
bench_definitions rows >"$work/go/features.yaml"
fg() { "$work/feast-go" -C "$work/go" "$@"; }
fg apply -q >/dev/null
# Every run starts from the applied registry and an empty store.
cp "$work/go/data/registry.db" "$work/registry.applied"
fresh() { cp "$work/registry.applied" "$work/go/data/registry.db"; redis-cli -p "$port" flushall >/dev/null; flush_cluster; }
sed "s|^  connection_string: .*|  connection_string: \"$(IFS=,; echo "${cluster[*]}")\"\n  redis_type: redis_cluster|" \
  "$work/go/feature_store.yaml" >"$work/go/feature_store_cluster.yaml"
sed 's/^  redis_type: redis_cluster/&\n  skip_dedup: true/' "$work/go/feature_store_cluster.yaml" >"$work/go/feature_store_cluster_blind.yaml"
sed 's/^  connection_string: .*/&\n  skip_dedup: true/' "$work/go/feature_store.yaml" >"$work/go/feature_store_blind.yaml"
: >"$work/results.tsv"
: >"$work/shards.tsv"
: >"$work/cpu.tsv"

# redis_cpu prints the CPU seconds (user+sys) every Redis server of this run has used.
redis_cpu() {
  local t=0
  for p in $redis_pid $node_pids; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
  echo "scale=2; $t / $(getconf CLK_TCK)" | bc
}

# run LABEL BINARY CONFIG [ARGS...]: one timed materialization; its JSON summary is kept.
run() {
  local label=$1 bin=$2 cfg=$3; shift 3
  local r0
  r0=$(redis_cpu)
  timed "$label" "$ROWS" rows -- "$bin" -C "$work/go" --config "$cfg" --json materialize 2026-01-01 2026-01-11 "$@"
  cp "$work/out.txt" "$work/last.json"
  awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.1f\n", u+s}' "$work/time.txt" >"$work/cpu.txt"
  printf '%s\t%s\t%s\n' "$label" "$(cat "$work/cpu.txt")" "$(echo "$(redis_cpu) - $r0" | bc)" >>"$work/cpu.tsv"
}

echo "one process, standalone Redis" >&2
fresh
run "one process, compare-and-set" "$work/feast-go" feature_store.yaml
single_cpu=$(cat "$work/cpu.txt")
fresh
run "one process, skip_dedup" "$work/feast-go" feature_store_blind.yaml

for n in $SHARDS; do
  fresh
  for i in $(seq 0 $((n - 1))); do
    echo "shard $i/$n" >&2
    run "shard $i/$n, compare-and-set" "$work/feast-go" feature_store.yaml --shard "$i/$n" --run-id "bench-$n"
    python3 - "$n" "$i" "$(cat "$work/cpu.txt")" "$work/last.json" >>"$work/shards.tsv" <<'PY'
import json, sys
n, i, cpu, path = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
for line in open(path):
    s = json.loads(line)
    if s.get("message_type") == "summary":
        v = s["views"][0]
        print(f"{n}\t{i}\t{v['rows_scanned']}\t{v.get('rows_of_other_shards', 0)}\t{v['entities']}\t{v['written']}\t{cpu}\t{s['shard'].get('committed_here', False)}")
PY
  done
done

echo "Redis Cluster" >&2
fresh
run "cluster, one process, compare-and-set" "$work/feast-go" feature_store_cluster.yaml
fresh
run "cluster, one process, skip_dedup" "$work/feast-go" feature_store_cluster_blind.yaml
if [ -n "${BASELINE:-}" ]; then
  fresh
  run "cluster, compare-and-set at $BASELINE" "$work/feast-go-baseline" feature_store_cluster.yaml
fi

echo
machine
echo "data: $ROWS rows over $ENTITIES entities, 10 Float64 features; cluster: 3 masters on this machine"
echo "single process CPU (user+sys): ${single_cpu}s"
echo
results
echo
echo "CPU SECONDS (user+sys): feast-go, and every Redis server together"
{ printf 'what\tfeast_go_cpu_s\tredis_cpu_s\n'; cat "$work/cpu.tsv"; } | column -t -s $'\t'
echo
echo "SHARDS (run one after another; each scans every row and keeps its own entities)"
{ printf 'N\tshard\trows_scanned\trows_of_other_shards\tentities\twritten\tcpu_s\tcommitted_here\n'; cat "$work/shards.tsv"; } | column -t -s $'\t'
