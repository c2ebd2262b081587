"""The `mentor` group itself: help with examples."""

from click.testing import CliRunner

from assistant.cli import main


def test_help_has_examples():
    result = CliRunner().invoke(main, ["--help"])
    assert "mentor ask" in result.output and result.exit_code == 0
