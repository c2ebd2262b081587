"""Where the knowledge files are kept: the knowledge folder (the default), or PostgreSQL with every revision.

Both stores hold the same files by name (`<id>.md`, `topics.yaml`, `scope.yaml`) behind one interface,
and both leave a complete knowledge folder that the loader and the index read unchanged. With the files
store that folder is the truth. With the database store it is a local copy: every save writes a new
revision in the database (who, when, the whole text; a deletion is a revision too) and then the file, and
`sync` brings the folder up to the database after edits made through other instances.

Saves are optimistic: a save names the version it was based on (a `token`: the file's sha256, or `r<N>`
for revision N) and is refused with EditConflict when that version is no longer current.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, insert, select, text as sql, update
from sqlalchemy.exc import IntegrityError

from assistant.errors import EditConflict, KnowledgeError
from assistant.files import write_atomic
from assistant.care import CARE_FILE
from assistant.knowledge import SCOPE_FILE, TOPICS_FILE, load_knowledge, read_file
from assistant.text import sha256

TRASH_DIR = ".trash"
CHANNEL = "mentor_documents"  # NOTIFY channel: a document changed


def is_knowledge_file(name: str) -> bool:
    """The files a knowledge folder is made of, as the loader reads them."""
    return name in (TOPICS_FILE, SCOPE_FILE, CARE_FILE) or (name.endswith(".md") and not name.startswith((".", "_"))
                                                 and "/" not in name)


def file_name(doc: str) -> str:
    """The file name for a document id ('finding-a-mentor' -> 'finding-a-mentor.md'); file names pass through."""
    return doc if doc.endswith((".md", ".yaml")) else f"{doc}.md"


def knowledge_files(folder: Path) -> dict[str, str]:
    """Every knowledge file in a folder, by name, as text."""
    folder = Path(folder)
    out = {}
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if path.is_file() and is_knowledge_file(path.name):
            out[path.name] = read_file(path).decode("utf-8-sig")
    return out


def mirror(folder: Path, files: dict[str, str]) -> int:
    """Make `folder` hold exactly `files` (knowledge files only; anything else is left alone). Returns files changed."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    changed = 0
    for name, body in files.items():
        path = folder / name
        try:
            same = path.is_file() and read_file(path).decode("utf-8-sig", "replace") == body
        except KnowledgeError:
            same = False
        if not same:
            write_atomic(path, body)
            changed += 1
    for path in folder.iterdir():
        if is_knowledge_file(path.name) and path.name not in files and (path.is_file() or path.is_symlink()):
            path.unlink()
            changed += 1
    return changed


def validate_folder(folder: Path) -> None:
    """Raise KnowledgeError with every problem when the folder is not a valid knowledge base."""
    kb = load_knowledge(Path(folder))
    if kb.problems:
        raise KnowledgeError(kb.problems)


def default_author() -> str:
    try:
        return f"{getpass.getuser()}@{os.uname().nodename}"[:100]
    except Exception:  # noqa: BLE001 - no user name in a container: still say where
        return "unknown"


@dataclass
class Revision:
    """One version of a file in its history; `text` is None for a deletion."""

    revision: int
    created_at: dt.datetime
    author: str
    note: str
    deleted: bool
    sha256: str | None


def _label(name: str) -> str:
    return f"knowledge/{name}"


def conflict(name: str, now: str | None) -> EditConflict:
    """The message for a save based on a version that is no longer current (the same in both stores)."""
    if now is None:
        return EditConflict(f"{_label(name)} was deleted or moved to the trash since you opened it, so your changes "
                            "were not saved. Copy your text, then create the document again if it is still needed.")
    return EditConflict(f"{_label(name)} changed on disk since you opened it (someone else saved it, or it was edited "
                        "by hand), so your changes were not saved. Reload it to see the current version, then make "
                        "your edit again.")


def _exists(name: str) -> EditConflict:
    return EditConflict(f"{_label(name)} was created by someone else since you started, so yours was not saved. "
                        "Choose another id, or open theirs and edit it.")


