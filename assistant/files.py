"""Files written so that a reader never sees half of one, and the sha256 that proves a file unchanged.

Every module that persists something (the index, the editor, the staff credential) uses these two
helpers, so atomicity and checksums mean the same thing everywhere.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, read in blocks. Raises OSError (FileNotFoundError…) as open() does."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def write_atomic(path: Path, text: str, *, mode: int | None = None) -> None:
    """Replace `path` with `text` (UTF-8, "\\n" line ends) so readers see the old file or the new one.

    The text goes to a temporary file in the same folder, is flushed to disk, then renamed over the
    target with os.replace. `mode` sets the permissions (0o600 for secrets); without it an existing
    file keeps its own and a new one gets 0o644. A failure leaves the old file as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is None:
            mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
