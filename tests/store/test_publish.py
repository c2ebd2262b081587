"""Index builds shared through a real PostgreSQL, in one process: publish, follow, join late, one build at a time.
(tests/test_shared_state.py runs the same with two separate instance processes.)"""

import shutil
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assistant import Assistant
from assistant.store.documents import document_store
from assistant.index import current_version
from assistant.store.publish import latest, shared_build
from assistant.staff.editing import open_document, save_document
from assistant.store.schema import index_versions

pytestmark = pytest.mark.postgres

NEW_SECTION = """

## Ask a retired engineer to review your portfolio
Retired engineers often volunteer as portfolio reviewers through their professional institution. Ask one
to review your portfolio before you approach a mentor, so your first message shows finished work.
"""


def wait_for(predicate, timeout: float, step: float = 0.1) -> bool:
    """Poll `predicate` until it is true or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())


def instance(settings, tmp_path, name, postgres_url, *, knowledge: bool):
    """Settings for one more instance: its own index folder and knowledge copy, the same database."""
    root = tmp_path / name
    root.mkdir()
    if knowledge:
        shutil.copytree(settings.knowledge_dir, root / "knowledge")
    return settings.model_copy(update={"database_url": postgres_url, "knowledge_dir": root / "knowledge",
                                       "index_dir": root / "index", "data_dir": root / "data",
                                       "shared_poll_s": 1.0})


def test_an_edit_and_rebuild_on_one_instance_is_answered_by_the_other(settings, tmp_path, postgres_url, embedder):
    a_settings = instance(settings, tmp_path, "a", postgres_url, knowledge=True)
    shutil.copytree(settings.index_dir, a_settings.index_dir)  # A has a good index: it publishes it
    a = Assistant(a_settings, embedder=embedder).load()
    assert a.last_build is None and latest(document_store(a_settings)) is not None

    b_settings = instance(settings, tmp_path, "b", postgres_url, knowledge=False)  # nothing on B's disk
    b = Assistant(b_settings, embedder=embedder).load()
    assert b.last_build is None  # joined late: fetched, not built
    assert current_version(b_settings.index_dir).name == current_version(a_settings.index_dir).name

    store = document_store(a_settings)
    opened = open_document(a_settings.knowledge_dir, "finding-a-mentor", store=store)
    save_document(a_settings.knowledge_dir, opened.draft.model_copy(update={"body": opened.draft.body + NEW_SECTION}),
                  expected_hash=opened.hash, store=store)
    report = a.rebuild()
    assert report.built
    question = "Should a retired engineer review my portfolio?"
    assert "retired engineer" in a.ask(question).citations[0].section.lower()
    # Until B swaps in A's build the question is out of scope there: no citations yet, not an error.
    assert wait_for(lambda: any("retired engineer" in c.section.lower() for c in b.ask(question).citations), 10)
    assert "retired engineer" in (b_settings.knowledge_dir / "finding-a-mentor.md").read_text().lower()

    # Nothing changed since: a second rebuild adopts the published version instead of building again.
    again = b.rebuild()
    assert not again.built and again.reason == "already built at this knowledge version"
    with store.engine.connect() as db:
        assert db.execute(select(func.count()).select_from(index_versions)).scalar() == 2


def test_a_missed_notification_is_caught_by_the_poll(settings, tmp_path, postgres_url, embedder, monkeypatch):
    import assistant.store.publish as publish

    a_settings = instance(settings, tmp_path, "a", postgres_url, knowledge=True)
    shutil.copytree(settings.index_dir, a_settings.index_dir)
    Assistant(a_settings, embedder=embedder).load()
    b_settings = instance(settings, tmp_path, "b", postgres_url, knowledge=False)
    b = Assistant(b_settings, embedder=embedder).load()

    monkeypatch.setattr(publish, "CHANNEL", "nobody_listens")  # B listens on the real channel: it hears nothing
    report = shared_build(a_settings, embedder, force=True)
    assert report.built
    published = Path(report.version_dir).name
    assert wait_for(lambda: b.index.path.name == published, timeout=3 * b_settings.shared_poll_s + 2)


def test_mentor_index_build_on_postgresql_publishes_then_adopts_unless_forced(settings, postgres_url, monkeypatch):
    from click.testing import CliRunner

    from assistant.cli import main

    monkeypatch.setenv("MENTOR_DATABASE_URL", postgres_url)
    runner = CliRunner()
    first = runner.invoke(main, ["index", "build", "--quiet"])
    assert first.exit_code == 0 and first.output.startswith("Built "), first.output
    again = runner.invoke(main, ["index", "build", "--quiet"])
    assert again.exit_code == 0 and "Not rebuilt: already built at this knowledge version" in again.output
    forced = runner.invoke(main, ["index", "build", "--quiet", "--force"])
    assert forced.exit_code == 0 and forced.output.startswith("Built ")
    status = runner.invoke(main, ["index", "status"])
    assert status.exit_code == 0 and status.output.startswith("up to date")
