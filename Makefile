# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
# Both create .venv and install the project into it; only Java comes from the machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   := demo

.PHONY: venv demo test lint unit bench clean check-java

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

check-java:
	@command -v java >/dev/null 2>&1 || { echo "piisweep needs Java 17+ for Spark: install a JDK (e.g. apt-get install openjdk-17-jre-headless)"; exit 1; }

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

unit: venv
	$(BIN)/pytest -q tests/unit

test: venv check-java lint
	$(BIN)/pytest -q

demo: venv check-java
	rm -rf $(DEMO) && mkdir -p $(DEMO)
	$(BIN)/piisweep sample-lake $(DEMO)/lake --size-mb 20 --seed 7
	$(BIN)/piisweep scan $(DEMO)/lake --out $(DEMO)/out --scan-id demo
	@echo "outputs: $(DEMO)/out/findings (findings table), $(DEMO)/out/redacted (copies), $(DEMO)/out/scans/demo.json"
	@$(BIN)/python -c "import glob, pyarrow.parquet as pq; f = sorted(glob.glob('$(DEMO)/out/redacted/**/ingress-1.log.parquet', recursive=True))[0]; rows = [r for r in pq.read_table(f).to_pylist() if 'XXX' in r['line'] or 'REDACTED' in r['line']][:5]; print('first redacted lines of', f); [print('  ', r['line_number'], r['line'][:150]) for r in rows]"

bench: venv
	$(BIN)/python -m bench.engine

clean:
	rm -rf $(VENV) $(DEMO) build dist *.egg-info
