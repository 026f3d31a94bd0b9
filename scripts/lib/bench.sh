# Shared by the benchmark scripts (sourced, not run): a private redis-server on a
# free loopback port, the binaries under test, and timing with peak RSS.
# After bench_start: $work (a temporary folder, removed on exit), $port, $root.

bench_start() {
  root=$(cd "$(dirname "${BASH_SOURCE[1]}")/.." && pwd)
  work=$(mktemp -d)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
  redis_pid=$!
  trap 'kill $redis_pid 2>/dev/null || true; rm -rf "$work"' EXIT
  for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  bash "$root/scripts/build.sh" "$work/feast-go"   # the release build
  settle "$work/feast-go"
  (cd "$root" && go build -o "$work/benchdata" ./internal/tools/scanbench)
}

# settle BIN: replaces a freshly linked binary by a copy of itself. Run straight
# from the linker's output, feast-go's peak RSS counted up to 20 MB more of the
# binary's own pages (71-92 MB against 68-70 MB for a copy, or after the page
# cache was dropped), from run to run; a deployed binary is like the copy.
settle() {
  cp "$1" "$1.copy" && mv "$1.copy" "$1"
}

# bench_baseline REV: builds feast-go at commit REV into $work/feast-go-baseline, the
# way that commit built its release binary (scripts/build.sh when it has one).
bench_baseline() {
  git -C "$root" worktree add -q --detach "$work/baseline" "$1"
  if [ -f "$work/baseline/scripts/build.sh" ]; then
    bash "$work/baseline/scripts/build.sh" "$work/feast-go-baseline"
  else
    (cd "$work/baseline" && CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o "$work/feast-go-baseline" ./cmd/feast-go)
  fi
  settle "$work/feast-go-baseline"
  git -C "$root" worktree remove --force "$work/baseline"
}

# timed LABEL UNITS KIND -- command...: runs the command under /usr/bin/time -v and
# appends "label kind units seconds rate peak_rss_mb cpu_us_per_unit" to $work/results.tsv
# (the command's user + system CPU, its own process and children, per unit).
timed() {
  local label=$1 units=$2 kind=$3; shift 4
  /usr/bin/time -v "$@" >"$work/out.txt" 2>"$work/time.txt" || { cat "$work/out.txt" "$work/time.txt" >&2; exit 1; }
  local secs rss
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$work/time.txt")
  rss=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2/1024}' "$work/time.txt")
  cpu=$(awk -F': ' '/(User|System) time \(seconds\)/ {s += $2} END {print s}' "$work/time.txt")
  printf '%s\t%s\t%s\t%s\t%.0f\t%s\t%.2f\n' "$label" "$kind" "$units" "$secs" "$(echo "$units / $secs" | bc -l)" "$rss" \
    "$(echo "$cpu * 1000000 / $units" | bc -l)" >>"$work/results.tsv"
}

# results prints $work/results.tsv as a table.
results() {
  { printf 'what\tunit\tcount\tseconds\tper_second\tpeak_rss_mb\tcpu_us_per_unit\n'; cat "$work/results.tsv"; } | column -t -s $'\t'
}

machine() {
  echo "machine: $(uname -m), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; commit $(cd "$root" && git rev-parse --short HEAD); redis $(redis-server --version | awk '{print $3}'); $(go env GOVERSION)"
}

# bench_repo DIR DB: feature_store.yaml for project bench on the private Redis db DB.
bench_repo() {
  mkdir -p "$1/data"
  cat >"$1/feature_store.yaml" <<YAML
project: bench
registry: data/registry.db
online_store:
  type: redis
  connection_string: 127.0.0.1:$port,db=$2
offline_store:
  type: duckdb
YAML
}

# bench_definitions SOURCE: YAML definitions of view "bench" (10 Float64 features
# f0..f9 of entity_id) reading SOURCE: the Iceberg table "rows" or its push source "rows_push".
bench_definitions() {
  cat <<YAML
entities:
  - {name: entity, join_keys: [entity_id], value_type: INT64}
data_sources:
  - name: rows
    iceberg: {catalog_type: sql, catalog_name: bench, endpoint: "sqlite:///data/catalog.db", warehouse: data/warehouse, namespace: bench, table: rows}
    timestamp_field: event_timestamp
  - name: rows_push
    push: {batch_source: rows}
feature_views:
  - name: bench
    entities: [entity]
    ttl: 0
    source: $1
    schema:
YAML
  for i in 0 1 2 3 4 5 6 7 8 9; do echo "      - {name: f$i, dtype: Float64}"; done
}
