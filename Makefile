# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
# Both create .venv and install the project into it, which compiles the Rust core (native/)
# with maturin; only Java and a Rust toolchain (rustup) come from the machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   := demo

AIRFLOW_VENV  := .venv-airflow
AIRFLOW_BIN   := $(AIRFLOW_VENV)/bin
AIRFLOW_STAMP := $(AIRFLOW_VENV)/.installed
DIST   ?= dist

# rustup puts cargo in ~/.cargo/bin, which a CI shell's PATH may lack; maturin (in pip's
# build and in the recipes below) calls cargo from the PATH.
CARGO_HOME ?= $(HOME)/.cargo
export PATH := $(CARGO_HOME)/bin:$(PATH)

# The compiled module the editable install builds into the source tree (maturin develop
# --skip-install rebuilds it there when the crate changes), and what it is built from.
NATIVE_SO  := detectors/_native.abi3.so
NATIVE_SRC := native/Cargo.toml native/Cargo.lock $(shell find native/src -name '*.rs' 2>/dev/null)

# maturin stages cargo's output (target/release/lib_native.so, moved to target/maturin/ and
# back) outside cargo's lock on the target dir: two maturin runs at once in one target dir
# fail with "Failed to stage/restore ... No such file or directory" (seen in CI, `make -j2`:
# `maturin develop` and the Airflow venv's editable build). Every maturin run after .venv
# exists takes this lock (flock, util-linux).
MATURIN_LOCK := flock $(abspath $(VENV))/.maturin.lock

.PHONY: venv demo test test-setup lint unit bench clean check-java check-chromium check-hyperscan check-rust dist native native-test airflow-venv cluster-test airflow-test bench-cluster

venv: $(STAMP) $(NATIVE_SO)

# pip builds the crate in release mode (maturin is the build backend): a first build takes
# a minute or two. The samples extra (Faker) is for `make demo`, bench/ and the tests.
$(STAMP): pyproject.toml | check-rust check-hyperscan
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,samples]'
	touch $(STAMP)

native: $(NATIVE_SO)

$(NATIVE_SO): $(NATIVE_SRC) | $(STAMP)
	VIRTUAL_ENV=$(abspath $(VENV)) $(MATURIN_LOCK) $(BIN)/maturin develop --release --skip-install --quiet
	touch $(NATIVE_SO)

check-java:
	@command -v java >/dev/null 2>&1 || { echo "piisweep needs Java 17+ for Spark: install a JDK (e.g. apt-get install openjdk-17-jre-headless)"; exit 1; }

# The report test opens the HTML report in headless Chromium: the Debian package `chromium`
# (CI runs as root; elsewhere install it once with sudo).
check-chromium:
	@command -v chromium >/dev/null 2>&1 || { export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y --no-install-recommends chromium || \
		{ apt-get update && apt-get install -y --no-install-recommends chromium; }; }

# The core's trigger pass links Hyperscan: Debian's libhyperscan-dev (libvectorscan-dev on
# ARM). CI runs as root; elsewhere install it once with sudo.
check-hyperscan:
	@test -e /usr/include/hs/hs.h || { export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y --no-install-recommends libhyperscan-dev || \
		{ apt-get update && apt-get install -y --no-install-recommends libhyperscan-dev; }; }

check-rust:
	@command -v cargo >/dev/null 2>&1 || { echo "piisweep's core is Rust: install a toolchain with rustup (https://rustup.rs); cargo is looked for on the PATH and in $(CARGO_HOME)/bin"; exit 1; }

# The crate's own Rust tests (#[cfg(test)] modules in native/src). Without pyo3's
# extension-module feature (maturin sets it, from pyproject.toml) a test binary that calls
# Python links libpython: PYO3_PYTHON names the interpreter, and LD_LIBRARY_PATH its LIBDIR
# (a pyenv or python.org build sets no rpath; the loader would find another libpython or none).
# --lib: building the library target itself, as integration tests or doctests do, rebuilds it
# with other crate types and features over maturin's build (same target dir), and the next
# maturin build starts again.
native-test: venv
	PYO3_PYTHON=$(abspath $(BIN))/python \
	LD_LIBRARY_PATH=$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_config_var("LIBDIR"))')$${LD_LIBRARY_PATH:+:$$LD_LIBRARY_PATH} \
		cargo test --manifest-path native/Cargo.toml --release --lib --quiet

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

unit: venv
	$(BIN)/pytest -q tests/unit

# The main suite (unit, spark, cluster tiers) runs in .venv; the Airflow tier runs in its own
# venv because Airflow pins many dependencies (pyproject.toml keeps tests/airflow out of the first).
# The set-up steps run two at a time once .venv exists (cargo serialises its own builds on
# the target dir's lock, MATURIN_LOCK the maturin runs; pip's downloads for the Airflow venv
# overlap the crate's test build). The suite runs in $(TEST_WORKERS) pytest-xdist workers, a test file per worker at a
# time (--dist loadfile: a file's module fixtures, the standalone cluster among them, are
# set up once); each worker has its own Spark session and moto server.
TEST_WORKERS ?= 2

