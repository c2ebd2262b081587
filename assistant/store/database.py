"""The database connection every shared part uses: engines, safe URLs in messages, advisory locks, migrations.

SQLite (the single-machine default) or PostgreSQL (several instances sharing state, issue 13). The schema
is schema.metadata, evolved by the Alembic migrations shipped in assistant/store/migrations/ and applied at
start-up: on PostgreSQL under an advisory lock, on SQLite inside one `BEGIN IMMEDIATE` transaction, so
instances starting together apply them exactly once. Messages never show a password: see `mask_url`.

Under strain: SQLite runs in WAL mode (readers never wait for the writer) with a busy timeout, and every
write transaction takes the write lock when it begins (`BEGIN IMMEDIATE`), so writers queue for the lock
instead of failing on it. Every read and write goes through `run`, which retries a few times when the
database is busy or unreachable, then raises DatabaseUnavailable (the API answers 503 with Retry-After);
an outage is logged once when it starts and once when it ends, not once per request.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from assistant.errors import DatabaseUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Old databases carried a hand-rolled schema_version table: its versions map onto these Alembic revisions.
LEGACY_REVISIONS = {1: "0001", 2: "0002"}

SQLITE_BUSY_TIMEOUT_MS = 10_000  # a writer waits this long for the write lock before SQLite says "locked"
PG_CONNECT_TIMEOUT_S = 3  # an unreachable PostgreSQL fails fast (libpq waits forever by default)
# Tries of one operation, and the pauses between them: bounded, so a request gets its 503 within about a
# second of PostgreSQL being down (SQLite's busy timeout applies within each try).
RETRY_PAUSES_S = (0.05, 0.25, 0.75)
WAL_SWITCH_PAUSES_S = (0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6)  # about 3 s in all


def mask_url(url: str) -> str:
    """The URL with its password replaced by ***, fit for logs and messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<an unreadable database URL>"


def is_postgres(url_or_engine) -> bool:
    name = url_or_engine.dialect.name if hasattr(url_or_engine, "dialect") else make_url(url_or_engine).get_backend_name()
    return name == "postgresql"


def unavailable(url: str, exc: BaseException) -> DatabaseUnavailable:
    """A message naming the database (password masked), what went wrong, and what to check."""
    parsed = make_url(url)
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if parsed.password:
        reason = reason.replace(str(parsed.password), "***")
    if is_postgres(url):
        where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}, database '{parsed.database}'"
        fix = (f"check that PostgreSQL is running and reachable at {parsed.host or 'localhost'}:{parsed.port or 5432}, "
               f"that the database '{parsed.database}' exists, and that the user and password in "
               "MENTOR_DATABASE_URL are right")
    else:
        where, fix = mask_url(url), "check that the folder exists and is writable, or set MENTOR_DATABASE_URL"
    return DatabaseUnavailable(f"cannot use the database at {where} ({mask_url(url)}): {reason}; {fix}")


