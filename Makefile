# Two commands do everything: `make run` and `make test` (see README.md).
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | sha1sum | cut -c1-12)
WEB_STAMP := web/node_modules/.installed-$(shell cat web/package-lock.json 2>/dev/null | sha1sum | cut -c1-12)
PYTEST := $(BIN)/pytest -p no:cacheprovider

.PHONY: run serve install web test lint typecheck test-sqlite test-postgres test-web test-e2e \
        services bench clean lock

run: install web
	$(BIN)/gyoryu migrate
	$(BIN)/gyoryu demo --if-empty
	$(BIN)/gyoryu serve

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

# The newest versions pyproject.toml allows, installed in a scratch venv and written to
# constraints.txt; run `make test` before committing the result.
lock:
	rm -rf .lock-venv && python3 -m venv .lock-venv
	.lock-venv/bin/pip install -q --upgrade pip
	.lock-venv/bin/pip install -q -e '.[dev]'
	{ sed -n '1,2p' constraints.txt; .lock-venv/bin/pip freeze --exclude-editable; } > constraints.new
	mv constraints.new constraints.txt && rm -rf .lock-venv

# Builds the web client when it exists (web/package.json); otherwise a placeholder page is served.
web:
	@if [ -f web/package.json ]; then \
	  command -v npm >/dev/null || { echo "npm is needed to build web/"; exit 1; }; \
	  if [ ! -f "$(WEB_STAMP)" ]; then (cd web && npm ci --no-audit --no-fund) && touch "$(WEB_STAMP)"; fi; \
	  (cd web && npm run build); \
	fi

services:
	scripts/ensure-services.sh

lint: install
	$(BIN)/ruff check server tests migrations
	$(BIN)/ruff format --check server tests

typecheck: install
	$(BIN)/mypy server

test-sqlite: install
	@mkdir -p var && echo "=== pytest on SQLite ==="
	GYORYU_TEST_DB=sqlite $(PYTEST) -q -m "not e2e" tests | tee var/test-sqlite.log

test-postgres: install services
	@mkdir -p var && echo "=== pytest on PostgreSQL ==="
	GYORYU_TEST_DB=postgres $(PYTEST) -q -m "not e2e" tests | tee var/test-postgres.log

test-web: web
	@if [ -f web/package.json ]; then cd web && npm test && node scripts/check-bundle-size.mjs; fi

test-e2e: install web
	@if [ -d tests/e2e ]; then \
	  if ! command -v chromium >/dev/null || ! fc-list | grep -qi "Noto Sans CJK" \
	      || ! fc-list | grep -qi "Noto Color Emoji"; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      chromium fonts-noto-cjk fonts-noto-color-emoji >/dev/null; \
	  fi; \
	  mkdir -p var && echo "=== browser tests (Chromium) ==="; \
	  $(PYTEST) -q -m e2e tests/e2e | tee var/test-e2e.log; \
	fi

# The two database suites run side by side (each prints when it ends): they share no
# database, Redis database or port, and together they take about as long as the longer alone.
test: install services lint typecheck
	@mkdir -p var && rm -f var/test-*.log
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres
	$(MAKE) --no-print-directory test-web
	$(MAKE) --no-print-directory test-e2e
	@echo "=== summary ==="
	@echo "SQLite:     $$(tail -n 1 var/test-sqlite.log)"
	@echo "PostgreSQL: $$(tail -n 1 var/test-postgres.log)"
	@if [ -f var/test-e2e.log ]; then echo "Browser:    $$(tail -n 1 var/test-e2e.log)"; fi

# Each benchmark writes its own section of docs/benchmarks.md.
bench: install services
	$(BIN)/python -m tests.bench.run fanout
	$(BIN)/python -m tests.bench.run sync --write-docs
	$(BIN)/python -m tests.bench.run csv_import --write-docs
	$(BIN)/python -m tests.bench.run search --write-docs
	$(BIN)/python -m tests.bench.run reads --write-docs
	$(BIN)/python -m tests.bench.run minutes --write-docs

clean:
	rm -rf $(VENV) var web/node_modules web/dist