test:
	$(MAKE) --no-print-directory -j2 --output-sync=target test-setup
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile
	$(AIRFLOW_BIN)/pytest -q tests/airflow

test-setup: venv check-java check-chromium lint native-test airflow-venv dist

cluster-test: venv check-java dist
	$(BIN)/pytest -q tests/cluster

airflow-test: airflow-venv check-java dist
	$(AIRFLOW_BIN)/pytest -q tests/airflow

# The wheel that executors install (on the nodes, or in a packed virtualenv shipped with
# --archives): the packages `detectors`, with the compiled detectors/_native, and `jobs`, and
# the shared libraries the module links that manylinux does not allow (libhs, Hyperscan) in
# piisweep.libs/; no tests, caches, DAGs, and no Faker among its requirements (it is the
# samples extra; the detectors' name lists from Faker are vendored in detectors/). maturin
# builds a plain linux wheel and auditwheel repairs a copy of it: it grafts those libraries
# and gives the most general manylinux tag their symbols allow. (maturin's own repair patches the module in place, and with it the
# hard link in cargo's target dir: the next build, cargo having nothing to do, finds a module
# that needs libhs-<hash>.so and fails.) --interpreter: the venv's Python, as for the editable
# build, or cargo sees a new PYO3_PYTHON and compiles everything again.
dist: venv
	rm -rf $(DIST)/piisweep-*.whl $(DIST)/.linux
	$(MATURIN_LOCK) $(BIN)/maturin build --release --quiet --interpreter $(BIN)/python \
		--compatibility linux --auditwheel skip --out $(DIST)/.linux
	PATH=$(abspath $(BIN)):$$PATH $(BIN)/auditwheel repair --wheel-dir $(DIST) $(DIST)/.linux/piisweep-*.whl
	rm -rf $(DIST)/.linux
	@$(BIN)/python -c "import glob, sys, zipfile; \
		(wheel,) = glob.glob('$(DIST)/piisweep-*.whl'); z = zipfile.ZipFile(wheel); names = z.namelist(); \
		top = sorted({n.split('/')[0] for n in names if not n.split('/')[0].endswith(('.dist-info', '.libs'))}); \
		compiled = [n for n in names if n.endswith('.so')]; \
		grafted = [n for n in names if n.split('/')[0].endswith('.libs') and not n.endswith('/')]; \
		meta = z.read(next(n for n in names if n.endswith('.dist-info/WHEEL'))).decode(); \
		tags = [line.split(': ')[1] for line in meta.splitlines() if line.startswith('Tag: ')]; \
		requires = z.read(next(n for n in names if n.endswith('.dist-info/METADATA'))).decode().splitlines(); \
		runtime = [r.split(': ', 1)[1] for r in requires if r.startswith('Requires-Dist: ') and 'extra ==' not in r]; \
		print(f'{wheel}: {len(names)} files in', ', '.join(top), '| tag', *tags, '| compiled', *compiled, '| grafted', *grafted or ['none'], '| runtime requires', len(runtime)); \
		sys.exit(top != ['detectors', 'jobs'] or len(compiled) != 1 \
			or any(r.lower().startswith('faker') for r in runtime) \
			or 'detectors/faker_names.txt' not in names \
			or not compiled[0].startswith('detectors/_native.') \
			or not all('manylinux' in t for t in tags) \
			or any(n.startswith('jobs/airflow/') for n in names))"

# Airflow and the Spark provider in their own venv, with piisweep installed editable (with
# its samples extra: the DAG test generates a sample lake) and pytest (not the dev extras:
# the Airflow tier needs none of them). The pins in
# tests/airflow/constraints.txt stand in for Airflow's constraints file (not reachable from
# here); pyspark-client, a provider dependency, overwrites some of pyspark's files with an
# older release, so pyspark is reinstalled last. maturin builds the editable install's
# module for .venv's Python (MATURIN_PEP517_ARGS): the same abi3 module, so cargo finds the
# crate up to date, where another interpreter path would make pyo3 and the crate compile
# again, here and in the next build for .venv. The install holds the maturin lock (pip runs
# maturin after its downloads; the lock cannot be taken for that step alone).
airflow-venv: $(AIRFLOW_STAMP)

$(AIRFLOW_STAMP): pyproject.toml tests/airflow/requirements.txt tests/airflow/constraints.txt | $(STAMP)
	$(PYTHON) -m venv $(AIRFLOW_VENV)
	$(AIRFLOW_BIN)/pip install --quiet --upgrade pip
	PYTHONWARNINGS=ignore MATURIN_PEP517_ARGS="--interpreter $(abspath $(BIN))/python" \
		$(MATURIN_LOCK) $(AIRFLOW_BIN)/pip install --quiet -r tests/airflow/requirements.txt -c tests/airflow/constraints.txt -e '.[samples]'
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
	rm -rf $(VENV) $(AIRFLOW_VENV) $(DEMO) build dist *.egg-info native/target detectors/_native*.so
