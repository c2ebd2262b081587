"""Index builds shared by several instances on one PostgreSQL: one build at a time, published, followed.

- **One build at a time.** A build holds the session-level advisory lock `index-build`; a second build
  waits for it, then finds the published version already at the knowledge it would build from and
  adopts it instead of building again (`force` builds anyway). A killed builder's session ends, which
  releases the lock.
- **Published in one transaction.** The builder reads the documents in one snapshot, builds locally
  (the usual atomic build, from a private copy of that snapshot), and only then inserts the version
  folder, as a tar archive, into `index_versions` and sends NOTIFY, in one transaction. A build killed
  at any earlier moment publishes nothing, and every instance keeps serving the version it has.
- **Followed by every instance.** A background thread LISTENs for that NOTIFY (and for document
  edits), and also checks every `MENTOR_SHARED_POLL_S` seconds in case a notification was missed (a
  dropped connection): it brings the local knowledge folder up to the database, unpacks a newer
  version as a new `index/v-...` folder and moves `CURRENT`, which the running Assistant hot-swaps.
- **Joining late.** An instance that starts fetches the published version instead of building.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import shutil
import tarfile
import tempfile
import threading
import uuid
from pathlib import Path

from sqlalchemy import delete, insert, select, text

from assistant.config import Settings
from assistant.store.database import advisory_lock, mask_url
from assistant.store.documents import DatabaseStore, document_store, mirror
from assistant.embedding import Embedder
from assistant.errors import KnowledgeError
from assistant.files import write_atomic
from assistant.index import (FILES, FORMAT_VERSION, POINTER, Progress, build_index, current_version, index_status,
                             prune_versions, verify_version)
from assistant.knowledge import knowledge_fingerprint
from assistant.models import BuildReport
from assistant.store.schema import index_versions

log = logging.getLogger(__name__)

CHANNEL = "mentor_index"  # NOTIFY channel: a new index version is published (payload: its id)
KEEP_PUBLISHED = 3  # versions kept in the database; instances fetch only the newest
MEMBERS = frozenset((*FILES, "manifest.json"))


# -- publishing ------------------------------------------------------------------------------------
def _archive(version_dir: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as tar:
        for name in sorted(MEMBERS):
            tar.add(version_dir / name, arcname=name)
    return buffer.getvalue()


def publish(store: DatabaseStore, version_dir: Path) -> int:
    """Insert a finished version folder and announce it, in one transaction. Returns its id."""
    manifest = verify_version(version_dir)
    archive = _archive(version_dir)
    with store.engine.begin() as db:
        row = db.execute(insert(index_versions).values(
            name=version_dir.name, created_at=dt.datetime.now(dt.timezone.utc), knowledge_hash=manifest.knowledge_hash,
            model=manifest.model, format_version=manifest.format_version, passages=manifest.passage_count,
            size=len(archive), archive=archive)).inserted_primary_key[0]
        old = select(index_versions.c.id).order_by(index_versions.c.id.desc()).offset(KEEP_PUBLISHED)
        db.execute(delete(index_versions).where(index_versions.c.id.in_(old.scalar_subquery())))
        db.execute(text("SELECT pg_notify(:channel, :id)"), {"channel": CHANNEL, "id": str(row)})
    log.info("published index %s (%d passages, %d bytes)", version_dir.name, manifest.passage_count, len(archive))
    return int(row)


def latest(store: DatabaseStore):
    """The newest published version's row, without its archive, or None."""
    columns = [c for c in index_versions.c if c.name != "archive"]
    with store.engine.connect() as db:
        return db.execute(select(*columns).order_by(index_versions.c.id.desc()).limit(1)).first()


def install(settings: Settings, store: DatabaseStore, model_id: str | None = None) -> str | None:
    """Make the newest published version live in this instance's index folder, if it is not already.

    Its files are unpacked into a hidden folder, checked against the manifest's checksums, renamed to
    their version name and only then pointed at, as a local build does. Returns the version installed
    now, or None when there was nothing to do (none published, already live, or built for another model).
    """
    from filelock import FileLock

    row = latest(store)
    model_id = model_id or settings.model
    if row is None or row.format_version != FORMAT_VERSION or row.model != model_id:
        return None
    index_dir = Path(settings.index_dir)
    live = current_version(index_dir)
    if live is not None and live.name == row.name:
        return None
    index_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(str(index_dir / ".build.lock"), timeout=600):
        store.sync()  # the knowledge folder matches what the version was built from (or is newer)
        target = index_dir / row.name
        if not target.is_dir():
            with store.engine.connect() as db:
                archive = db.execute(select(index_versions.c.archive).where(index_versions.c.id == row.id)).scalar()
            if archive is None:  # pruned since we looked: the next check finds the newer one
                return None
            tmp = index_dir / f".tmp-{uuid.uuid4().hex[:8]}"
            tmp.mkdir()
            try:
                with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
                    members = [m for m in tar.getmembers() if m.name in MEMBERS and m.isfile()]
                    tar.extractall(tmp, members=members, filter="data")
                verify_version(tmp)
                os.rename(tmp, target)
            finally:
                if tmp.exists():
                    shutil.rmtree(tmp, ignore_errors=True)
        write_atomic(index_dir / POINTER, row.name)  # the atomic switch, as a local build makes it
        prune_versions(index_dir, keep=target)
    log.info("installed published index %s", row.name)
    return row.name


