"""A write the database refuses is neither an error for the answer nor lost: real SQLite, really locked."""

import logging
import sqlite3
import time

import pytest
from sqlalchemy import text

from assistant.errors import DatabaseUnavailable
from assistant.models import Answer
from assistant.store import database
from assistant.store.storage import Storage


@pytest.fixture
def impatient(monkeypatch):
    """Give up on a locked database in about a tenth of a second instead of 40 s."""
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 20)
    monkeypatch.setattr(database, "RETRY_PAUSES_S", (0.01, 0.02))


def lock(path) -> sqlite3.Connection:
    """Another process's writer, as SQLite sees it: a connection holding the write lock."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_the_database_file_is_in_wal_mode(tmp_path):
    storage = Storage(f"sqlite:///{tmp_path / 'mentor.db'}")
    with storage.engine.connect() as db:
        assert db.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.execute(text("PRAGMA busy_timeout")).scalar() == database.SQLITE_BUSY_TIMEOUT_MS


def test_an_interaction_refused_while_locked_is_stored_once_the_lock_is_gone(tmp_path, impatient, caplog):
    path = tmp_path / "mentor.db"
    storage = Storage(f"sqlite:///{path}")
    storage.pending.retry_s = 0.1
    holder = lock(path)
    with caplog.at_level(logging.WARNING):
        ids = [storage.interactions.record("s", Answer(status="answered", text="", question=f"q{n}")) for n in range(3)]
    assert ids == [None, None, None] and len(storage.pending) == 3
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert sum("kept in memory" in w for w in warnings) == 1  # reported once, not once per row
    assert sum("database unavailable" in w for w in warnings) == 1
    with pytest.raises(DatabaseUnavailable, match="database is locked"):
        storage.rate_limit.count("key-1", 0)  # the counter is refused (the API answers 503), not queued
    holder.rollback()
    holder.close()
    deadline = time.monotonic() + 10
    while storage.pending and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [r["question"] for r in storage.interactions.rows()] == ["q0", "q1", "q2"]  # all of them, in order
    assert storage.rate_limit.count("key-1", 0) == 1


def test_an_api_rating_is_refused_rather_than_deferred(tmp_path, impatient):
    path = tmp_path / "mentor.db"
    storage = Storage(f"sqlite:///{path}")
    holder = lock(path)
    try:
        with pytest.raises(DatabaseUnavailable):
            storage.feedback.record("s", "q", [], 1, defer=False)
        assert storage.feedback.record("s", "q", [], 1) is None  # the page's rating waits instead
        assert len(storage.pending) == 1
    finally:
        holder.rollback()
        holder.close()