class FileStore:
    """The knowledge folder itself: the single-machine default. History is the trash (deleted versions)."""

    kind = "files"

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def read(self, name: str) -> tuple[bytes, str]:
        """The file's bytes and token. Raises FileNotFoundError, or KnowledgeError for a non-file."""
        path = self.folder / name
        if not os.path.lexists(path):
            raise FileNotFoundError(f"{_label(name)} does not exist")
        raw = read_file(path)
        return raw, sha256(raw)

    def token(self, name: str) -> str | None:
        path = self.folder / name
        return sha256(read_file(path)) if os.path.lexists(path) else None

    def write(self, name: str, body: str, *, expected: str | None, author: str = "", note: str = "saved") -> str:
        """Save `body` as `name` when `expected` is still current (None: the file must not exist). Returns the token."""
        now = self.token(name)
        if expected is None and now is not None:
            raise _exists(name)
        if expected is not None and now != expected:
            raise conflict(name, now)
        write_atomic(self.folder / name, body)
        return sha256(body)

    def delete(self, name: str, *, expected: str | None = None, author: str = "",
               now: dt.datetime | None = None) -> str:
        """Move the file to knowledge/.trash/. Returns where it went, as a sentence."""
        now_token = self.token(name)
        if now_token is None:
            raise FileNotFoundError(f"{_label(name)} does not exist")
        if expected is not None and now_token != expected:
            raise conflict(name, now_token)
        trash = self.folder / TRASH_DIR
        trash.mkdir(exist_ok=True)
        stamp = (now or dt.datetime.now(dt.timezone.utc)).strftime("%Y%m%dT%H%M%S")
        stem = name.rsplit(".", 1)[0]
        target = trash / f"{stem}.{stamp}.md"
        n = 1
        while target.exists():
            n += 1
            target = trash / f"{stem}.{stamp}-{n}.md"
        os.replace(self.folder / name, target)
        return str(target)

    def _trashed(self, name: str) -> list[Path]:
        stem = name.rsplit(".", 1)[0]
        found = [p for p in (self.folder / TRASH_DIR).glob(f"{stem}.*.md")
                 if p.name[len(stem) + 1:].split(".")[0].replace("-", "").replace("T", "").isdigit()]
        return sorted(found, key=lambda p: p.name)

    def history(self, name: str) -> list[Revision]:
        """In file mode, the versions moved to the trash (oldest first), numbered 1, 2, ...; saves keep no history."""
        out = []
        for n, path in enumerate(self._trashed(name), 1):
            body = path.read_text(encoding="utf-8", errors="replace")
            out.append(Revision(revision=n, created_at=dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc),
                                author="", note=f"moved to the trash as .trash/{path.name}", deleted=False,
                                sha256=sha256(body)))
        return out

    def revision_text(self, name: str, revision: int) -> str | None:
        trashed = self._trashed(name)
        if not 1 <= revision <= len(trashed):
            raise LookupError(f"{_label(name)} has no version {revision} in the trash; "
                              f"`mentor kb history {name.removesuffix('.md')}` lists {len(trashed)}")
        return trashed[revision - 1].read_text(encoding="utf-8")

    def names(self) -> list[str]:
        return sorted(knowledge_files(self.folder))

    def deleted(self) -> list[str]:
        """Documents with a copy in the trash and none in the folder."""
        stems = {p.name.split(".")[0] for p in (self.folder / TRASH_DIR).glob("*.md")}
        return sorted(f"{stem}.md" for stem in stems if not (self.folder / f"{stem}.md").exists())

    def snapshot(self) -> dict[str, str]:
        return knowledge_files(self.folder)

    def sync(self) -> int:
        return 0  # the folder is the truth

    def import_files(self, files: dict[str, str], *, author: str = "") -> dict[str, int]:
        counts = {"added": 0, "changed": 0, "deleted": 0, "unchanged": 0}
        current = self.snapshot()
        for name, body in files.items():
            key = "unchanged" if current.get(name) == body else "changed" if name in current else "added"
            counts[key] += 1
        counts["deleted"] = len(set(current) - set(files))
        mirror(self.folder, files)
        return counts


