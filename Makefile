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

demo: venv
	rm -rf $(DEMO) && mkdir -p $(DEMO)
	$(BIN)/python -m bench.generate --lines 20000 --seed 7 --out $(DEMO)/app.log --labels $(DEMO)/labels.jsonl
	gzip -kf $(DEMO)/app.log
	$(BIN)/piisweep detect $(DEMO)/app.log.gz --output $(DEMO)/findings.jsonl
	$(BIN)/piisweep redact $(DEMO)/app.log --output $(DEMO)/app.redacted.log
	@echo "findings by entity:"; $(BIN)/python -c "import collections,json,sys; c=collections.Counter(json.loads(l)['entity_type'] for l in open('$(DEMO)/findings.jsonl')); [print(f'  {k:<16} {v}') for k,v in sorted(c.items())]"
	@echo "first redacted lines with findings:"; grep -m 5 -E 'X{3,}|REDACTED' $(DEMO)/app.redacted.log || true

bench: venv
	$(BIN)/python -m bench.engine

clean:
	rm -rf $(VENV) $(DEMO) build dist *.egg-info
