# fixtura — the two set-up commands are `make demo` and `make test`.
# `make ci` is exactly what .ci/run runs: formatting, lints, every test.

CARGO  ?= cargo
DEMO_DB = target/demo.db
FIXTURA = target/release/fixtura

.PHONY: demo test ci fmt fmt-check clippy bench build

build:
	$(CARGO) build --release --locked

DEMO_STORE = target/demo-snapshots

## demo: the example care-office dataset (32,102 rows) on an embedded SQLite file, no server
## needed: schema and insert plan, generate, snapshot, restore — with both timings — then the
## CI cache: ensure --isolate twice (a miss that builds, a hit that copies)
demo: build
	@rm -rf $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm $(DEMO_DB).fixtura-* $(DEMO_STORE)
	$(FIXTURA) --db sqlite://$(DEMO_DB) exec --create schema/welfare.sqlite.sql
	$(FIXTURA) --db sqlite://$(DEMO_DB) inspect --no-counts
	$(FIXTURA) --db sqlite://$(DEMO_DB) generate --spec schema/welfare.toml | tee target/demo-generate.txt
	$(FIXTURA) --db sqlite://$(DEMO_DB) --store $(DEMO_STORE) snapshot create welfare --description "seed-004 dataset"
	$(FIXTURA) --db sqlite://$(DEMO_DB) --store $(DEMO_STORE) snapshot restore welfare | tee target/demo-restore.txt
	@awk '/^total/ { t[FILENAME] = $$3; n = $$2 } END { printf "\n%s rows: generated in %s s, restored from the snapshot in %s s (the ORM took 537 s)\n\n", n, t["target/demo-generate.txt"], t["target/demo-restore.txt"] }' target/demo-generate.txt target/demo-restore.txt
	$(FIXTURA) --db sqlite://$(DEMO_DB) --store $(DEMO_STORE) ensure --spec schema/welfare.toml --isolate --worker 1
	$(FIXTURA) --db sqlite://$(DEMO_DB) --store $(DEMO_STORE) ensure --spec schema/welfare.toml --isolate --worker 2

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
