"""`mentor ask` through click's CliRunner: exit codes and JSON."""

import json

from click.testing import CliRunner

from assistant.cli import main


def test_ask_json_prints_status_and_citations(settings):
    result = CliRunner().invoke(main, ["ask", "How do I find a mentor?", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["status"] == "answered"
    assert data["citations"][0]["topics"]


def test_ask_out_of_scope_exits_3(settings):
    result = CliRunner().invoke(main, ["ask", "What is the capital of Australia?"])
    assert result.exit_code == 3
    assert "couldn't find anything" in result.output


def test_ask_empty_question_exits_2(settings):
    result = CliRunner().invoke(main, ["ask", "   "])
    assert result.exit_code == 2 and "type a question" in result.output
