# Every target creates what it needs: a fresh clone only needs Python 3.11 and Node.js.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_VERSION_CHECK := 1
export CDK_DISABLE_CLI_TELEMETRY := true
export AWS_ACCOUNT_ID_ENDPOINT_MODE := disabled
# Python caches the bytecode of what it imports (the venv is installed without compiling 8000 files).
unexport PYTHONDONTWRITEBYTECODE
UV := uv==0.13.9

.PHONY: install test lint typecheck unit integration infrastructure synth clean conservation iam-mutations iam-unused

$(STAMP): requirements.txt requirements-lambda.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check $(UV)
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements-dev.txt
	touch $(STAMP)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

install: $(STAMP) node_modules/.installed

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# pytest-xdist: one worker per core (PYTEST_WORKERS=0 runs in this process); the e2e tests share a worker.
PYTEST_WORKERS ?= auto

# mypy runs beside the tests (its ~30 s of one core overlap theirs); either failing fails the target.
test: install lint
	@out=$$(mktemp); $(BIN)/mypy >$$out 2>&1 & types=$$!; \
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup; tests=$$?; \
	wait $$types; typed=$$?; echo "mypy:"; cat $$out; rm -f $$out; \
	test $$tests -eq 0 && test $$typed -eq 0

# The money-conservation workloads at full size (make test runs 3 of them).
conservation: $(STAMP)
	MONEY_CONSERVATION_EXAMPLES=$(or $(EXAMPLES),40) $(BIN)/pytest tests/integration/test_money_conservation.py

# The property-based API test (schemathesis, tests/e2e/test_api_properties.py) with more examples per operation
# and mode than make test's 4: EXAMPLES=100 make api-properties.
.PHONY: api-properties
api-properties: install
	API_PROPERTIES_EXAMPLES=$(or $(EXAMPLES),25) $(BIN)/pytest tests/e2e/test_api_properties.py -k every_operation -s

# Each grant a scenario exercises and each Lambda permission removed in turn, a named end-to-end scenario run
# without it (tests/iam_mutations): CAUGHT when it fails with the refusal naming it; ONLY=<substring> filters.
iam-mutations: install
	ONLY='$(ONLY)' $(BIN)/python -m tests.iam_mutations

# The fault run (tests/fault_run): workload W under faults of every kind (FAULTS, a localcloud fault spec), then
# make redrive's replay, then the proof that nothing was lost or doubled; make test runs 100 orders of it.
.PHONY: fault-run
fault-run: install
	$(BIN)/python -m tests.fault_run --orders $(or $(ORDERS),1000) --faults '$(or $(FAULTS),0.1)' --seed $(or $(SEED),7)

# Least-privilege evidence: the e2e suite with LOCALCLOUD_IAM_USAGE set, then what was granted and never used.
IAM_USAGE := .localcloud/iam-usage.json
iam-unused: install
	rm -f $(IAM_USAGE) $(IAM_USAGE).lock
	LOCALCLOUD_IAM_USAGE=$(abspath $(IAM_USAGE)) $(BIN)/pytest tests/e2e -n 0
	$(BIN)/python -m tests.iam_mutations.unused $(IAM_USAGE)

unit: $(STAMP)
	$(BIN)/pytest tests/unit

integration: $(STAMP)
	$(BIN)/pytest tests/integration

infrastructure: $(STAMP)
	$(BIN)/pytest tests/infrastructure

# The whole system on this machine (moto in-process): PORT=8080 make run, STAGE=prod make run,
# VERBOSE=1 make run (the functions' JSON records and metric blobs on the console too),
# make run FAULTS=0.1 [FAULTS_SEED=7] (AWS's transient faults injected: python -m localcloud --help lists the kinds).
.PHONY: run
run: install
	$(BIN)/python -m localcloud --port $(or $(PORT),8000) --stage $(or $(STAGE),dev)$(if $(VERBOSE), --verbose,)$(if $(FAULTS), --faults '$(FAULTS)',)$(if $(FAULTS_SEED), --faults-seed $(FAULTS_SEED),)

# Throughput, latency and cost per order on the local cloud, beside the original's (bench/__main__.py):
# WORKLOAD=W (default), one-child or hot-spot; ORDERS=1000; RATE=<orders/s> skips the saturation search;
# DETAILS=1 adds our figures per function and operation.
.PHONY: bench bench-small
bench: install
	$(BIN)/python -m bench $(if $(ORDERS),--orders $(ORDERS),)$(if $(WORKLOAD), --workload $(WORKLOAD),)$(if $(RATE), --rate $(RATE),)$(if $(DETAILS), --details,)

# The same code on one POST (10 orders) of W at one rate, as make test runs it (tests/e2e/test_bench.py).
bench-small: install
	$(BIN)/pytest tests/e2e/test_bench.py -p no:cacheprovider

# Replay what waits in the stage's dead-letter and on-failure queues to where it came from (operations/redrive):
# OUTPUTS=<file of cdk deploy --outputs-file> for a deployed stage (default: make run's .localcloud/outputs.json),
# STAGE=<name> when it holds several, LIST=1 only lists, QUEUE=<part of a queue's name> picks queues.
.PHONY: redrive
redrive: $(STAMP)
	$(BIN)/python -m operations.redrive$(if $(OUTPUTS), --outputs $(OUTPUTS),)$(if $(STAGE), --stage $(STAGE),)$(if $(LIST), --list,)$(if $(QUEUE), --queue $(QUEUE),)

synth: install
	npx cdk synth --quiet $(if $(STAGE),-c stage=$(STAGE),)

clean:
	rm -rf cdk.out .pytest_cache .mypy_cache .ruff_cache
