"""Staff sign-in attempts (`staff_logins`), so a lockout holds across reruns, browser sessions and instances.

assistant/staff/auth.py decides; this module counts. An attempt is reserved (`pending`) before its password
is checked, then turned into a failure or a success; a pending row counts as a failure, so an attempt cut
short (a crash mid-check) still counts. Each check-and-reserve first locks its scope's row in
`staff_login_locks`, so simultaneous attempts (threads, or instances sharing PostgreSQL) are counted one
after another.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from assistant.store.database import run
from assistant.store.schema import aware, staff_login_locks, staff_logins, utc

OUTCOMES = ("failure", "success", "lockout", "pending")
COUNTED = ("failure", "pending")


class SignIns:
    """The lockout's memory: attempts per scope (e.g. "staff"), reserved, finished and cleared."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def window(self, scope: str, now: dt.datetime, lockout: dt.timedelta) -> tuple[dt.datetime | None, int]:
        """(when the lockout in force ends, or None; failed or pending attempts since the last success or lockout)."""
        return run(self.engine, lambda db: _window(db, scope, utc(now), lockout), write=False)

    def reserve(self, scope: str, now: dt.datetime, lockout: dt.timedelta, max_attempts: int) -> int | None:
        """Record a pending sign-in attempt before its password is checked. Returns its row id, or None when
        sign-in is locked: a lockout is in force, or `max_attempts` attempts already failed or are pending.

        The scope's lock row is taken first (SQLite's write lock, or a PostgreSQL row lock held to commit),
        then the attempt is inserted and counted with the others, in one transaction: simultaneous attempts,
        from threads or from instances sharing the database, are counted one after another and no more than
        `max_attempts` of them ever get their password checked.
        """
        now, scope = utc(now), scope[:32]

        def reserve(db: Connection) -> int | None:
            _serialise(db, scope)
            row = int(db.execute(insert(staff_logins).values(created_at=now, scope=scope, outcome="pending"))
                      .inserted_primary_key[0])
            locked_until, attempts = _window(db, scope, now, lockout)
            if locked_until is None and attempts <= max_attempts:
                return row
            db.execute(delete(staff_logins).where(staff_logins.c.id == row))
            if locked_until is None:  # the attempts allowed are all used up: the lockout starts now
                db.execute(insert(staff_logins).values(created_at=now, scope=scope, outcome="lockout"))
            return None

        return run(self.engine, reserve, write=True)

    def finish(self, row: int, ok: bool, scope: str, now: dt.datetime, lockout: dt.timedelta,
               max_attempts: int) -> tuple[dt.datetime | None, int]:
        """Turn a reserved attempt into a success or a failure, starting a lockout when this failure is the
        last one allowed. Returns the window afterwards, as `window` does."""
        now, scope = utc(now), scope[:32]

        def finish(db: Connection) -> tuple[dt.datetime | None, int]:
            _serialise(db, scope)
            db.execute(update(staff_logins).where(staff_logins.c.id == row)
                       .values(outcome="success" if ok else "failure"))
            locked_until, failures = _window(db, scope, now, lockout)
            if not ok and locked_until is None and failures >= max_attempts:
                db.execute(insert(staff_logins).values(created_at=now, scope=scope, outcome="lockout"))
                locked_until = now + lockout
            return locked_until, failures

        return run(self.engine, finish, write=True)

    def clear(self, scope: str = "staff") -> int:
        """Forget every sign-in attempt for `scope` (ends a lockout). Returns the rows deleted."""
        return run(self.engine, lambda db: db.execute(delete(staff_logins).where(staff_logins.c.scope == scope)).rowcount,
                   write=True)


def _serialise(db: Connection, scope: str) -> None:
    """Lock `scope`'s row until this transaction ends, so check-and-reserve runs one attempt at a time.

    The insert is a write, so on SQLite it takes the database's write lock; on PostgreSQL the row exists
    afterwards and FOR UPDATE holds it (READ COMMITTED: the counts after it see every earlier attempt).
    """
    dialect = postgresql if db.dialect.name == "postgresql" else sqlite
    db.execute(dialect.insert(staff_login_locks).values(scope=scope).on_conflict_do_nothing())
    db.execute(select(staff_login_locks.c.scope).where(staff_login_locks.c.scope == scope).with_for_update())


def _count(db: Connection, outcomes: tuple[str, ...], scope: str, after: dt.datetime | None) -> int:
    query = select(func.count()).select_from(staff_logins).where(staff_logins.c.scope == scope,
                                                                 staff_logins.c.outcome.in_(outcomes))
    if after is not None:
        query = query.where(staff_logins.c.created_at > utc(after))
    return int(db.execute(query).scalar() or 0)


def _last(db: Connection, outcome: str, scope: str) -> dt.datetime | None:
    value = db.execute(select(func.max(staff_logins.c.created_at)).where(staff_logins.c.scope == scope,
                                                                        staff_logins.c.outcome == outcome)).scalar()
    return aware(value) if value else None


def _window(db: Connection, scope: str, now: dt.datetime, lockout: dt.timedelta) -> tuple[dt.datetime | None, int]:
    """The lockout in force (its end) and the attempts that count towards the next one."""
    last_lock = _last(db, "lockout", scope)
    if last_lock is not None and now < last_lock + lockout:
        return last_lock + lockout, 0
    starts = [t for t in (_last(db, "success", scope), last_lock + lockout if last_lock else None) if t]
    return None, _count(db, COUNTED, scope, max(starts) if starts else None)
