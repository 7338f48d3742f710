# fixtura — the two set-up commands are `make demo` and `make test`.
# `make ci` is exactly what .ci/run runs: formatting, lints, every test.

CARGO  ?= cargo
DEMO_DB = target/demo.db
FIXTURA = target/release/fixtura

.PHONY: demo test ci fmt fmt-check clippy lean doc bench build

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
	$(CARGO) test --locked --workspace --doc
	$(CARGO) nextest run --locked --workspace --no-fail-fast

fmt:
	$(CARGO) fmt --all

fmt-check:
	$(CARGO) fmt --all --check

clippy:
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings

## lean: the library as a dependency, one backend at a time (`cargo add fixtura
## --no-default-features --features postgres`): it builds lint-clean, and without the
## binary's crates (clap, indicatif, anyhow, tracing-subscriber) or another backend's driver
LEAN_FEATURES = postgres mysql sqlite postgres,macros
CLI_CRATES = clap|indicatif|anyhow|tracing-subscriber
lean:
	@for features in $(LEAN_FEATURES); do \
		echo "lean: --no-default-features --features $$features"; \
		$(CARGO) clippy --locked -p fixtura --lib --no-default-features --features $$features -- -D warnings || exit 1; \
	done
	@for pair in "postgres:sqlx-mysql|sqlx-sqlite|libsqlite3-sys" "mysql:sqlx-postgres|sqlx-sqlite|libsqlite3-sys" \
		"sqlite:sqlx-postgres|sqlx-mysql"; do \
		features=$${pair%%:*}; others=$${pair#*:}; \
		if $(CARGO) tree --locked -p fixtura --no-default-features --features $$features -e normal --prefix none \
			| grep -E "^($(CLI_CRATES)|$$others) "; then \
			echo "lean: the $$features-only library depends on the crates above"; exit 1; \
		fi; \
	done

## doc: the library's documentation builds without a broken link or a private item named
doc:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --locked --no-deps -p fixtura -p fixtura-macros

ci: fmt-check clippy lean doc test

## bench: figures, never assertions (see BENCHMARKS.md)
bench: build
	benches/run.sh
