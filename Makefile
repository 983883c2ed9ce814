# LinkMall — the two set-up commands are `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: install install-dev run serve test test-browser bench migrate demo lint check clean

install: $(BIN)/linkmall

$(BIN)/linkmall: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $(BIN)/linkmall

install-dev: $(VENV)/.dev-installed

$(VENV)/.dev-installed: $(BIN)/linkmall pyproject.toml
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

migrate: install
	$(BIN)/linkmall migrate --noinput

demo: migrate
	$(BIN)/linkmall demo load --if-empty

run: demo
	$(BIN)/linkmall collectstatic --noinput -v 0
	PORT=$(PORT) scripts/serve.sh

serve: migrate
	$(BIN)/linkmall collectstatic --noinput -v 0
	PORT=$(PORT) scripts/serve.sh

# the suite in parallel (one worker per core; TEST_WORKERS=0 runs it in one process), with the 20 slowest tests
TEST_WORKERS ?= auto
test: install-dev
	scripts/ensure-chromium.sh
	scripts/ensure-redis.sh
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal --durations=20 $(TEST_ARGS)

bench: install-dev
	scripts/ensure-redis.sh
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) >/dev/null 2>&1; } \
	  || echo "bench: wrk is not installed; the page runs use the Python load generator"
	$(BIN)/python -m bench $(BENCH_ARGS)

lint: install-dev
	$(BIN)/ruff check linkmall config bench

# ruff, mypy (strict for the money apps) and the one-way layer contract
check: install-dev
	$(BIN)/ruff check linkmall config bench
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) var