def make_engine(url: str) -> Engine:
    """An engine for the URL. Nothing connects yet; `check` (or the first query) does."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    try:
        connect_args = {}
        if is_postgres(url) and "connect_timeout" not in make_url(url).query:
            connect_args["connect_timeout"] = PG_CONNECT_TIMEOUT_S
        # pool_pre_ping: an instance outlives PostgreSQL restarts and fail-overs without a stale-connection error.
        engine = create_engine(url, future=True, pool_pre_ping=is_postgres(url), connect_args=connect_args)
    except (ArgumentError, ImportError) as exc:
        raise DatabaseUnavailable(f"MENTOR_DATABASE_URL {mask_url(url)!r} is not a usable SQLAlchemy URL ({exc}); "
                                  "use sqlite:///data/mentor.db or postgresql+psycopg://user:password@host:5432/mentor") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL (readers and the one writer never block each other; it stays set in the file) and a busy timeout."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # The switch to WAL needs the file to itself, and SQLite answers "locked" at once, without the busy
        # timeout, while another connection is using it (instances opening a new database together). WAL
        # stays set in the file, so whichever connection switches first switches it for all: check, then
        # retry the switch briefly. An in-memory database answers 'memory': nothing to do.
        for pause in (*WAL_SWITCH_PAUSES_S, None):
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] in ("wal", "memory"):
                return
            try:
                cursor.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError:
                if pause is None:
                    raise
                time.sleep(pause)
    finally:
        cursor.close()


def _begin(conn: Connection, write: bool) -> None:
    if write and conn.dialect.name == "sqlite":
        # The write lock at the start: a deferred transaction that read first could not wait for it later
        # (SQLite answers "locked" at once to avoid a deadlock); an immediate one queues for it.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class _Outage:
    """Logs an unavailable database once when it starts failing and once when it works again."""

    def __init__(self):
        self._lock = threading.Lock()
        self.failing: dict[str, int] = {}  # masked URL -> operations failed since the outage began

    def failed(self, url: str, error: DatabaseUnavailable) -> None:
        with self._lock:
            first = url not in self.failing
            self.failing[url] = self.failing.get(url, 0) + 1
        if first:
            log.warning("database unavailable, answering 503 until it is back: %s", error)

    def worked(self, url: str) -> None:
        if url in self.failing:
            with self._lock:
                count = self.failing.pop(url, None)
            if count is not None:
                log.warning("database %s is available again (%d operations failed meanwhile)", url, count)


outage = _Outage()


def run(engine: Engine, work: Callable[[Connection], T], *, write: bool) -> T:
    """Run `work` in one transaction (committed if `write`), retried when the database is busy or unreachable.

    Each try is a fresh transaction on a fresh pooled connection (pre-pinged on PostgreSQL), so `work` must
    only touch the database: it may run more than once, and only the try that commits counts.

    Raises:
        DatabaseUnavailable: still failing after the last try; the message names the database and what to check.
    """
    url = engine.url.render_as_string()  # password hidden
    for pause in (*RETRY_PAUSES_S, None):
        try:
            with (engine.begin() if write else engine.connect()) as conn:
                _begin(conn, write)
                result = work(conn)
            outage.worked(url)
            return result
        except DBAPIError as exc:
            if not (isinstance(exc, OperationalError) or exc.connection_invalidated):
                raise  # a bug or a constraint, not the database's state: retrying would not help
            if pause is None:
                error = unavailable(engine.url.render_as_string(hide_password=False), exc)
                outage.failed(url, error)
                raise error from None
            time.sleep(pause)
    raise AssertionError("unreachable")


def ping(engine: Engine) -> str | None:
    """None when the database answers a trivial query now (one try, no retries), else why not."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except DBAPIError as exc:
        return str(unavailable(engine.url.render_as_string(hide_password=False), exc))
    outage.worked(engine.url.render_as_string())
    return None


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for pg_advisory_lock, from a readable name."""
    return int.from_bytes(hashlib.sha256(f"mentor:{name}".encode()).digest()[:8], "big", signed=True)


@contextlib.contextmanager
def advisory_lock(engine: Engine, name: str):
    """Hold PostgreSQL's session-level advisory lock `name` on a dedicated connection; wait for it.

    Session-level on purpose: if this process dies, PostgreSQL ends its session and the lock is released,
    so a killed instance never blocks the others. Yields the connection that holds it.
    """
    key = lock_key(name)
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
        conn.commit()
        try:
            yield conn
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            conn.commit()


def _alembic_config(connection: Connection | None = None):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def migrate(engine: Engine) -> str:
    """Bring the schema to the newest revision, once, even when several instances start together.

    A database made before Alembic (it has a schema_version table) is stamped at the matching revision
    first, so its rows are kept and only the later migrations run. Returns the revision now current.

    Raises:
        DatabaseUnavailable: the database cannot be reached or written, with what to check.
    """
    from alembic import command

    url = engine.url.render_as_string(hide_password=False)
    try:
        with engine.connect() as conn:  # the common case: already current, and no lock is taken
            if current_revision(conn) == head_revision():
                return head_revision()
        with engine.begin() as conn:
            if is_postgres(engine):
                # Released at commit or when the session ends: a killed instance never holds it.
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key("migrate")})
            elif engine.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock first: another process waits here
            tables = set(inspect(conn).get_table_names())
            if "alembic_version" not in tables and "schema_version" in tables:
                old = conn.execute(text("SELECT MAX(version) FROM schema_version")).scalar() or 1
                command.stamp(_alembic_config(conn), LEGACY_REVISIONS[min(int(old), max(LEGACY_REVISIONS))])
                conn.execute(text("DROP TABLE schema_version"))
            command.upgrade(_alembic_config(conn), "head")
            return current_revision(conn) or head_revision()
    except OperationalError as exc:
        raise unavailable(url, exc) from None
