#!/usr/bin/env bash
# Builds the release binary of feast-go: static (CGO_ENABLED=0), -trimpath, stripped (-s -w),
# version stamped, and with the patches in patches/ applied to their modules.
#
#   bash scripts/build.sh [output]          # default bin/feast-go
#   GOCMD=install bash scripts/build.sh     # go install instead (into $(go env GOPATH)/bin)
#   bash scripts/build.sh --modfile         # only prepare, and print the go.mod to build with
#                                           # (go build -modfile=...; .goreleaser.yaml does)
#
# The patches are fixes that are to go upstream. Each is applied to a copy of its module under
# ~/.cache/feast-go/mod, and the build uses a copy of go.mod that replaces the module with that
# copy (go build -modfile); go.mod itself, the tests and a plain `go build` are unchanged.
# Today there is one: patches/iceberg-go-v0.7.0-lazy-substrait.patch, which takes start-up from
# about 0.24 s to 0.04 s (BENCHMARKS.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${FEAST_GO_CACHE:-$HOME/.cache/feast-go}
out=${1:-$root/bin/feast-go}
cd "$root"
command -v git >/dev/null || { echo "build: git is required: it applies patches/ (git apply)" >&2; exit 1; }

version=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
commit=${COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo none)}
date=${DATE:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}

build=$cache/build
mkdir -p "$build" "$cache/mod"
cp go.mod "$build/go.mod"
cp go.sum "$build/go.sum"

# patch_module MODULE VERSION PATCH: a patched copy of MODULE@VERSION, replaced in the build's go.mod.
patch_module() {
  local mod=$1 ver=$2 patch=$3
  local want
  want=$(go list -m -f '{{.Version}}' "$mod")
  if [ "$want" != "$ver" ]; then
    echo "build: go.mod requires $mod $want, but $patch is for $ver: refresh or drop the patch" >&2
    exit 1
  fi
  local stamp dir src
  stamp=$(sha256sum "$patch" | cut -c1-12)
  dir=$cache/mod/$(basename "$mod")@$ver-$stamp
  if [ ! -f "$dir/.patched" ]; then
    src=$(go mod download -json "$mod@$ver" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    [ -d "$src" ] || { echo "build: cannot download $mod@$ver" >&2; exit 1; }
    rm -rf "$dir" "$dir.tmp"
    cp -r "$src" "$dir.tmp"
    chmod -R u+w "$dir.tmp"
    (cd "$dir.tmp" && git apply -p1 "$root/$patch")   # git apply works outside a repository too
    touch "$dir.tmp/.patched"
    mv "$dir.tmp" "$dir"
  fi
  printf '\nreplace %s => %s\n' "$mod" "$dir" >>"$build/go.mod"
}

patch_module github.com/apache/iceberg-go v0.7.0 patches/iceberg-go-v0.7.0-lazy-substrait.patch
if [ "$out" = --modfile ]; then
  echo "$build/go.mod"
  exit 0
fi

ldflags="-s -w -X main.version=$version -X main.commit=$commit -X main.date=$date"
if [ "${GOCMD:-build}" = install ]; then
  CGO_ENABLED=0 go install -modfile="$build/go.mod" -trimpath -ldflags "$ldflags" ./cmd/feast-go
  echo "installed $(go env GOPATH)/bin/feast-go" >&2
else
  mkdir -p "$(dirname "$out")"
  CGO_ENABLED=0 go build -modfile="$build/go.mod" -trimpath -ldflags "$ldflags" -o "$out" ./cmd/feast-go
fi
