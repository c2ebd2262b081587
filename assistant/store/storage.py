"""One open database and its parts, by concern: what the UI, the CLI, the API and the staff pages use.

    storage = Storage.from_settings(settings)      # opens the database and applies any migrations
    storage.interactions.record(session_id, answer)
    storage.feedback.record(session_id, question, doc_ids, rating=1)
    storage.sign_ins.reserve(...), storage.api_keys.rows(), storage.rate_limit.count(bucket, window)

Each part is a module beside this one over its own tables of the one schema (schema.metadata); this
class opens the engine, migrates it, and holds what spans the parts: retention and a change fingerprint.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Connection, Engine

from assistant.store.api_keys import ApiKeys
from assistant.store.database import make_engine, migrate, ping, run
from assistant.store.feedback import Feedback
from assistant.store.interactions import Interactions
from assistant.store.pending import PendingWrites
from assistant.store.rate_limit import RateLimit
from assistant.store.schema import feedback, interactions, now, staff_logins, utc
from assistant.store.sign_ins import SignIns


class Storage:
    """The database in MENTOR_DATABASE_URL, migrated, with one attribute per concern."""

    def __init__(self, url: str, question_logging: str = "redacted"):
        self.url = url
        self.question_logging = question_logging
        self.engine: Engine = make_engine(url)
        self.migrate()
        self.pending = PendingWrites(self.engine)  # writes the database refused for now (see pending.py)
        self.interactions = Interactions(self.engine, question_logging, self.pending)
        self.feedback = Feedback(self.engine, question_logging, self.pending)
        self.sign_ins = SignIns(self.engine)
        self.api_keys = ApiKeys(self.engine)
        self.rate_limit = RateLimit(self.engine)

    @classmethod
    def from_settings(cls, settings) -> "Storage":
        return cls(settings.db_url, settings.question_logging)

    def migrate(self) -> str:
        """Apply any pending Alembic migrations (once, under a lock). Returns the schema revision.

        Raises:
            DatabaseUnavailable: the database cannot be reached, with the host (password masked) and what to check.
        """
        return migrate(self.engine)

    def problem(self) -> str | None:
        """None when the database answers now, else why not (for /readyz)."""
        return ping(self.engine)

    def fingerprint(self) -> tuple[int, ...]:
        """Changes whenever an interaction or a rating is added or purged: a cheap key for caches."""
        def counts(db: Connection) -> tuple[int, ...]:
            out: list[int] = []
            for table in (interactions, feedback):
                count, last = db.execute(select(func.count(), func.max(table.c.id))).one()
                out += [int(count), int(last or 0)]
            return tuple(out)

        return run(self.engine, counts, write=False)

    def purge(self, retention_days: int, at: dt.datetime | None = None) -> int:
        """Delete interactions, feedback and sign-in attempts older than retention_days. Returns the rows deleted."""
        cutoff = utc(at or now()) - dt.timedelta(days=retention_days)

        def purge(db: Connection) -> int:
            return sum(db.execute(delete(table).where(table.c.created_at < cutoff)).rowcount
                       for table in (feedback, interactions, staff_logins))

        return run(self.engine, purge, write=True)
