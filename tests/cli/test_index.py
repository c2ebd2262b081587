"""`mentor index build` and `mentor index status`."""

from click.testing import CliRunner

from assistant.cli import main
from assistant.index import current_version


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


def test_status_reports_a_damaged_index_naming_the_file_until_it_is_rebuilt(settings):
    runner = CliRunner()
    path = current_version(settings.index_dir) / "passages.faiss"
    path.write_bytes(path.read_bytes()[:1000])  # half-written: every other file and the knowledge unchanged
    damaged = runner.invoke(main, ["index", "status"])
    assert damaged.exit_code == 1, damaged.output
    assert damaged.output.startswith("damaged: ") and "passages.faiss" in damaged.output
    assert "up to date" not in damaged.output
    assert runner.invoke(main, ["index", "build", "--quiet"]).exit_code == 0
    repaired = runner.invoke(main, ["index", "status"])
    assert repaired.exit_code == 0 and repaired.output.startswith("up to date")
