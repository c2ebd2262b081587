"""The questions asked and how they were answered (`interactions`), stored under the privacy policy.

Only what the features need: the question under MENTOR_QUESTION_LOGGING (personal data masked by
default), the status, scores (an answer's lead match and margin among them), cited document ids, latency and an
anonymous session id (the API key's bucket for the API). Recording never fails an answer: a row the database refuses waits in
PendingWrites and is stored once the database is back.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine

from assistant.errors import DatabaseUnavailable
from assistant.models import Answer
from assistant.redact import apply_policy
from assistant.store.database import run
from assistant.store.pending import PendingWrites
from assistant.store.schema import aware, interactions, now, utc


def decoded(row) -> dict:
    """A stored interaction or rating as a dict: its time in UTC, its cited ids and sections as lists."""
    found = dict(row._mapping)
    found["created_at"] = aware(found["created_at"])
    found["cited_doc_ids"] = json.loads(found["cited_doc_ids"] or "[]")
    if "cited_sections" in found:  # interactions only; rows stored before it was kept have none
        found["cited_sections"] = [tuple(pair) for pair in json.loads(found["cited_sections"] or "[]")]
    return found


def answer_lead(answer: Answer, limit: int = 300) -> str:
    """The answer's first line as a reader sees it, without its citation markers, cut at `limit`."""
    line = next((line.strip() for line in answer.text.splitlines() if line.strip()), "")
    line = re.sub(r"\s*\[\d+\]", "", line).lstrip("#>-* ").strip()
    return line if len(line) <= limit else line[:limit - 1].rstrip() + "…"


def rows_since(engine: Engine, table, since: dt.datetime | None) -> list[dict]:
    """Every row of `table` (interactions or feedback), oldest first, from `since` on when given."""
    query = select(table).order_by(table.c.created_at)
    if since is not None:
        query = query.where(table.c.created_at >= utc(since))
    return run(engine, lambda db: [decoded(r) for r in db.execute(query)], write=False)


class Interactions:
    """Record and read the questions asked."""

    def __init__(self, engine: Engine, question_logging: str, pending: PendingWrites):
        self.engine = engine
        self.question_logging = question_logging
        self.pending = pending

    def record(self, session_id: str, answer: Answer, question: str | None = None, *,
               at: dt.datetime | None = None) -> int | None:
        """Store one question and its outcome under the question_logging policy. Returns the row id, or None
        when the database refused it for now: the row then waits in `pending` and is stored later.

        `at` backdates the row (imports and tests); the default is now.
        """
        row = dict(
            created_at=utc(at) if at else now(), session_id=session_id[:64],
            # A message answered with a care reply (status support) is never stored, whatever the policy.
            question=None if answer.status == "support" else apply_policy(
                question if question is not None else answer.question, self.question_logging),
            status=answer.status, top_score=float(answer.top_score), confidence=float(answer.confidence),
            cited_doc_ids=json.dumps(answer.doc_ids), latency_ms=float(answer.latency_ms),
            answer_lead=None if answer.status == "support" else self.lead(answer),
            cited_sections=json.dumps([[c.doc_id, c.section] for c in answer.citations]),
            lead_match=float(answer.lead_match) if answer.status == "answered" else None,
            lead_margin=float(answer.lead_margin) if answer.status == "answered" and answer.lead_margin is not None
            else None,
        )

        def write(db: Connection) -> int:
            return int(db.execute(insert(interactions).values(**row)).inserted_primary_key[0])

        try:
            return run(self.engine, write, write=True)
        except DatabaseUnavailable as exc:
            self.pending.add("an interaction", write, exc)
            return None

    def lead(self, answer: Answer) -> str | None:
        """The first line to keep: quoted guidance as it is (curated text, no personal data), a generated
        line under question_logging, since it may repeat what was asked; nothing when logging is off."""
        if self.question_logging == "off":
            return None
        lead = answer_lead(answer)
        return apply_policy(lead, self.question_logging) if answer.mode == "generated" else lead

    def get(self, row_id: int) -> dict | None:
        """One stored interaction, or None."""
        row = run(self.engine, lambda db: db.execute(select(interactions).where(interactions.c.id == row_id)).first(),
                  write=False)
        return None if row is None else decoded(row)

    def rows(self, since: dt.datetime | None = None) -> list[dict]:
        """Every stored interaction, oldest first; from `since` on when given."""
        return rows_since(self.engine, interactions, since)
