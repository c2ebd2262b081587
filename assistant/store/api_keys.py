"""API keys (`api_keys`): a name, the key's first characters and its sha256, never the key itself.

Why a sha256 is enough, and how a key is checked: assistant/api/access.py.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from assistant.store.database import run
from assistant.store.schema import api_keys, aware, now, utc


class ApiKeys:
    """Add, list and revoke API keys."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def add(self, name: str, prefix: str, key_hash: str, *, at: dt.datetime | None = None) -> int:
        """Store a new API key's name, prefix and sha256 (never the key). Returns its id."""
        statement = insert(api_keys).values(name=name[:64], prefix=prefix[:16], key_hash=key_hash,
                                            created_at=utc(at) if at else now())
        return run(self.engine, lambda db: int(db.execute(statement).inserted_primary_key[0]), write=True)

    def rows(self, prefix: str | None = None) -> list[dict]:
        """Every API key row, revoked ones too, oldest first; only those starting `prefix` when given."""
        query = select(api_keys).order_by(api_keys.c.id)
        if prefix is not None:
            query = query.where(api_keys.c.prefix == prefix)
        rows = run(self.engine, lambda db: [dict(r._mapping) for r in db.execute(query)], write=False)
        for r in rows:
            r["created_at"] = aware(r["created_at"])
            r["revoked_at"] = aware(r["revoked_at"]) if r["revoked_at"] else None
        return rows

    def revoke(self, ids: list[int], *, at: dt.datetime | None = None) -> int:
        """Mark keys revoked (kept, so `mentor api-key list` still shows them). Returns the rows changed."""
        statement = (update(api_keys).where(api_keys.c.id.in_(ids), api_keys.c.revoked_at.is_(None))
                     .values(revoked_at=utc(at) if at else now()))
        return run(self.engine, lambda db: db.execute(statement).rowcount, write=True)
