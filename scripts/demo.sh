#!/usr/bin/env bash
# The README quickstart: build feast-go, write the demo repository, register it,
# materialize it into the embedded SQLite online store, push a fresh row, and read
# features back.
# Needs only Go and git. Usage: bash scripts/demo.sh [DIR]   (default: $FEAST_GO_DEMO_DIR or bin/demo)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-${FEAST_GO_DEMO_DIR:-$root/bin/demo}}
bash "$root/scripts/build.sh" "$root/bin/feast-go"
fg=$root/bin/feast-go
# The default folder is the script's own: start it afresh. Another folder is
# written with --force, which never replaces a catalog init did not write.
[ "$dir" = "$root/bin/demo" ] && rm -rf "$dir"
"$fg" init "$dir" --force
cd "$dir"
"$fg" apply
"$fg" materialize-incremental now
printf 'driver_id,conv_rate,event_timestamp\n1001,0.99,%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" |
  "$fg" push driver_stats_push --input - --format csv
"$fg" get --feature-service driver_activity --entity driver_id=1001 --entity driver_id=1002
# The pushed row, read back from the view it landed in:
"$fg" get --features driver_live:conv_rate --entity driver_id=1001
echo "The binary is $fg; \`make install\` puts feast-go on your PATH (in \$(go env GOPATH)/bin)."
