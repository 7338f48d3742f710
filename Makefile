# fixtura — the two set-up commands are `make demo` and `make test`.
# `make ci` is exactly what .ci/run runs: formatting, lints, every test.

CARGO  ?= cargo
DEMO_DB = target/demo.db
FIXTURA = target/release/fixtura

.PHONY: demo test ci fmt fmt-check clippy bench build

build:
	$(CARGO) build --release --locked

## demo: the example care-office dataset (32,102 rows) generated into an embedded SQLite
## file, no server needed: schema, insert plan, generation summary
demo: build
	@rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(FIXTURA) --db sqlite://$(DEMO_DB) exec --create schema/welfare.sqlite.sql
	$(FIXTURA) --db sqlite://$(DEMO_DB) inspect --no-counts
	$(FIXTURA) --db sqlite://$(DEMO_DB) generate --spec schema/welfare.toml

## test: every test, against the real PostgreSQL and MariaDB servers (see README)
test:
	$(CARGO) test --locked --doc
	$(CARGO) nextest run --locked --no-fail-fast

fmt:
	$(CARGO) fmt

fmt-check:
	$(CARGO) fmt --check

clippy:
	$(CARGO) clippy --locked --all-targets -- -D warnings

ci: fmt-check clippy test

## bench: figures, never assertions (see BENCHMARKS.md)
bench: build
	benches/run.sh
