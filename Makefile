# Kechuang — the two commands a newcomer needs are `make demo` and `make test`.
# Needs only Python 3.11+ and make: uv (pinned) is bootstrapped into .uv/ and installs the
# locked dependencies (uv.lock) into .venv/.

PYTHON ?= python3
PORT   ?= 8000
VENV   := .venv
UV     := .uv/bin/uv
BIN    := $(VENV)/bin
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: install demo serve test lint typecheck migrations-check pytest browser messages clean fuzz-ci fuzz

$(UV):
	$(PYTHON) -m venv .uv
	.uv/bin/pip install --quiet --disable-pip-version-check uv==0.13.8

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

install: $(VENV)/.installed

## Start the platform with demo data on http://127.0.0.1:$(PORT) (SQLite under ./var);
## another port: make demo PORT=8200.
demo: install
	$(BIN)/kechuang demo --port $(PORT)

## Run every check CI runs: lint (with the import contracts of docs/architecture.md), types, migrations, the test suite (SQLite, and
## PostgreSQL too when KECHUANG_TEST_POSTGRES_URL is set) and the browser tests.
test: install browser lint typecheck migrations-check fuzz-ci pytest

## Schemathesis against the live API (scripts/fuzz_api.py): a server on a temporary data
## directory with the demo data, fuzzed as anonymous, enterprise admin, association staff,
## reviewer and platform admin; fails on any 5xx or response-schema violation.
## fuzz-ci (part of `make test`): fixed seed, bounded to about a minute per role; on a fresh
## PostgreSQL database when KECHUANG_TEST_POSTGRES_URL is set (as in CI), else on SQLite.
## fuzz: a random seed (printed, to replay a finding) and more examples.
FUZZ_SEED ?= 20261201
fuzz-ci: install
	$(BIN)/python scripts/fuzz_api.py --seed $(FUZZ_SEED) --max-examples 25 --max-time 40 \
	  $(if $(KECHUANG_TEST_POSTGRES_URL),--database-url "$(KECHUANG_TEST_POSTGRES_URL)")

fuzz: install
	$(BIN)/python scripts/fuzz_api.py --max-examples 200 --max-time 300

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

migrations-check: install
	KECHUANG_DATA_DIR=$$(mktemp -d) $(BIN)/python -m django makemigrations --check --dry-run --settings=kechuang.settings

browser:
	scripts/install-browser.sh

pytest: install
	KECHUANG_DATA_DIR=$$(mktemp -d) $(BIN)/pytest -n 2
	@if [ -n "$$KECHUANG_TEST_POSTGRES_URL" ]; then \
	  echo "== test suite on PostgreSQL =="; \
	  KECHUANG_DATA_DIR=$$(mktemp -d) DATABASE_URL="$$KECHUANG_TEST_POSTGRES_URL" \
	    $(BIN)/pytest -n 2 -m "not browser"; \
	fi

## Update and compile every catalogue: the project's (src/kechuang/locale) and the apps'
## own (notifications, challenges, review: makemessages run inside each app so that its
## locale/ gets its strings). django-admin, not python -m django: run from an app folder,
## the latter would import the app's selectors.py in place of the standard library's.
## Needs GNU gettext (apt-get install gettext); the compiled .mo files are committed.
APP_CATALOGUES := notifications challenges review
messages: export KECHUANG_DATA_DIR ?= $(CURDIR)/var
messages: install
	cd src/kechuang && ../../$(BIN)/django-admin makemessages -l en --settings=kechuang.settings \
	  --ignore=migrations --no-obsolete $(addprefix --ignore=,$(APP_CATALOGUES))
	for app in $(APP_CATALOGUES); do \
	  (cd src/kechuang/$$app && ../../../$(BIN)/django-admin makemessages -l en \
	    --settings=kechuang.settings --ignore=migrations --no-obsolete) || exit 1; \
	done
	cd src/kechuang && ../../$(BIN)/django-admin compilemessages --settings=kechuang.settings

clean:
	rm -rf $(VENV) .uv .pytest_cache .mypy_cache .ruff_cache
