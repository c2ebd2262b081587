import datetime as dt

import pytest
from sqlalchemy import create_engine, inspect, select, text

from assistant.models import Answer
from assistant.redact import apply_policy, redact
from assistant.storage import MIGRATIONS, Storage, schema_version

UTC = dt.timezone.utc


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


def test_question_logging_policy_applies_to_stored_questions(tmp_path):
    question = "I'm jane@example.com, call 07700 900123 or see https://jane.dev - how do I find a mentor?"
    redacted = sqlite(tmp_path / "r")
    redacted.record_interaction("s1", answer(question))
    redacted.record_feedback("s1", question, ["finding-a-mentor"], 0, comment="write to jane@example.com")
    stored = redacted.interactions()[0]["question"]
    assert stored == "I'm [email], call [phone] or see [url] - how do I find a mentor?"
    fb = redacted.feedback()[0]
    assert fb["question"] == stored and fb["comment"] == "write to [email]"

    full = sqlite(tmp_path / "f", "full")
    full.record_interaction("s1", answer(question))
    assert full.interactions()[0]["question"] == question

    off = sqlite(tmp_path / "o", "off")
    off.record_interaction("s1", answer(question))
    assert off.interactions()[0]["question"] is None
    with pytest.raises(ValueError, match="question_logging"):
        apply_policy("x", "partial")


def test_retention_purge_deletes_old_rows_only(tmp_path):
    storage = sqlite(tmp_path)
    now = dt.datetime(2026, 11, 25, 12, tzinfo=UTC)
    old, recent = now - dt.timedelta(days=91), now - dt.timedelta(days=89)
    storage.record_interaction("s", answer("old question"), at=old)
    keep_id = storage.record_interaction("s", answer("recent question"), at=recent)
    storage.record_feedback("s", "old question", [], 0, at=old)
    storage.record_feedback("s", "recent question", [], 1, interaction_id=keep_id, at=recent)
    storage.record_login("failure", at=old)
    storage.record_login("failure", at=recent)

    assert storage.purge(90, now=now) == 3
    assert [r["question"] for r in storage.interactions()] == ["recent question"]
    assert [r["question"] for r in storage.feedback()] == ["recent question"]
    assert storage.count_logins("failure") == 1
    assert storage.purge(90, now=now) == 0


def test_rows_since_and_fingerprint(tmp_path):
    storage = sqlite(tmp_path)
    start = dt.datetime(2026, 11, 1, tzinfo=UTC)
    before = storage.fingerprint()
    for day in range(3):
        storage.record_interaction("s", answer(f"q{day}", docs=["finding-a-mentor"]), at=start + dt.timedelta(days=day))
    assert storage.fingerprint() != before
    rows = storage.interactions(since=start + dt.timedelta(days=1))
    assert [r["question"] for r in rows] == ["q1", "q2"]
    assert rows[0]["cited_doc_ids"] == ["finding-a-mentor"] and rows[0]["created_at"].tzinfo is not None


def test_a_version_1_database_is_migrated(tmp_path):
    path = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as db:  # what the first release created
        db.execute(text("CREATE TABLE schema_version (version INTEGER NOT NULL)"))
        db.execute(text("INSERT INTO schema_version VALUES (1)"))
    engine.dispose()

    storage = Storage(f"sqlite:///{path}")
    assert "staff_logins" in inspect(storage.engine).get_table_names()
    with storage.engine.connect() as db:
        assert db.execute(select(schema_version.c.version)).scalar() == len(MIGRATIONS) == 2
    storage.record_login("failure")
    assert Storage(f"sqlite:///{path}").count_logins("failure") == 1  # kept across instances


def test_login_outcome_is_checked(tmp_path):
    with pytest.raises(ValueError, match="outcome must be one of failure, success, lockout"):
        sqlite(tmp_path).record_login("maybe")

