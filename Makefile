# Two commands matter: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
PORT   ?= 5000
CATALOGS := $(wildcard app/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: run worker test install setup translations extract-messages bench bench-disclosure clean

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

install: $(VENV)/.installed

%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@ >/dev/null

translations: $(COMPILED)

## Database at the newest migration, surveys synced, demo county on first run.
setup: install translations
	$(FLASK) db upgrade
	$(FLASK) surveys sync
	$(FLASK) demo load

## The web server and the job worker (Huey consumer) together: the worker runs in the
## background and is stopped when the server stops (Ctrl-C, or the server exiting).
run: setup
	@$(FLASK) jobs worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

## The job worker alone (production runs it as its own service; see README "Background jobs").
worker: setup
	$(FLASK) jobs worker

test: install translations
	$(BIN)/python -m pytest -q

extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching

## Benchmarks (not run by CI; results are recorded in benchmarks/RESULTS.md). Needs wrk.
bench: install
	$(BIN)/python benchmarks/submit_load.py
	$(BIN)/python benchmarks/stats_scale.py --db sqlite
	$(BIN)/python benchmarks/stats_scale.py --db postgres
	$(BIN)/python benchmarks/disclosure_cost.py
	$(BIN)/python benchmarks/export_scale.py --db sqlite --reuse

## What the disclosure gate costs on the demo county (lag, first publication, per-read check).
bench-disclosure: install
	$(BIN)/python benchmarks/disclosure_cost.py

clean:
	rm -rf $(VENV) instance .pytest_cache
