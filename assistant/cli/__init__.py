"""The `mentor` command line: one module per command group, registered onto `main` (assistant/cli/core.py)."""

from assistant.cli import answer, api, goals, index, knowledge, quality, staff  # noqa: F401 - each registers its commands
from assistant.cli.core import main

__all__ = ["main"]
