# The README's commands. `make run` and `make test` set everything up on a fresh machine.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench setup browser report-tools clean-store

$(STAMP): requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	bash tools/install_report_tools.sh || echo "warning: without a Chinese font the PDF report cannot be written" >&2
	$(PY) -m givingday serve

browser:
	bash tools/install_browser.sh

report-tools:
	bash tools/install_report_tools.sh

test: $(STAMP) browser report-tools
	$(PY) -m ruff check givingday tests tools app.py pages
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check givingday tests tools app.py pages
	$(PY) -m ruff format --check givingday tests tools app.py pages

bench: $(STAMP)
	$(PY) -m givingday.bench

clean-store:
	rm -rf data/givingday.duckdb data/givingday.duckdb.wal data/demo_clock.json data/inbox data/processed data/failed
