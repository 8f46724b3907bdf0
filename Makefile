# The README's commands. `make run` and `make test` set everything up on a fresh machine.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
LINTED := givingday tests tools app.py pages
PORT := 8501

.PHONY: run test check fuzz lint bench bench-api load load-10k load-pg latency load-streamlit soak setup browser postgres report-tools clean-store

# The runtime packages (`make run`); a change of requirements.txt installs again.
$(STAMP): requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

# Plus the test and lint tools (`make test`, `make check`); a change of either file installs again.
$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(DEV_STAMP)

setup: $(DEV_STAMP)

run: $(STAMP)
	bash tools/install_report_tools.sh || echo "warning: without a Chinese font the PDF report cannot be written" >&2
	$(PY) -m givingday serve --port $(PORT)

browser:
	bash tools/install_browser.sh

report-tools:
	bash tools/install_report_tools.sh

postgres:
	bash tools/install_postgres.sh

# Everything, browser, PostgreSQL and load tests included (what .ci/run calls).
test: $(DEV_STAMP) browser postgres report-tools lint
	$(PY) -m pytest

# An engineer's loop: lint and the tests without a mark (no browser, no PostgreSQL, no load, nothing slow),
# the fuzzer's properties with a fifth of their examples, on both cores (pytest-xdist).
check: $(DEV_STAMP) lint
	FUZZ_EXAMPLES=12 $(PY) -m pytest -q -n 2 -m "not browser and not load and not slow and not postgres"

# The fuzzer's long run: the properties of tests/test_fuzz.py with about 10,000 generated files (3,400 examples
# for each of its three file properties), new random examples each run.
fuzz: $(DEV_STAMP)
	FUZZ_EXAMPLES=3400 FUZZ_RANDOM=1 $(PY) -m pytest -q tests/test_fuzz.py --hypothesis-show-statistics

lint: $(DEV_STAMP)
	$(PY) -m ruff check $(LINTED)
	$(PY) -m ruff format --check $(LINTED)

bench: $(STAMP)
	$(PY) -m givingday.ops.bench

# 50 clients posting gifts to POST /api/gifts for 60 s: push→stored and push→/wall/feed (docs/api.md).
bench-api: $(STAMP)
	$(PY) -m givingday.ops.bench_api

# The targets, one run each, with the live demo: 200 screens on the Streamlit big screen, and 500 on the
# wall (/wall, the page for screens that only watch), alone and dealt round the district and its 137 site screens
# as at the event. `load-streamlit` is 500 on the Streamlit page itself: on the edge of the target here
# (docs/performance.md).
load: $(DEV_STAMP) browser
	$(PY) -m givingday load --sessions 200 --duration 150 --max-p95 0.5 --max-cpu 40 --screenshots 2
	$(PY) -m givingday load --wall --sessions 500 --duration 150 --max-p95 1.0 --max-cpu 70 --screenshots 2
	$(PY) -m givingday load --wall --sessions 500 --sites 137 --duration 150 --max-p95 1.0 --max-cpu 70 --screenshots 2
	$(MAKE) latency
	$(MAKE) load-pg

# Gift to pixel: a wall page in Chromium while 1,000 other wall screens stream; fails above p95 1 s.
latency: $(DEV_STAMP) browser
	$(PY) -m givingday load --latency --sessions 1000 --gifts 60

# 10,000 wall screens holding /wall/stream round the district and its 137 sites, a gift into the inbox every
# 2.5 s: fails when a change misses any screen's 1 s, or the server takes more than one core (50% of two).
load-10k: $(DEV_STAMP)
	$(PY) -m givingday load --push --sessions 10000 --sites 137 --gifts 40 --every 2.5 --max-p95 1.0 --max-cpu 50

# 1,000 wall screens holding /wall/stream, dealt over two boards on one throw-away PostgreSQL, a gift into each
# board's inbox in turn: per board the lags, its CPU and its errors; fails as load-10k does, each board's CPU alone.
load-pg: $(DEV_STAMP) postgres
	$(PY) -m givingday load --push --boards 2 --store postgresql --sessions 1000 --sites 137 --gifts 20 --every 2.5 --max-p95 1.0 --max-cpu 50

load-streamlit: $(DEV_STAMP) browser
	$(PY) -m givingday load --sessions 500 --duration 150 --max-p95 1.0 --max-cpu 70 --screenshots 2
	$(PY) -m givingday load --sessions 500 --sites 137 --duration 150 --max-p95 1.0 --max-cpu 70 --screenshots 2

soak: $(DEV_STAMP) browser
	$(PY) -m givingday load --soak --sessions 200 --duration 3600 --screenshots 1

clean-store:
	rm -rf data/givingday.duckdb data/givingday.duckdb.wal data/demo_clock.json data/inbox data/processed data/failed
