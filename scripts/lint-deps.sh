#!/usr/bin/env bash
# Builds the pinned golangci-lint into ~/.cache/feast-go/bin for .ci/run's lint
# step (and `make lint`). The tests never need it. Idempotent.
set -euo pipefail
cache=${FEAST_GO_CACHE:-$HOME/.cache/feast-go}
lint_version=v2.15.0
if [ "$("$cache/bin/golangci-lint" version 2>/dev/null | awk '{print "v"$4}')" != "$lint_version" ]; then
  echo "lint-deps: building golangci-lint $lint_version (a few minutes the first time)" >&2
  GOBIN="$cache/bin" GOFLAGS= go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$lint_version"
fi