# -- building ----------------------------------------------------------------------------------------
def shared_build(settings: Settings, embedder: Embedder, *, progress: Progress | None = None,
                 force: bool = False) -> BuildReport:
    """Build from the database's documents and publish the result to every instance; one build at a time.

    Waits while another instance builds. When the newest published version was built from exactly
    these documents with this model, it is installed here and returned as not built ("already built at
    this knowledge version"), unless `force`.

    Raises:
        KnowledgeError: a document has a problem; nothing is published and every instance keeps its index.
    """
    report = progress or (lambda fraction, message: None)
    store = document_store(settings)
    report(0.0, "Waiting for any other build to finish")
    with advisory_lock(store.engine, "index-build"):
        files = store.snapshot()
        with tempfile.TemporaryDirectory(prefix=".knowledge-", dir=_ensure(settings.index_dir)) as tmp:
            snapshot = Path(tmp) / "knowledge"  # named so problems read knowledge/<file>, as everywhere else
            mirror(snapshot, files)
            fingerprint, _ = knowledge_fingerprint(snapshot)
            row = latest(store)
            if (not force and row is not None and row.knowledge_hash == fingerprint and row.model == embedder.model_id
                    and row.format_version == FORMAT_VERSION):
                install(settings, store, embedder.model_id)
                return BuildReport(built=False, reason="already built at this knowledge version",
                                   passages=row.passages, version_dir=str(Path(settings.index_dir) / row.name))
            built = build_index(settings.model_copy(update={"knowledge_dir": snapshot}), embedder, progress=progress)
        store.sync()
        publish(store, Path(built.version_dir))
    return built


def _ensure(folder: Path) -> Path:
    Path(folder).mkdir(parents=True, exist_ok=True)
    return Path(folder)


# -- following -----------------------------------------------------------------------------------------
class Follower(threading.Thread):
    """Keeps this instance's knowledge folder and index at the database's newest, in the background."""

    def __init__(self, settings: Settings, model_id: str):
        super().__init__(name="mentor-index-follower", daemon=True)
        self.settings = settings
        self.model_id = model_id
        self.stopped = threading.Event()
        self.checks = 0  # how many times it looked (for tests and monitoring)

    def catch_up(self) -> str | None:
        store = document_store(self.settings)  # also syncs the knowledge folder
        self.checks += 1
        return install(self.settings, store, self.model_id)

    def run(self) -> None:
        import psycopg
        from sqlalchemy.engine import make_url

        url = make_url(self.settings.db_url)
        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        poll = self.settings.shared_poll_s
        while not self.stopped.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    conn.execute("LISTEN mentor_documents")
                    self.catch_up()  # whatever happened while not listening
                    while not self.stopped.is_set():
                        # Wakes on a notification, or after `poll` seconds: the fallback check.
                        for _ in conn.notifies(timeout=poll, stop_after=1):
                            pass
                        self.catch_up()
            except Exception as exc:  # noqa: BLE001 - keep serving; say why, without the password
                log.warning("following the shared index at %s failed (%s: %s); retrying in %.0fs",
                            mask_url(self.settings.db_url), type(exc).__name__, str(exc).replace(url.password or "\0", "***"),
                            poll)
                self.stopped.wait(poll)

    def stop(self) -> None:
        self.stopped.set()


_followers: dict[tuple[str, str], Follower] = {}
_followers_lock = threading.Lock()


def join(settings: Settings, embedder: Embedder) -> Follower:
    """Start-up in shared mode: bring the knowledge folder and index to the published state, building and
    publishing only when nothing usable is published, then follow the database in the background.

    Called by LiveIndex.load (through SharedBuilder) before the usual ensure_index, which then finds the
    index up to date.
    """
    store = document_store(settings)
    install(settings, store, embedder.model_id)
    state = index_status(settings, embedder.model_id).state
    if state == "up_to_date" and latest(store) is None:
        # The first instance on a fresh database, with a good local index: publish it for the others.
        with advisory_lock(store.engine, "index-build"):
            if latest(store) is None:
                publish(store, current_version(settings.index_dir))
    elif state != "up_to_date" and settings.auto_rebuild:
        try:
            shared_build(settings, embedder)
        except KnowledgeError:
            pass  # ensure_index keeps the last good index and says why
    key = (settings.db_url, str(Path(settings.index_dir).resolve()))
    with _followers_lock:
        follower = _followers.get(key)
        if follower is None or not follower.is_alive():
            follower = _followers[key] = Follower(settings, embedder.model_id)
            follower.start()
    return follower


class SharedBuilder:
    """A LiveIndex's builder on PostgreSQL (index.LocalBuilder's counterpart): join the published state
    before the first load, and build once for every instance."""

    def prepare(self, settings: Settings, embedder: Embedder) -> None:
        join(settings, embedder)

    def build(self, settings: Settings, embedder: Embedder, progress: Progress | None = None) -> BuildReport:
        return shared_build(settings, embedder, progress=progress)


def stop_following(timeout: float = 10.0) -> None:
    """Stop every follower this process started (tests, and a clean shutdown)."""
    with _followers_lock:
        followers = list(_followers.values())
        _followers.clear()
    for follower in followers:
        follower.stop()
    for follower in followers:
        follower.join(timeout)