class DatabaseStore:
    """Every knowledge file and its whole history in PostgreSQL; `folder` is this instance's local copy."""

    kind = "database"

    def __init__(self, url: str, folder: Path):
        from assistant.store.database import make_engine, migrate

        self.url = url
        self.folder = Path(folder)
        self.engine = make_engine(url)
        migrate(self.engine)
        self._synced: int | None = None  # the newest revision id the folder reflects
        self._sync_lock = threading.Lock()

    # -- reading -------------------------------------------------------------------------------
    def _head(self, db, name: str, lock: bool = False):
        from assistant.store.schema import documents

        query = select(documents).where(documents.c.name == name)
        return db.execute(query.with_for_update() if lock else query).first()

    def read(self, name: str) -> tuple[bytes, str]:
        from assistant.store.schema import document_revisions as revs

        with self.engine.connect() as db:
            head = self._head(db, name)
            if head is None or head.deleted:
                raise FileNotFoundError(f"{_label(name)} does not exist")
            body = db.execute(select(revs.c.text).where(revs.c.name == name, revs.c.revision == head.head)).scalar()
        return (body or "").encode("utf-8"), f"r{head.head}"

    def token(self, name: str) -> str | None:
        with self.engine.connect() as db:
            head = self._head(db, name)
        return None if head is None or head.deleted else f"r{head.head}"

    def names(self) -> list[str]:
        from assistant.store.schema import documents

        with self.engine.connect() as db:
            return list(db.execute(select(documents.c.name).where(documents.c.deleted.is_(False))
                                   .order_by(documents.c.name)).scalars())

    def deleted(self) -> list[str]:
        """Files whose newest revision is a deletion."""
        from assistant.store.schema import documents

        with self.engine.connect() as db:
            return list(db.execute(select(documents.c.name).where(documents.c.deleted.is_(True))
                                   .order_by(documents.c.name)).scalars())

    def snapshot(self) -> dict[str, str]:
        """Every current file, read in one transaction (a consistent set)."""
        return self._snapshot()[0]

    def _snapshot(self) -> tuple[dict[str, str], int]:
        from assistant.store.schema import document_revisions as revs, documents

        with self.engine.connect() as db:
            rows = db.execute(select(documents.c.name, revs.c.text)
                              .join(revs, (revs.c.name == documents.c.name) & (revs.c.revision == documents.c.head))
                              .where(documents.c.deleted.is_(False))).all()
            newest = db.execute(select(func.max(revs.c.id))).scalar() or 0
        return {name: body or "" for name, body in rows}, int(newest)

    def newest_revision(self) -> int:
        from assistant.store.schema import document_revisions as revs

        with self.engine.connect() as db:
            return int(db.execute(select(func.max(revs.c.id))).scalar() or 0)

    def history(self, name: str) -> list[Revision]:
        from assistant.store.schema import document_revisions as revs

        with self.engine.connect() as db:
            rows = db.execute(select(revs).where(revs.c.name == name).order_by(revs.c.revision)).all()
        return [Revision(revision=r.revision, created_at=_aware(r.created_at), author=r.author, note=r.note,
                         deleted=r.text is None, sha256=r.sha256) for r in rows]

    def revision_text(self, name: str, revision: int) -> str | None:
        from assistant.store.schema import document_revisions as revs

        with self.engine.connect() as db:
            row = db.execute(select(revs.c.text).where(revs.c.name == name, revs.c.revision == revision)).first()
        if row is None:
            raise LookupError(f"{_label(name)} has no revision {revision}; "
                              f"`mentor kb history {name.removesuffix('.md')}` lists them")
        return row.text

    # -- writing -------------------------------------------------------------------------------
    def _append(self, db, name: str, body: str | None, *, expected: str | None | bool, author: str, note: str) -> int:
        """Add a revision under the document's row lock. expected: a token, None (must not exist), or False (any)."""
        from assistant.store.schema import document_revisions as revs, documents

        head = self._head(db, name, lock=True)
        now = None if head is None or head.deleted else f"r{head.head}"
        if expected is None and now is not None:
            raise _exists(name)
        if expected not in (None, False) and now != expected:
            raise conflict(name, now)
        revision = (head.head if head else 0) + 1
        stamp = dt.datetime.now(dt.timezone.utc)
        if head is None:
            db.execute(insert(documents).values(name=name, head=revision, deleted=body is None, updated_at=stamp))
        else:
            db.execute(update(documents).where(documents.c.name == name)
                       .values(head=revision, deleted=body is None, updated_at=stamp))
        db.execute(insert(revs).values(name=name, revision=revision, created_at=stamp, author=(author or "unknown")[:100],
                                       note=note[:200], text=body, sha256=sha256(body) if body is not None else None))
        return revision

    def _notify(self, db) -> None:
        db.execute(sql("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})

    def write(self, name: str, body: str, *, expected: str | None, author: str = "", note: str = "saved") -> str:
        try:
            with self.engine.begin() as db:
                revision = self._append(db, name, body, expected=expected, author=author, note=note)
                self._notify(db)
        except IntegrityError:  # two instances created the same new document at the same moment
            raise _exists(name) from None
        self._write_local(name, body)
        return f"r{revision}"

    def delete(self, name: str, *, expected: str | None = None, author: str = "", now=None) -> str:
        with self.engine.begin() as db:
            head = self._head(db, name)
            if head is None or head.deleted:
                raise FileNotFoundError(f"{_label(name)} does not exist")
            revision = self._append(db, name, None, expected=expected if expected is not None else False,
                                    author=author, note="deleted")
            self._notify(db)
        self._write_local(name, None)
        return (f"deleted as revision {revision}; restore it from its history "
                f"(`mentor kb restore {name.removesuffix('.md')} {revision - 1}`)")

    def import_files(self, files: dict[str, str], *, author: str = "") -> dict[str, int]:
        """Make the database hold exactly `files`, in one transaction: a revision per changed file."""
        counts = {"added": 0, "changed": 0, "deleted": 0, "unchanged": 0}
        with self.engine.begin() as db:
            current, _ = self._snapshot()
            for name in sorted(set(files) | set(current)):
                body = files.get(name)
                if body == current.get(name):
                    counts["unchanged"] += 1
                    continue
                key = "deleted" if body is None else "changed" if name in current else "added"
                self._append(db, name, body, expected=False, author=author, note="imported")
                counts[key] += 1
            if any(counts[k] for k in ("added", "changed", "deleted")):
                self._notify(db)
        self.sync()
        return counts

    def seed(self, folder: Path, *, author: str = "first start") -> bool:
        """Import `folder` when the database holds no documents yet (once, under an advisory lock)."""
        from assistant.store.database import advisory_lock
        from assistant.store.schema import documents

        with advisory_lock(self.engine, "documents-seed"):
            with self.engine.connect() as db:
                if db.execute(select(func.count()).select_from(documents)).scalar():
                    return False
            validate_folder(folder)
            self.import_files(knowledge_files(folder), author=author)
        return True

    # -- the local copy ------------------------------------------------------------------------
    def _write_local(self, name: str, body: str | None) -> None:
        path = self.folder / name
        self.folder.mkdir(parents=True, exist_ok=True)
        if body is None:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        else:
            write_atomic(path, body)

    def sync(self, force: bool = False) -> int:
        """Bring the local folder up to the database (when it holds any document). Returns files changed."""
        with self._sync_lock:
            newest = self.newest_revision()
            if not newest or (newest == self._synced and not force):
                return 0
            files, newest = self._snapshot()
            changed = mirror(self.folder, files)
            self._synced = newest
            return changed


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


_stores: dict[tuple[str, str], DatabaseStore] = {}
_stores_lock = threading.Lock()


def document_store(settings) -> FileStore | DatabaseStore:
    """The store the settings name: the database when it is PostgreSQL (seeded from the folder if empty,
    and the folder brought up to date), else the knowledge folder. One database store per process."""
    if not settings.shared:
        return FileStore(settings.knowledge_dir)
    key = (settings.db_url, str(Path(settings.knowledge_dir).resolve()))
    with _stores_lock:
        store = _stores.get(key)
        if store is None:
            store = DatabaseStore(settings.db_url, settings.knowledge_dir)
            if Path(settings.knowledge_dir).is_dir():
                store.seed(settings.knowledge_dir)
            _stores[key] = store
    store.sync()
    return store
