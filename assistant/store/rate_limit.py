"""Requests per API key per fixed window (`api_requests`), shared by every API instance on the database.

One row per key per window, bumped by a single INSERT ... ON CONFLICT DO UPDATE ... RETURNING (SQLite
>= 3.35 and PostgreSQL), so instances sharing the database count together and simultaneous requests are
never lost. The policy (the limit, the window, the 429) is assistant/api/access.py's.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from assistant.store.database import run
from assistant.store.schema import api_requests


class RateLimit:
    """Count requests per bucket ("key-<id>", or "open" for keyless requests) and window."""

    def __init__(self, engine: Engine):
        self.engine = engine
        # Dialect-specific on purpose: the portable insert has no ON CONFLICT.
        self._upsert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}.get(engine.dialect.name)

    def count(self, bucket: str, window_start: int) -> int:
        """Add one request to `bucket`'s window (seconds since the epoch) and return the window's count so far.

        Raises:
            ValueError: the database is neither SQLite nor PostgreSQL.
            DatabaseUnavailable: the database refused the count after its retries (the API answers 503).
        """
        if self._upsert is None:
            raise ValueError(f"API rate limits need SQLite or PostgreSQL, got {self.engine.dialect.name!r}; "
                             "set MENTOR_DATABASE_URL to one of them, or MENTOR_API_RATE_LIMIT=0")
        bucket = bucket[:64]
        statement = (self._upsert(api_requests).values(bucket=bucket, window_start=window_start, hits=1)
                     .on_conflict_do_update(index_elements=[api_requests.c.bucket, api_requests.c.window_start],
                                            set_={"hits": api_requests.c.hits + 1})
                     .returning(api_requests.c.hits))

        def count(db: Connection) -> int:
            hits = int(db.execute(statement).scalar_one())
            if hits == 1:  # the first request of a window: the bucket's older windows are done with
                db.execute(delete(api_requests).where(api_requests.c.bucket == bucket,
                                                      api_requests.c.window_start < window_start))
            return hits

        return run(self.engine, count, write=True)
