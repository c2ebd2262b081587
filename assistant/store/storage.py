"""Interactions and feedback, stored through SQLAlchemy 2.0 (SQLite by default, PostgreSQL for several instances).

Only what the features need is stored: the question under the question_logging policy
(contact details masked by default), the status, scores, cited document ids, latency,
an anonymous session id, and ratings with an optional (also redacted) comment.

`metadata` is the whole schema, the tables of the shared state (documents, index versions) included;
the Alembic migrations in assistant/store/migrations/ evolve it and are applied when a Storage opens.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from sqlalchemy import (Boolean, Column, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, MetaData, String,
                        Table, Text, UniqueConstraint, delete, func, insert, select, update)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from assistant.store.database import make_engine, migrate

from assistant.models import Answer
from assistant.redact import apply_policy

metadata = MetaData()

interactions = Table(
    "interactions", metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("session_id", String(64), nullable=False),
    Column("question", Text, nullable=True),  # None when question_logging is off
    Column("status", String(20), nullable=False),
    Column("top_score", Float, nullable=False, default=0.0),
    Column("confidence", Float, nullable=False, default=0.0),
    Column("cited_doc_ids", Text, nullable=False, default="[]"),  # JSON list
    Column("latency_ms", Float, nullable=False, default=0.0),
    # What staff need to judge an answer on the Insights page: its first line (see Storage._lead) and the
    # sections it cited, as JSON [[doc id, section], ...].
    Column("answer_lead", Text, nullable=True),
    Column("cited_sections", Text, nullable=True),
)

feedback = Table(
    "feedback", metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("interaction_id", Integer, ForeignKey("interactions.id", ondelete="SET NULL"), nullable=True),
    Column("session_id", String(64), nullable=False),
    Column("question", Text, nullable=True),
    Column("cited_doc_ids", Text, nullable=False, default="[]"),
    Column("rating", Integer, nullable=False),  # 1 = thumbs up, 0 = thumbs down
    Column("comment", Text, nullable=True),
)

# Staff sign-in attempts, so a lockout holds across reruns, browser sessions and app instances.
staff_logins = Table(
    "staff_logins", metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("scope", String(32), nullable=False, default="staff"),
    Column("outcome", String(10), nullable=False),  # one of LOGIN_OUTCOMES
    Index("ix_staff_logins_scope_created", "scope", "created_at"),
)
# pending: reserved before the password is checked, then turned into failure or success. A pending row
# counts as a failure, so an attempt cut short (a crash mid-check) still counts.
LOGIN_OUTCOMES = ("failure", "success", "lockout", "pending")
COUNTED = ("failure", "pending")

# One row per sign-in scope, locked by every check-and-reserve so simultaneous attempts (threads, or
# instances sharing PostgreSQL) are counted one after another.
staff_login_locks = Table("staff_login_locks", metadata, Column("scope", String(32), primary_key=True))

# -- shared state, used when the database is PostgreSQL (assistant/documents.py, assistant/publish.py) --------
# Every knowledge file (documents, topics.yaml, scope.yaml) by file name, with its current revision.
documents = Table(
    "documents", metadata,
    Column("name", String(200), primary_key=True),  # e.g. finding-a-mentor.md, topics.yaml
    Column("head", Integer, nullable=False),  # the current revision number
    Column("deleted", Boolean, nullable=False, default=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
# Every revision ever saved: who, when, the whole text. A deletion is a revision without text.
document_revisions = Table(
    "document_revisions", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("revision", Integer, nullable=False),  # 1, 2, ... per name
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("author", String(100), nullable=False),
    Column("note", String(200), nullable=False),  # saved, imported, deleted, restored revision N
    Column("text", Text, nullable=True),  # None: deleted
    Column("sha256", String(64), nullable=True),
    UniqueConstraint("name", "revision", name="uq_document_revisions_name_revision"),
)
# Published index builds: the version folder as a tar archive, inserted in one transaction when complete.
index_versions = Table(
    "index_versions", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),  # the v-<time>-<rand> folder name
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("knowledge_hash", String(64), nullable=False),
    Column("model", String(200), nullable=False),
    Column("format_version", Integer, nullable=False),
    Column("passages", Integer, nullable=False),
    Column("size", Integer, nullable=False),
    Column("archive", LargeBinary, nullable=False),
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite drops the timezone; everything is stored in UTC.
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def answer_lead(answer: Answer, limit: int = 300) -> str:
    """The answer's first line as a reader sees it, without its citation markers, cut at `limit`."""
    line = next((line.strip() for line in answer.text.splitlines() if line.strip()), "")
    line = re.sub(r"\s*\[\d+\]", "", line).lstrip("#>-* ").strip()
    return line if len(line) <= limit else line[:limit - 1].rstrip() + "…"


