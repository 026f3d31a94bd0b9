# feast-go developer targets. `make help` lists them.
GO ?= go
BIN ?= bin/feast-go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo none)
DATE ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
PROTOS := $(shell find proto -name '*.proto' | sort)

.PHONY: help build install test test-short lint fmt vet tidy proto ci clean demo bench-e2e

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

build: ## build bin/feast-go as released: static, stripped, with patches/ applied (scripts/build.sh)
	VERSION=$(VERSION) COMMIT=$(COMMIT) DATE=$(DATE) bash scripts/build.sh $(BIN)

install: ## install feast-go, built as released, into $(go env GOPATH)/bin (put that folder on your PATH)
	VERSION=$(VERSION) COMMIT=$(COMMIT) DATE=$(DATE) GOCMD=install bash scripts/build.sh

demo: ## the README quickstart: demo repository, apply, materialize into SQLite, read back
	bash scripts/demo.sh

bench-e2e: ## materialization and vector rebuilds beside redis-benchmark and Feast 0.67, one table (ROWS=10000000 for 10M; see BENCHMARKS.md)
	bash scripts/bench-e2e.sh

test: ## the full test suite, as CI runs it (starts its own servers)
	bash .ci/run

test-short: ## unit tests only, no servers, no Feast
	$(GO) test -short ./...

lint: vet ## go vet plus golangci-lint when installed
	@lint=$$(command -v golangci-lint || echo $(HOME)/.cache/feast-go/bin/golangci-lint); if [ -x "$$lint" ]; then "$$lint" run ./...; else echo "golangci-lint not installed (bash scripts/lint-deps.sh builds it); ran go vet only"; fi

vet:
	$(GO) vet ./...

fmt: ## gofmt the tree
	gofmt -w $$(git ls-files '*.go')

tidy:
	$(GO) mod tidy

proto: ## regenerate registry/feastpb from proto/ (protoc, or grpcio-tools' protoc in ~/.cache/feast-go/protoc-venv; the Go plugins are pinned in go.mod)
	rm -f registry/feastpb/*.pb.go registry/feastpb/registrypb/*.pb.go
	@if command -v protoc >/dev/null; then protoc=protoc; inc=; else \
	  py=$(HOME)/.cache/feast-go/protoc-venv/bin/python; \
	  [ -x $$py ] || { python3 -m venv $(HOME)/.cache/feast-go/protoc-venv && $$py -m pip install -q grpcio-tools==1.85.1; }; \
	  protoc="$$py -m grpc_tools.protoc"; inc="-I$$($$py -c 'import grpc_tools, os; print(os.path.dirname(grpc_tools.__file__))')/_proto"; fi; \
	$$protoc --proto_path=proto $$inc \
		--plugin=protoc-gen-go="$$($(GO) tool -n protoc-gen-go)" \
		--plugin=protoc-gen-go-grpc="$$($(GO) tool -n protoc-gen-go-grpc)" \
		--go_out=. --go_opt=module=github.com/feast-go/feast-go \
		--go-grpc_out=. --go-grpc_opt=module=github.com/feast-go/feast-go \
		$(PROTOS)

clean:
	rm -rf bin
