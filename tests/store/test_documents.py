"""The document store on a real PostgreSQL: revisions, optimistic saves, history, restore, import and export,
through the package and through `mentor kb` (file mode is covered by tests/staff/test_editing.py)."""

import shutil

import pytest
import yaml
from click.testing import CliRunner

from assistant.cli import main
from assistant.store.documents import DatabaseStore, FileStore, document_store
from assistant.errors import EditConflict, KnowledgeError
from assistant.staff.editing import (delete_document, document_history, open_document, restore_document,
                                     save_document)

pytestmark = pytest.mark.postgres


@pytest.fixture
def shared(settings, postgres_url, monkeypatch):
    """Settings in database mode; the database is seeded from the fixture knowledge on first use."""
    monkeypatch.setenv("MENTOR_DATABASE_URL", postgres_url)
    return settings.model_copy(update={"database_url": postgres_url})


def test_first_use_seeds_the_database_and_a_second_folder_gets_the_same_files(shared, tmp_path):
    store = document_store(shared)
    assert isinstance(store, DatabaseStore)
    names = store.names()
    assert "topics.yaml" in names and "finding-a-mentor.md" in names
    assert [r.note for r in store.history("finding-a-mentor.md")] == ["imported"]

    other = DatabaseStore(shared.db_url, tmp_path / "other" / "knowledge")  # a second instance's local copy
    assert other.sync() == len(names)
    assert FileStore(other.folder).snapshot() == FileStore(shared.knowledge_dir).snapshot()


def test_a_save_is_a_revision_and_a_stale_base_is_refused_with_the_usual_message(shared, tmp_path):
    store = document_store(shared)
    mine = open_document(shared.knowledge_dir, "finding-a-mentor", store=store)
    theirs = open_document(shared.knowledge_dir, "finding-a-mentor", store=store)
    assert mine.hash == "r1"
    saved = save_document(shared.knowledge_dir, theirs.draft.model_copy(update={"summary": "Their summary."}),
                          expected_hash=theirs.hash, store=store, author="alex")
    assert saved.hash == "r2" and "Their summary." in (shared.knowledge_dir / "finding-a-mentor.md").read_text()
    with pytest.raises(EditConflict, match="changed on disk since you opened it"):
        save_document(shared.knowledge_dir, mine.draft.model_copy(update={"summary": "My summary."}),
                      expected_hash=mine.hash, store=store)
    history = document_history(store, "finding-a-mentor")
    assert [(r.revision, r.author, r.note) for r in history] == [(1, "first start", "imported"), (2, "alex", "saved")]

    # Another instance sees the save after a sync, with nothing shared but the database.
    other = DatabaseStore(shared.db_url, tmp_path / "b" / "knowledge")
    other.sync()
    assert "Their summary." in (other.folder / "finding-a-mentor.md").read_text()


def test_delete_and_restore_are_revisions_too(shared):
    store = document_store(shared)
    before = (shared.knowledge_dir / "sponsor-versus-mentor.md").read_text()
    opened = open_document(shared.knowledge_dir, "sponsor-versus-mentor", store=store)
    message = delete_document(store, "sponsor-versus-mentor", opened.hash)
    assert "revision 2" in message and not (shared.knowledge_dir / "sponsor-versus-mentor.md").exists()
    assert store.deleted() == ["sponsor-versus-mentor.md"]
    with pytest.raises(LookupError, match="is its deletion"):
        restore_document(store, "sponsor-versus-mentor", 2)

    assert restore_document(store, "sponsor-versus-mentor", 1, expected_hash=None) == "r3"
    assert (shared.knowledge_dir / "sponsor-versus-mentor.md").read_text() == before
    assert [r.note for r in store.history("sponsor-versus-mentor.md")] == ["imported", "deleted", "restored revision 1"]


def test_a_version_that_no_longer_fits_the_topics_is_not_restored(shared):
    store = document_store(shared)
    opened = open_document(shared.knowledge_dir, "setting-smart-goals", store=store)
    save_document(shared.knowledge_dir, opened.draft.model_copy(update={"topics": ["setting-goals", "career-transitions"]}),
                  expected_hash=opened.hash, store=store)
    taxonomy = yaml.safe_load(store.revision_text("topics.yaml", 1))
    del taxonomy["topics"]["career-transitions"]
    store.write("topics.yaml", yaml.safe_dump(taxonomy, sort_keys=False), expected="r1", author="test")
    with pytest.raises(KnowledgeError, match="career-transitions"):
        restore_document(store, "setting-smart-goals", 2)
    assert store.token("setting-smart-goals.md") == "r2"  # nothing written


def test_kb_import_writes_nothing_when_one_document_is_invalid_then_export_round_trips(shared, tmp_path):
    runner = CliRunner()
    folder = shutil.copytree(shared.knowledge_dir, tmp_path / "curated" / "knowledge")
    (folder / "finding-a-mentor.md").write_text((folder / "finding-a-mentor.md").read_text() + "\n## Extra\nMore text.\n")
    bad = folder / "setting-smart-goals.md"
    bad.write_text(bad.read_text().replace("topics: [setting-goals]", "topics: [goal-setting]"))
    result = runner.invoke(main, ["kb", "import", str(folder)])
    assert result.exit_code == 1 and "'goal-setting' is not a known topic" in result.output
    assert "nothing was written" in result.output
    store = document_store(shared)
    assert store.token("finding-a-mentor.md") == "r1"

    bad.write_text(bad.read_text().replace("topics: [goal-setting]", "topics: [setting-goals]"))
    (folder / "when-your-mentor-keeps-cancelling.md").unlink()
    result = runner.invoke(main, ["kb", "import", str(folder)])
    assert result.exit_code == 0, result.output
    assert "1 changed, 1 deleted" in result.output
    assert "## Extra" in (shared.knowledge_dir / "finding-a-mentor.md").read_text()
    assert not (shared.knowledge_dir / "when-your-mentor-keeps-cancelling.md").exists()

    history = runner.invoke(main, ["kb", "history", "when-your-mentor-keeps-cancelling"])
    assert history.exit_code == 0 and "imported" in history.output and history.output.count("\n") == 2
    restored = runner.invoke(main, ["kb", "restore", "when-your-mentor-keeps-cancelling", "1"])
    assert restored.exit_code == 0 and "as r3" in restored.output

    out = tmp_path / "export"
    assert runner.invoke(main, ["kb", "export", str(out)]).exit_code == 0
    assert FileStore(out).snapshot() == store.snapshot() and (out / "when-your-mentor-keeps-cancelling.md").exists()


def test_kb_history_refuses_a_path(shared):
    result = CliRunner().invoke(main, ["kb", "history", "../etc/passwd"])
    assert result.exit_code == 2 and "is not a document id" in result.output
