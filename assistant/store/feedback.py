"""Ratings of answers (`feedback`): thumbs up or down, with an optional comment, always redacted."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import insert
from sqlalchemy.engine import Connection, Engine

from assistant.errors import DatabaseUnavailable
from assistant.redact import apply_policy
from assistant.store.database import run
from assistant.store.interactions import rows_since
from assistant.store.pending import PendingWrites
from assistant.store.schema import feedback, now, utc


class Feedback:
    """Record and read ratings."""

    def __init__(self, engine: Engine, question_logging: str, pending: PendingWrites):
        self.engine = engine
        self.question_logging = question_logging
        self.pending = pending

    def record(self, session_id: str, question: str, doc_ids: list[str], rating: int,
               comment: str | None = None, interaction_id: int | None = None, *,
               at: dt.datetime | None = None, defer: bool = True) -> int | None:
        """Store a thumbs up (1) or down (0) for an answer, with an optional comment. Returns the row id, or
        None when the database refused it for now and it waits in `pending` (unless `defer` is False).

        Raises:
            ValueError: the rating is not 0 or 1.
            DatabaseUnavailable: with `defer=False` (the API: its caller is told to retry), the database refused it.
        """
        if rating not in (0, 1):
            raise ValueError(f"rating must be 0 (thumbs down) or 1 (thumbs up), got {rating!r}")
        row = dict(
            created_at=utc(at) if at else now(), interaction_id=interaction_id, session_id=session_id[:64],
            question=apply_policy(question, self.question_logging), cited_doc_ids=json.dumps(list(doc_ids)),
            rating=rating, comment=apply_policy(comment.strip(), "redacted") if comment and comment.strip() else None,
        )

        def write(db: Connection) -> int:
            return int(db.execute(insert(feedback).values(**row)).inserted_primary_key[0])

        try:
            return run(self.engine, write, write=True)
        except DatabaseUnavailable as exc:
            if not defer:
                raise
            self.pending.add("a rating", write, exc)
            return None

    def rows(self, since: dt.datetime | None = None) -> list[dict]:
        """Every stored rating, oldest first; from `since` on when given."""
        return rows_since(self.engine, feedback, since)
