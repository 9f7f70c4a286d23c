# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
# Both create .venv and install the project into it; only Java comes from the machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   := demo

AIRFLOW_VENV  := .venv-airflow
AIRFLOW_BIN   := $(AIRFLOW_VENV)/bin
AIRFLOW_STAMP := $(AIRFLOW_VENV)/.installed
DIST   ?= dist

.PHONY: venv demo test lint unit bench clean check-java check-chromium dist airflow-venv cluster-test airflow-test bench-cluster

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

check-java:
	@command -v java >/dev/null 2>&1 || { echo "piisweep needs Java 17+ for Spark: install a JDK (e.g. apt-get install openjdk-17-jre-headless)"; exit 1; }

# The report test opens the HTML report in headless Chromium: the Debian package `chromium`
# (CI runs as root; elsewhere install it once with sudo).
check-chromium:
	@command -v chromium >/dev/null 2>&1 || { export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y --no-install-recommends chromium || \
		{ apt-get update && apt-get install -y --no-install-recommends chromium; }; }

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

unit: venv
	$(BIN)/pytest -q tests/unit

# The main suite (unit, spark, cluster tiers) runs in .venv; the Airflow tier runs in its own
# venv because Airflow pins many dependencies (pyproject.toml keeps tests/airflow out of the first).
test: venv check-java check-chromium lint dist airflow-venv
	$(BIN)/pytest -q
	$(AIRFLOW_BIN)/pytest -q tests/airflow

cluster-test: venv check-java dist
	$(BIN)/pytest -q tests/cluster

airflow-test: airflow-venv check-java dist
	$(AIRFLOW_BIN)/pytest -q tests/airflow

# What spark-submit ships to a cluster: the wheel (pip-installable on nodes) and the same
# file as a .zip for --py-files (Spark puts .zip files, not .whl, on the executors' sys.path).
# Only the packages `detectors` and `jobs` (with any package data): no tests, caches, DAGs.
dist: venv
	rm -rf build *.egg-info $(DIST)/piisweep-*.whl $(DIST)/piisweep-py.zip
	PYTHONWARNINGS=ignore $(BIN)/pip wheel --quiet --no-deps --no-cache-dir --wheel-dir $(DIST) .
	rm -rf build *.egg-info
	cp $(DIST)/piisweep-*-py3-none-any.whl $(DIST)/piisweep-py.zip
	@$(BIN)/python -c "import sys, zipfile; n = zipfile.ZipFile('$(DIST)/piisweep-py.zip').namelist(); top = sorted({p.split('/')[0] for p in n if not p.split('/')[0].endswith('.dist-info')}); print('$(DIST)/piisweep-py.zip:', len(n), 'files in', ', '.join(top)); sys.exit(top != ['detectors', 'jobs'])"

# Airflow and the Spark provider in their own venv, with piisweep installed editable and
# pytest (not the dev extras: the Airflow tier needs none of them). The pins in
# tests/airflow/constraints.txt stand in for Airflow's constraints file (not reachable from
# here); pyspark-client, a provider dependency, overwrites some of pyspark's files with an
# older release, so pyspark is reinstalled last.
airflow-venv: $(AIRFLOW_STAMP)

$(AIRFLOW_STAMP): pyproject.toml tests/airflow/requirements.txt tests/airflow/constraints.txt
	$(PYTHON) -m venv $(AIRFLOW_VENV)
	$(AIRFLOW_BIN)/pip install --quiet --upgrade pip
	PYTHONWARNINGS=ignore $(AIRFLOW_BIN)/pip install --quiet -r tests/airflow/requirements.txt -c tests/airflow/constraints.txt -e .
	$(AIRFLOW_BIN)/pip install --quiet --force-reinstall --no-deps -c tests/airflow/constraints.txt pyspark
	$(AIRFLOW_BIN)/python -c "import importlib.metadata as m, pyspark; assert pyspark.__version__ == m.version('pyspark'), pyspark.__version__"
	touch $(AIRFLOW_STAMP)

demo: venv check-java
	rm -rf $(DEMO) && mkdir -p $(DEMO)
	$(BIN)/piisweep sample-lake $(DEMO)/lake --size-mb 20 --seed 7
	$(BIN)/piisweep scan $(DEMO)/lake --out $(DEMO)/out --scan-id demo
	@echo "outputs: $(DEMO)/out/findings (findings table), $(DEMO)/out/redacted (copies), $(DEMO)/out/scans/demo.json"
	@$(BIN)/python -c "import glob, pyarrow.parquet as pq; f = sorted(glob.glob('$(DEMO)/out/redacted/**/ingress-1.log.parquet', recursive=True))[0]; rows = [r for r in pq.read_table(f).to_pylist() if 'XXX' in r['line'] or 'REDACTED' in r['line']][:5]; print('first redacted lines of', f); [print('  ', r['line_number'], r['line'][:150]) for r in rows]"

bench: venv
	$(BIN)/python -m bench.engine

bench-cluster: venv check-java
	$(BIN)/python -m bench.cluster

clean:
	rm -rf $(VENV) $(AIRFLOW_VENV) $(DEMO) build dist *.egg-info
