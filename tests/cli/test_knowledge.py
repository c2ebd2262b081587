"""`mentor kb validate` and `mentor kb stats`."""

from click.testing import CliRunner

from assistant.cli import main


def test_kb_validate_ok_and_broken(settings):
    runner = CliRunner()
    ok = runner.invoke(main, ["kb", "validate"])
    assert ok.exit_code == 0 and "no problems" in ok.output
    path = settings.knowledge_dir / "setting-smart-goals.md"
    path.write_text(path.read_text().replace("topics: [setting-goals]", "topics: [goal-setting]"))
    broken = runner.invoke(main, ["kb", "validate"])
    assert broken.exit_code == 1
    assert "setting-smart-goals.md: topics: 'goal-setting' is not a known topic (did you mean 'setting-goals'?)" in broken.output


def test_kb_stats_reports_topics(settings):
    result = CliRunner().invoke(main, ["kb", "stats"])
    assert result.exit_code == 0 and "finding-a-mentor" in result.output and "thin" in result.output
