# The two commands a newcomer needs: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCALE ?= 0.02
HOST ?= 127.0.0.1:8000

.PHONY: install demo serve test test-pg lint fmt bench clean

$(BIN)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e .
	touch $@

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

install: $(BIN)/.installed node_modules/.package-lock.json

## Set up, build the demo district on the embedded SQLite database, and serve it.
demo: install
	$(BIN)/jiayi migrate --no-input -v0
	$(BIN)/jiayi demo --scale $(SCALE)
	$(MAKE) --no-print-directory serve

## Serve with a background worker for imports (Ctrl-C stops both).
serve:
	@$(BIN)/jiayi db_worker --interval 0.5 >var/worker.log 2>&1 & WORKER=$$!; \
	trap "kill $$WORKER 2>/dev/null" EXIT INT TERM; \
	echo "Serving on http://$(HOST)/  (worker log: var/worker.log)"; \
	$(BIN)/jiayi runserver $(HOST)

## The whole test suite (SQLite by default; DATABASE_URL=postgres://… for PostgreSQL).
test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) node_modules staticfiles
