"""Resources shared by every page and every browser session: loaded once per process."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import streamlit as st

from assistant import Assistant, Settings
from assistant.embedding import Embedder
from assistant.knowledge import KnowledgeBase, knowledge_fingerprint, load_knowledge
from assistant.models import Taxonomy
from assistant.store.storage import Storage


@st.cache_resource(show_spinner=False)
def get_settings() -> Settings:
    return Settings()


@st.cache_resource(show_spinner=False)
def get_embedder(model: str) -> Embedder:
    """The embedding model, one per model name: settings or an index may change, the weights don't."""
    return Embedder(model)


@st.cache_resource(show_spinner="Loading Mentor's guidance (first start can take a minute)…")
def get_assistant() -> Assistant:
    """One model and one index for all sessions; a rebuild swaps the index inside it."""
    settings = get_settings()
    bot = Assistant(settings, embedder=get_embedder(settings.model)).load()
    # Once per process, in the server's log: the warm-up at start should be the only one.
    print(f"Mentor: loaded the index in {settings.index_dir}", file=sys.stderr, flush=True)
    return bot


@st.cache_resource(show_spinner=False)
def get_storage() -> Storage:
    settings = get_settings()
    storage = Storage.from_settings(settings)
    storage.purge(settings.retention_days)
    return storage


@st.cache_resource(show_spinner=False, max_entries=4)
def _load_knowledge(folder: str, fingerprint: str) -> KnowledgeBase:
    return load_knowledge(Path(folder))


def get_knowledge() -> KnowledgeBase:
    """The guidance documents as they are on disk now, re-read only when a file changed."""
    folder = get_settings().knowledge_dir
    fingerprint, _ = knowledge_fingerprint(folder)
    return _load_knowledge(str(folder), fingerprint)


def get_taxonomy() -> Taxonomy:
    """knowledge/topics.yaml in full (journeys, topic questions); empty while the file is broken."""
    return get_knowledge().taxonomy or Taxonomy(topics={})


def warm_up() -> float:
    """Load everything a first question needs now, as `mentor serve` starts, so the first visitor
    doesn't wait: the index, the model (through one question, which is not stored), the database and
    the redaction model. Returns the seconds it took."""
    from assistant.redact import apply_policy

    started = time.perf_counter()
    get_assistant().ask("How do I find a mentor?")
    get_storage()
    apply_policy("Warming up", get_settings().question_logging)
    return time.perf_counter() - started


def clear_caches() -> None:
    """Forget settings, index, storage and documents (tests switch folders); keep the loaded model."""
    for cached in (get_settings, get_assistant, get_storage, _load_knowledge):
        cached.clear()
