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


def test_kb_validate_ok_and_broken(settings):
    runner = CliRunner()
    ok = runner.invoke(main, ["kb", "validate"])
    assert ok.exit_code == 0 and "no problems" in ok.output
    path = settings.knowledge_dir / "setting-smart-goals.md"
    path.write_text(path.read_text().replace("topics: [setting-goals]", "topics: [goal-setting]"))
    broken = runner.invoke(main, ["kb", "validate"])
    assert broken.exit_code == 1
    assert "setting-smart-goals.md: topics: 'goal-setting' is not a known topic (did you mean 'setting-goals'?)" in broken.output


def test_index_build_and_status(settings):
    runner = CliRunner()
    status = runner.invoke(main, ["index", "status"])
    assert status.exit_code == 0 and status.output.startswith("up to date")
    (settings.knowledge_dir / "sponsor-versus-mentor.md").write_text(
        (settings.knowledge_dir / "sponsor-versus-mentor.md").read_text() + "\nOne more line of advice.\n")
    stale = runner.invoke(main, ["index", "status"])
    assert stale.exit_code == 1 and "stale" in stale.output and "sponsor-versus-mentor.md" in stale.output
    built = runner.invoke(main, ["index", "build", "--quiet"])
    assert built.exit_code == 0 and "from cache" in built.output


def test_kb_stats_reports_topics(settings):
    result = CliRunner().invoke(main, ["kb", "stats"])
    assert result.exit_code == 0 and "finding-a-mentor" in result.output and "thin" in result.output


def test_help_has_examples():
    result = CliRunner().invoke(main, ["--help"])
    assert "mentor ask" in result.output and result.exit_code == 0
