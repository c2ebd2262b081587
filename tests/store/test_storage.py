"""Storage on both engines: a SQLite file, and a real PostgreSQL database (tests marked postgres)."""

import datetime as dt
import threading

import pytest
from sqlalchemy import create_engine, func, insert, inspect, select, text

from assistant.store.database import head_revision, mask_url
from assistant.errors import DatabaseUnavailable
from assistant.models import Answer
from assistant.redact import apply_policy, redact
from assistant.store.schema import staff_logins
from assistant.store.storage import Storage

UTC = dt.timezone.utc


def add_login(storage: Storage, outcome: str, at: dt.datetime | None = None) -> None:
    with storage.engine.begin() as db:
        db.execute(insert(staff_logins).values(created_at=at or dt.datetime.now(UTC), scope="staff", outcome=outcome))


def logins(storage: Storage, outcome: str) -> int:
    with storage.engine.connect() as db:
        return db.execute(select(func.count()).where(staff_logins.c.outcome == outcome)).scalar()


def sqlite(tmp_path, policy="redacted") -> Storage:
    return Storage(f"sqlite:///{tmp_path / 'data' / 'mentor.db'}", policy)


def answer(question, status="answered", confidence=0.9, docs=()):
    from assistant.models import Citation

    citations = [Citation(number=n, doc_id=d, title=d, section="s", topics=[], text="t", score=1.0)
                 for n, d in enumerate(docs, 1)]
    return Answer(status=status, text="…", question=question, confidence=confidence, citations=citations)


@pytest.mark.parametrize("text, expected", [
    ("Email me at jane.doe+mentor@example.co.uk please", "Email me at [email] please"),
    ("Call +44 20 7946 0958 or (555) 123-4567", "Call [phone] or [phone]"),
    ("My number is 555.123.4567, thanks", "My number is [phone], thanks"),
    ("See https://example.com/a?b=1. Then", "See [url]. Then"),
    ("my profile: linkedin.com/in/jane-doe", "my profile: [url]"),
    ("go to www.mentors.org", "go to [url]"),
    ("(see http://intranet.local:8080/hr)", "(see [url])"),
])
def test_redact_masks_contact_details(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    "I met my mentor on 2026-11-20 and again on 21/11/2026",
    "I worked there 2019-2023 and in 2019 2020",
    "I have 10 years of experience and 3 direct reports",
    "What is the 70-20-10 model, e.g. for a new role?",
    "I use Python 3.11 and node.js",
])
def test_redact_keeps_dates_years_and_ordinary_text(text):
    assert redact(text) == text


def test_question_logging_policy_applies_to_stored_questions(tmp_path, database_url):
    question = "I'm jane@example.com, call 07700 900123 or see https://jane.dev - how do I find a mentor?"
    redacted = Storage(database_url)
    redacted.interactions.record("s1", answer(question))
    redacted.feedback.record("s1", question, ["finding-a-mentor"], 0, comment="write to jane@example.com")
    stored = redacted.interactions.rows()[0]["question"]
    assert stored == "I'm [email], call [phone] or see [url] - how do I find a mentor?"
    fb = redacted.feedback.rows()[0]
    assert fb["question"] == stored and fb["comment"] == "write to [email]"

    full = sqlite(tmp_path / "f", "full")
    full.interactions.record("s1", answer(question))
    assert full.interactions.rows()[0]["question"] == question

    off = sqlite(tmp_path / "o", "off")
    off.interactions.record("s1", answer(question))
    assert off.interactions.rows()[0]["question"] is None
    with pytest.raises(ValueError, match="question_logging"):
        apply_policy("x", "partial")


def test_retention_purge_deletes_old_rows_only(database_url):
    storage = Storage(database_url)
    now = dt.datetime(2026, 11, 25, 12, tzinfo=UTC)
    old, recent = now - dt.timedelta(days=91), now - dt.timedelta(days=89)
    storage.interactions.record("s", answer("old question"), at=old)
    keep_id = storage.interactions.record("s", answer("recent question"), at=recent)
    storage.feedback.record("s", "old question", [], 0, at=old)
    storage.feedback.record("s", "recent question", [], 1, interaction_id=keep_id, at=recent)
    add_login(storage, "failure", at=old)
    add_login(storage, "failure", at=recent)

    assert storage.purge(90, at=now) == 3
    assert [r["question"] for r in storage.interactions.rows()] == ["recent question"]
    assert [r["question"] for r in storage.feedback.rows()] == ["recent question"]
    assert logins(storage, "failure") == 1
    assert storage.purge(90, at=now) == 0


def test_rows_since_and_fingerprint(database_url):
    storage = Storage(database_url)
    start = dt.datetime(2026, 11, 1, tzinfo=UTC)
    before = storage.fingerprint()
    for day in range(3):
        storage.interactions.record("s", answer(f"q{day}", docs=["finding-a-mentor"]), at=start + dt.timedelta(days=day))
    assert storage.fingerprint() != before
    rows = storage.interactions.rows(since=start + dt.timedelta(days=1))
    assert [r["question"] for r in rows] == ["q1", "q2"]
    assert rows[0]["cited_doc_ids"] == ["finding-a-mentor"] and rows[0]["created_at"].tzinfo is not None


