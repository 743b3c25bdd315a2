# Fieldvisit: `make run` (seeded demo at http://127.0.0.1:8000) and `make test` (whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_BORROWERS ?= 300

.PHONY: run install test worker lint migrations-check messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

install: $(VENV)/.runtime

# Catalogs are committed compiled; recompile when gettext is installed.
messages: install
	@if command -v msgfmt >/dev/null; then $(BIN)/python manage.py compilemessages -v 0; \
	else echo "msgfmt not found: using the compiled catalogs in locale/"; fi

run: install messages
	$(BIN)/python manage.py migrate --noinput -v 0
	$(BIN)/python manage.py seed_demo --if-empty --borrowers $(DEMO_BORROWERS)
	@echo ""
	@echo "  Fieldvisit is at http://$(HOST):$(PORT)/"
	@echo "  Log in as collector / supervisor / compliance / admin, password fieldvisit-demo"
	@echo "  supervisor, compliance and admin also need a one-time code:"
	@echo "  $(BIN)/python manage.py totp_code supervisor"
	@echo ""
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.dev
	$(BIN)/pytest $(PYTEST_ARGS)

worker: install
	$(BIN)/celery -A collections_app worker --beat --loglevel=info

lint: $(VENV)/.dev
	$(BIN)/ruff check .

migrations-check: install
	$(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