def _decode(row: dict) -> dict:
    """A stored row as the package reads it: aware times, lists instead of JSON text."""
    row["created_at"] = _aware(row["created_at"])
    row["cited_doc_ids"] = json.loads(row["cited_doc_ids"] or "[]")
    if "cited_sections" in row:  # interactions only; rows stored before it was kept have none
        row["cited_sections"] = [tuple(pair) for pair in json.loads(row["cited_sections"] or "[]")]
    return row


def _utc(value: dt.datetime) -> dt.datetime:
    """A time to store or compare with: naive means UTC, aware is converted to UTC."""
    return _aware(value).astimezone(dt.timezone.utc)


class Storage:
    """The storage interface the UI, the CLI and the staff pages use."""

    def __init__(self, url: str, question_logging: str = "redacted"):
        self.url = url
        self.question_logging = question_logging
        self.engine: Engine = make_engine(url)
        self.migrate()

    @classmethod
    def from_settings(cls, settings) -> "Storage":
        return cls(settings.db_url, settings.question_logging)

    def migrate(self) -> str:
        """Apply any pending Alembic migrations (once, under a lock). Returns the schema revision.

        Raises:
            DatabaseUnavailable: the database cannot be reached, with the host (password masked) and what to check.
        """
        return migrate(self.engine)

    # -- writing -----------------------------------------------------------------------------
    def record_interaction(self, session_id: str, answer: Answer, question: str | None = None, *,
                           at: dt.datetime | None = None) -> int:
        """Store one question and its outcome under the question_logging policy. Returns the row id.

        `at` backdates the row (imports and tests); the default is now.
        """
        row = dict(
            created_at=_utc(at) if at else _now(), session_id=session_id[:64],
            question=apply_policy(question if question is not None else answer.question, self.question_logging),
            status=answer.status, top_score=float(answer.top_score), confidence=float(answer.confidence),
            cited_doc_ids=json.dumps(answer.doc_ids), latency_ms=float(answer.latency_ms),
            answer_lead=self._lead(answer),
            cited_sections=json.dumps([[c.doc_id, c.section] for c in answer.citations]),
        )
        with self.engine.begin() as db:
            return int(db.execute(insert(interactions).values(**row)).inserted_primary_key[0])

    def record_feedback(self, session_id: str, question: str, doc_ids: list[str], rating: int,
                        comment: str | None = None, interaction_id: int | None = None, *,
                        at: dt.datetime | None = None) -> int:
        """Store a thumbs up (1) or down (0) for an answer, with an optional comment. Returns the row id."""
        if rating not in (0, 1):
            raise ValueError(f"rating must be 0 (thumbs down) or 1 (thumbs up), got {rating!r}")
        row = dict(
            created_at=_utc(at) if at else _now(), interaction_id=interaction_id, session_id=session_id[:64],
            question=apply_policy(question, self.question_logging), cited_doc_ids=json.dumps(list(doc_ids)),
            rating=rating, comment=apply_policy(comment.strip(), "redacted") if comment and comment.strip() else None,
        )
        with self.engine.begin() as db:
            return int(db.execute(insert(feedback).values(**row)).inserted_primary_key[0])

    def _lead(self, answer: Answer) -> str | None:
        """The first line to keep: quoted guidance as it is (curated text, no personal data), a generated
        line under question_logging, since it may repeat what was asked; nothing when logging is off."""
        if self.question_logging == "off":
            return None
        lead = answer_lead(answer)
        return apply_policy(lead, self.question_logging) if answer.mode == "generated" else lead

    # -- reading -----------------------------------------------------------------------------
    def _rows(self, table: Table, since: dt.datetime | None) -> list[dict]:
        query = select(table).order_by(table.c.created_at)
        if since is not None:
            query = query.where(table.c.created_at >= _utc(since))
        with self.engine.connect() as db:
            rows = [dict(r._mapping) for r in db.execute(query)]
        for r in rows:
            _decode(r)
        return rows

    def interactions(self, since: dt.datetime | None = None) -> list[dict]:
        return self._rows(interactions, since)

    def feedback(self, since: dt.datetime | None = None) -> list[dict]:
        return self._rows(feedback, since)

    def fingerprint(self) -> tuple[int, ...]:
        """Changes whenever an interaction or a rating is added or purged: a cheap key for caches."""
        out: list[int] = []
        with self.engine.connect() as db:
            for table in (interactions, feedback):
                count, last = db.execute(select(func.count(), func.max(table.c.id))).one()
                out += [int(count), int(last or 0)]
        return tuple(out)

    # -- staff sign-in attempts --------------------------------------------------------------
    def record_login(self, outcome: str, scope: str = "staff", *, at: dt.datetime | None = None) -> None:
        """Remember a staff sign-in outcome: failure, success, or the start of a lockout."""
        if outcome not in LOGIN_OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(LOGIN_OUTCOMES)}, got {outcome!r}")
        with self.engine.begin() as db:
            db.execute(insert(staff_logins).values(created_at=_utc(at) if at else _now(), scope=scope[:32],
                                                   outcome=outcome))

    def count_logins(self, outcome: str, scope: str = "staff", after: dt.datetime | None = None) -> int:
        """How many `outcome` rows `scope` has, strictly after `after` when given."""
        with self.engine.connect() as db:
            return _count_logins(db, (outcome,), scope, after)

    def login_window(self, scope: str, now: dt.datetime, lockout: dt.timedelta) -> tuple[dt.datetime | None, int]:
        """(when the lockout in force ends, or None; failed or pending attempts since the last success or lockout)."""
        with self.engine.connect() as db:
            return _login_window(db, scope, _utc(now), lockout)

    def reserve_login(self, scope: str, now: dt.datetime, lockout: dt.timedelta, max_attempts: int) -> int | None:
        """Record a pending sign-in attempt before its password is checked. Returns its row id, or None when
        sign-in is locked: a lockout is in force, or `max_attempts` attempts already failed or are pending.

        The scope's lock row is taken first (SQLite's write lock, or a PostgreSQL row lock held to commit),
        then the attempt is inserted and counted with the others, in one transaction: simultaneous attempts,
        from threads or from instances sharing the database, are counted one after another and no more than
        `max_attempts` of them ever get their password checked.
        """
        now = _utc(now)
        with self.engine.begin() as db:
            _serialise(db, scope[:32])
            row = int(db.execute(insert(staff_logins).values(created_at=now, scope=scope[:32], outcome="pending"))
                      .inserted_primary_key[0])
            locked_until, attempts = _login_window(db, scope, now, lockout)
            if locked_until is None and attempts <= max_attempts:
                return row
            db.execute(delete(staff_logins).where(staff_logins.c.id == row))
            if locked_until is None:  # the attempts allowed are all used up: the lockout starts now
                db.execute(insert(staff_logins).values(created_at=now, scope=scope[:32], outcome="lockout"))
        return None

    def finish_login(self, row: int, ok: bool, scope: str, now: dt.datetime, lockout: dt.timedelta,
                     max_attempts: int) -> tuple[dt.datetime | None, int]:
        """Turn a reserved attempt into a success or a failure, starting a lockout when this failure is the
        last one allowed. Returns the window afterwards, as login_window does."""
        now = _utc(now)
        with self.engine.begin() as db:
            _serialise(db, scope[:32])
            db.execute(update(staff_logins).where(staff_logins.c.id == row)
                       .values(outcome="success" if ok else "failure"))
            locked_until, failures = _login_window(db, scope, now, lockout)
            if not ok and locked_until is None and failures >= max_attempts:
                db.execute(insert(staff_logins).values(created_at=now, scope=scope[:32], outcome="lockout"))
                locked_until = now + lockout
        return locked_until, failures

    def clear_logins(self, scope: str = "staff") -> int:
        """Forget every sign-in attempt for `scope` (ends a lockout). Returns the rows deleted."""
        with self.engine.begin() as db:
            return db.execute(delete(staff_logins).where(staff_logins.c.scope == scope)).rowcount

    # -- retention ---------------------------------------------------------------------------
    def purge(self, retention_days: int, now: dt.datetime | None = None) -> int:
        """Delete interactions, feedback and sign-in attempts older than retention_days. Returns the rows deleted."""
        cutoff = _utc(now or _now()) - dt.timedelta(days=retention_days)
        with self.engine.begin() as db:
            n = db.execute(delete(feedback).where(feedback.c.created_at < cutoff)).rowcount
            n += db.execute(delete(interactions).where(interactions.c.created_at < cutoff)).rowcount
            n += db.execute(delete(staff_logins).where(staff_logins.c.created_at < cutoff)).rowcount
        return n

    # -- HTTP API: keys, per-key request counts, one interaction (assistant/api) ----------------
    def add_api_key(self, name: str, prefix: str, key_hash: str, *, at: dt.datetime | None = None) -> int:
        """Store a new API key's name, prefix and sha256 (never the key). Returns its id."""
        with self.engine.begin() as db:
            return int(db.execute(insert(api_keys).values(name=name[:64], prefix=prefix[:16], key_hash=key_hash,
                                                          created_at=_utc(at) if at else _now()))
                       .inserted_primary_key[0])

    def api_keys(self, prefix: str | None = None) -> list[dict]:
        """Every API key row, revoked ones too, oldest first; only those starting `prefix` when given."""
        query = select(api_keys).order_by(api_keys.c.id)
        if prefix is not None:
            query = query.where(api_keys.c.prefix == prefix)
        with self.engine.connect() as db:
            rows = [dict(r._mapping) for r in db.execute(query)]
        for r in rows:
            r["created_at"] = _aware(r["created_at"])
            r["revoked_at"] = _aware(r["revoked_at"]) if r["revoked_at"] else None
        return rows

    def revoke_api_keys(self, ids: list[int], *, at: dt.datetime | None = None) -> int:
        """Mark keys revoked (kept, so `mentor api-key list` still shows them). Returns the rows changed."""
        with self.engine.begin() as db:
            return db.execute(update(api_keys).where(api_keys.c.id.in_(ids), api_keys.c.revoked_at.is_(None))
                              .values(revoked_at=_utc(at) if at else _now())).rowcount

    def count_request(self, bucket: str, window_start: int) -> int:
        """Add one request to `bucket`'s fixed window and return the window's count so far.

        One atomic upsert (INSERT ... ON CONFLICT DO UPDATE ... RETURNING, SQLite >= 3.35 and PostgreSQL),
        so instances sharing the database count together and simultaneous requests are never lost.
        """
        # Dialect-specific on purpose: the portable insert has no ON CONFLICT.
        from sqlalchemy.dialects import postgresql, sqlite

        upsert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}.get(self.engine.dialect.name)
        if upsert is None:
            raise ValueError(f"API rate limits need SQLite or PostgreSQL, got {self.engine.dialect.name!r}; "
                             "set MENTOR_DATABASE_URL to one of them, or MENTOR_API_RATE_LIMIT=0")
        statement = (upsert(api_requests).values(bucket=bucket[:64], window_start=window_start, hits=1)
                     .on_conflict_do_update(index_elements=[api_requests.c.bucket, api_requests.c.window_start],
                                            set_={"hits": api_requests.c.hits + 1})
                     .returning(api_requests.c.hits))
        with self.engine.begin() as db:
            hits = int(db.execute(statement).scalar_one())
            if hits == 1:  # the first request of a window: the bucket's older windows are done with
                db.execute(delete(api_requests).where(api_requests.c.bucket == bucket[:64],
                                                      api_requests.c.window_start < window_start))
        return hits

    def interaction(self, row_id: int) -> dict | None:
        """One stored interaction, or None."""
        with self.engine.connect() as db:
            row = db.execute(select(interactions).where(interactions.c.id == row_id)).first()
        if row is None:
            return None
        return _decode(dict(row._mapping))


