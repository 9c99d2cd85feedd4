# Phystack managed tenants API. `make run` and `make test` are the two
# commands a newcomer needs (see README.md).
GO ?= go
PKGS := ./...

.PHONY: generate build run test lint bench bench-go check-generate migration

## generate: regenerate ent + entgql, then gqlgen (in that order)
generate:
	$(GO) run -mod=mod ./ent/entc.go
	$(GO) run -mod=mod ./graph/compiledgen/gqlgen

## check-generate: fail when generating changes the tree
check-generate: generate
	@git diff --exit-code --stat -- ent graph gqlgen.yml schema.graphqls || \
		(echo "generated code is stale: run make generate and commit" && exit 1)
	@test -z "$$(git status --porcelain --untracked-files=all -- ent graph)" || \
		(git status --porcelain -- ent graph; echo "generate left new files" && exit 1)

## migration: write the next PostgreSQL migration (a goose file) from the ent schema (NAME=...)
migration:
	@test -n "$(NAME)" || (echo "usage: make migration NAME=add_something" && exit 1)
	$(GO) run -mod=mod ./migrations/gen/main.go $(NAME)

build:
	$(GO) build -o bin/phystack-api ./cmd/phystack-api

## run: the server on the embedded SQLite store, with demo data and tokens
run:
	$(GO) run ./cmd/phystack-api serve --demo

## test: the whole suite; set TEST_DATABASE_URL=postgres://... to run it on PostgreSQL
test:
	$(GO) test -count=1 -timeout 20m $(PKGS)

lint:
	gofmt -l $$(git ls-files '*.go' | grep -v -E '^(ent/|graph/generated/)') | (! grep .)
	$(GO) vet $(PKGS)

## bench: the load harness against a real server (DATABASE_URL, BENCH_TENANTS,
## BENCH_DURATION, BENCH_CONCURRENCY); one JSON line per scenario
bench: build
	$(GO) run ./cmd/phystack-bench

## bench-go: the go test benchmarks of the hot paths (compare with benchstat)
bench-go:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)
