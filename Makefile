# The portal's two set-up commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install translations update-translations lint format bench clean

$(BIN)/activate: setup.cfg setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(BIN)/activate

install: $(BIN)/activate translations

translations: $(BIN)/activate
	@if ls portal/translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
	  $(BIN)/pybabel compile -d portal/translations -D "messages admin" >/dev/null; fi

# After changing user-facing strings: re-extract, merge into the catalogs, then translate
# the new entries in portal/translations/*/LC_MESSAGES/messages.po (tests/test_i18n.py checks).
update-translations: $(BIN)/activate
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -w 100 --project portal \
	  -o portal/translations/messages.pot .
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations -w 100 \
	  --no-fuzzy-matching

run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@echo "Serving http://$(HOST):$(PORT)/ (Ctrl+C to stop)"
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check portal tests bench
	$(BIN)/ruff format --check portal tests bench

# Rewrites files in place with ruff.toml's [format] settings.
format: install
	$(BIN)/ruff format portal tests bench
	$(BIN)/ruff check --fix portal tests bench

bench: install
	$(BIN)/pip install --quiet -e ".[bench]"
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance *.egg-info .pytest_cache