# API keys: only a sha256 of each key is kept (see assistant/api/access.py for why that is enough).
api_keys = Table(
    "api_keys", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, index=True),
    Column("prefix", String(16), nullable=False, index=True),  # the key's first characters: looked up and shown
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

# Requests per key per fixed window, shared by every API instance on the database.
api_requests = Table(
    "api_requests", metadata,
    Column("bucket", String(64), primary_key=True),  # "key-<id>", or "open" for keyless requests
    Column("window_start", Integer, primary_key=True),  # seconds since the epoch
    Column("hits", Integer, nullable=False),
)


def _serialise(db: Connection, scope: str) -> None:
    """Lock `scope`'s row until this transaction ends, so check-and-reserve runs one attempt at a time.

    The insert is a write, so on SQLite it takes the database's write lock; on PostgreSQL the row exists
    afterwards and FOR UPDATE holds it (READ COMMITTED: the counts after it see every earlier attempt).
    """
    dialect = postgresql if db.dialect.name == "postgresql" else sqlite
    db.execute(dialect.insert(staff_login_locks).values(scope=scope).on_conflict_do_nothing())
    db.execute(select(staff_login_locks.c.scope).where(staff_login_locks.c.scope == scope).with_for_update())


def _count_logins(db: Connection, outcomes: tuple[str, ...], scope: str, after: dt.datetime | None) -> int:
    query = select(func.count()).select_from(staff_logins).where(staff_logins.c.scope == scope,
                                                                 staff_logins.c.outcome.in_(outcomes))
    if after is not None:
        query = query.where(staff_logins.c.created_at > _utc(after))
    return int(db.execute(query).scalar() or 0)


def _last_login(db: Connection, outcome: str, scope: str) -> dt.datetime | None:
    value = db.execute(select(func.max(staff_logins.c.created_at)).where(staff_logins.c.scope == scope,
                                                                        staff_logins.c.outcome == outcome)).scalar()
    return _aware(value) if value else None


def _login_window(db: Connection, scope: str, now: dt.datetime, lockout: dt.timedelta) -> tuple[dt.datetime | None, int]:
    """The lockout in force (its end) and the attempts that count towards the next one."""
    last_lock = _last_login(db, "lockout", scope)
    if last_lock is not None and now < last_lock + lockout:
        return last_lock + lockout, 0
    starts = [t for t in (_last_login(db, "success", scope), last_lock + lockout if last_lock else None) if t]
    return None, _count_logins(db, COUNTED, scope, max(starts) if starts else None)