@pytest.mark.parametrize("legacy_version", [1, 2])
def test_a_database_made_before_alembic_is_upgraded_with_its_rows(tmp_path, legacy_version):
    path = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as db:  # what the hand-rolled migrations left: their tables and a schema_version row
        db.execute(text("CREATE TABLE schema_version (version INTEGER NOT NULL)"))
        db.execute(text("INSERT INTO schema_version VALUES (:v)"), {"v": legacy_version})
        db.execute(text("CREATE TABLE interactions (id INTEGER PRIMARY KEY, created_at DATETIME NOT NULL, "
                        "session_id VARCHAR(64) NOT NULL, question TEXT, status VARCHAR(20) NOT NULL, top_score FLOAT NOT NULL, "
                        "confidence FLOAT NOT NULL, cited_doc_ids TEXT NOT NULL, latency_ms FLOAT NOT NULL)"))
        db.execute(text("CREATE TABLE feedback (id INTEGER PRIMARY KEY, created_at DATETIME NOT NULL, interaction_id INTEGER "
                        "REFERENCES interactions(id) ON DELETE SET NULL, session_id VARCHAR(64) NOT NULL, question TEXT, "
                        "cited_doc_ids TEXT NOT NULL, rating INTEGER NOT NULL, comment TEXT)"))
        db.execute(text("INSERT INTO interactions VALUES (1, '2026-11-20 10:00:00.000000', 's', 'an old question', "
                        "'answered', 0.8, 0.9, '[\"finding-a-mentor\"]', 12.0)"))
        db.execute(text("INSERT INTO feedback VALUES (1, '2026-11-20 10:01:00.000000', 1, 's', 'an old question', '[]', 1, NULL)"))
        if legacy_version == 2:
            db.execute(text("CREATE TABLE staff_logins (id INTEGER PRIMARY KEY, created_at DATETIME NOT NULL, "
                            "scope VARCHAR(32) NOT NULL, outcome VARCHAR(10) NOT NULL)"))
            db.execute(text("INSERT INTO staff_logins VALUES (1, '2026-11-20 10:02:00.000000', 'staff', 'failure')"))
    engine.dispose()

    storage = Storage(f"sqlite:///{path}")
    tables = set(inspect(storage.engine).get_table_names())
    assert {"staff_logins", "documents", "index_versions", "alembic_version"} <= tables
    assert "schema_version" not in tables
    with storage.engine.connect() as db:
        assert db.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision()
    assert [r["question"] for r in storage.interactions.rows()] == ["an old question"]
    assert storage.interactions.rows()[0]["cited_doc_ids"] == ["finding-a-mentor"]
    assert [r["rating"] for r in storage.feedback.rows()] == [1]
    assert logins(storage, "failure") == (1 if legacy_version == 2 else 0)
    add_login(storage, "failure")
    assert logins(Storage(f"sqlite:///{path}"), "failure") == (2 if legacy_version == 2 else 1)


def test_instances_starting_together_migrate_once(database_url):
    """Eight instances open one empty database at the same moment: every one starts, on the newest schema."""
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def open_one() -> None:
        start.wait()
        try:
            add_login(Storage(database_url), "failure")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    storage = Storage(database_url)
    assert logins(storage, "failure") == 8
    with storage.engine.connect() as db:
        assert db.execute(text("SELECT COUNT(*) FROM alembic_version")).scalar() == 1


def test_an_unreachable_postgresql_is_named_without_its_password():
    url = "postgresql+psycopg://mentor:s3cret-pw@127.0.0.1:1/mentor"
    with pytest.raises(DatabaseUnavailable) as caught:
        Storage(url)
    message = str(caught.value)
    assert "s3cret-pw" not in message and "127.0.0.1:1" in message and "database 'mentor'" in message
    assert "check that PostgreSQL is running" in message
    assert mask_url(url) == "postgresql+psycopg://mentor:***@127.0.0.1:1/mentor"




def test_the_migrations_build_exactly_the_schema_in_schema_metadata(database_url):
    """Autogenerate finds nothing to do: a table added to schema.metadata becomes one new migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from assistant.store.schema import metadata

    storage = Storage(database_url)
    with storage.engine.connect() as db:
        context = MigrationContext.configure(db, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_an_answers_lead_match_is_stored_and_rows_from_before_0006_keep_none(tmp_path):
    """Migration 0006 adds interactions.lead_match: a row stored at 0005 is kept, its lead match unknown (None)."""
    from alembic import command

    from assistant.store.database import _alembic_config, make_engine

    path = tmp_path / "at-0005.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as db:
        command.upgrade(_alembic_config(db), "0005")
        db.execute(text("INSERT INTO interactions (created_at, session_id, question, status, top_score, confidence, "
                        "cited_doc_ids, latency_ms, answer_lead, cited_sections) VALUES ('2026-11-20 10:00:00.000000', "
                        "'s', 'an old question', 'answered', 0.8, 0.9, '[]', 12.0, 'Old lead.', '[]')"))
    engine.dispose()

    storage = Storage(f"sqlite:///{path}")
    with storage.engine.connect() as db:
        assert db.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision() == "0006"
    storage.interactions.record("s", Answer(status="answered", text="New lead. [1]", question="q", lead_match=0.4321,
                                            lead_margin=0.031))
    storage.interactions.record("s", Answer(status="out_of_scope", text="Not covered.", question="far off"))
    old, new, declined = storage.interactions.rows()
    assert old["question"] == "an old question" and old["answer_lead"] == "Old lead."
    assert old["lead_match"] is None and old["lead_margin"] is None
    assert new["lead_match"] == pytest.approx(0.4321) and new["lead_margin"] == pytest.approx(0.031)
    assert declined["lead_match"] is None and declined["lead_margin"] is None  # nothing answered, no section led


def test_lead_match_is_stored_on_both_engines(database_url):
    storage = Storage(database_url)
    storage.interactions.record("s", Answer(status="answered", text="Lead. [1]", question="q", lead_match=0.61))
    [row] = storage.interactions.rows()
    assert row["lead_match"] == pytest.approx(0.61) and row["lead_margin"] is None  # no runner-up: none
