"""`mentor index build` and `mentor index status`."""

from click.testing import CliRunner

from assistant.cli import main


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
