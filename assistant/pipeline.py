"""The Assistant: question in, cited answer out. Everything else in the package serves this."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Generator, Iterable, Iterator

import numpy as np

from assistant.answer import Engine, Query, Retrieval, compose, retrieve, understand
from assistant.care import CareWatch
from assistant.config import Settings
from assistant.conversation import InvalidHistory, clean_text, normalise_history, question_problem, valid_text
from assistant.embedding import Embedder
from assistant.generate import generate_answer
from assistant.index import IndexData, LiveIndex, LocalBuilder
from assistant.models import Answer, BuildReport
from assistant.scope import NOT_ENGLISH_TEXT, ScopeModel, out_of_scope_text, pleasantry, pleasantry_text
from assistant.scrub import install as install_scrubbing
from assistant.suggestions import related_sections, suggest_followups


def _builder(settings: Settings):
    """Builds in this process, or on PostgreSQL one build shared by every instance (store/publish.py)."""
    if not settings.shared:
        return LocalBuilder()
    from assistant.store.publish import SharedBuilder  # only then: SQLAlchemy and psycopg are not needed otherwise

    return SharedBuilder()


class Assistant:
    """Answers questions from the curated guidance, citing every sentence.

    Example:
        >>> bot = Assistant.from_settings()
        >>> bot.ask("How do I find a mentor?").status
        'answered'
    """

    def __init__(self, settings: Settings, embedder: Embedder | None = None, scope: ScopeModel | None = None):
        self.settings = settings
        self.embedder = embedder or Embedder(settings.model)
        self.scope = scope  # None: the scope model the served index version was built with
        self.live: LiveIndex[Engine] = LiveIndex(settings, self.embedder,
                                                 make=lambda data: Engine(data, settings.retrieval),
                                                 builder=_builder(settings))
        self._query_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self.query_cache_size = 512  # recent query vectors kept (a follow-up reuses its history's)
        self._cache_lock = threading.Lock()
        self.care = CareWatch(settings.knowledge_dir, self._embed, self.embedder.encode)  # assistant/care.py
        install_scrubbing(settings)  # no secret in any log line (assistant/scrub.py)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **overrides) -> "Assistant":
        """Build from environment / .env settings (plus overrides) and load the index, building it if needed."""
        settings = settings or Settings(**overrides)
        bot = cls(settings)
        bot.load()
        return bot

    # -- the index being served (assistant/index.py: LiveIndex) ------------------------------
    def load(self) -> "Assistant":
        """Load the live index, (re)building it when missing, stale or damaged (unless auto_rebuild is off)."""
        self.live.load()
        self.care.warm()
        return self

    def rebuild(self, progress=None) -> BuildReport:
        """Build a new index version from the knowledge folder and swap it in. Broken documents raise KnowledgeError."""
        return self.live.rebuild(progress)

    def reload(self) -> None:
        """Swap in the live index version; readers mid-question keep the engine they started with."""
        self.live.reload()

    @property
    def warnings(self) -> list[str]:
        """Problems the operator should know about (a kept index, broken documents)."""
        return self.live.warnings + self.care.warnings

    @property
    def last_build(self) -> BuildReport | None:
        return self.live.last_build

    @property
    def engine(self) -> Engine:
        return self.live.current

    @property
    def index(self) -> IndexData:
        return self.engine.data

    def knowledge_topics(self) -> dict[str, list[str]]:
        """Document id -> topics, as indexed."""
        return {p.doc_id: p.topics for p in self.index.passages}

    # -- asking ------------------------------------------------------------------------------
    def _embed(self, texts: list[str]) -> np.ndarray:
        """Query embeddings, remembering recent ones (a follow-up reuses its history's vector)."""
        # The cache is shared by every browser session's thread: read and write it under a lock, and
        # never read back an entry another thread may have evicted in between.
        with self._cache_lock:
            found = {t: self._query_cache[t] for t in texts if t in self._query_cache}
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            vectors = self.embedder.encode(missing)
            found.update(zip(missing, vectors))
            with self._cache_lock:
                for text, vector in zip(missing, vectors):
                    self._query_cache[text] = vector
                    if len(self._query_cache) > self.query_cache_size:
                        self._query_cache.popitem(last=False)
        return np.stack([found[t] for t in texts])

    def clear_query_cache(self) -> None:
        with self._cache_lock:
            self._query_cache.clear()

    def understand(self, question: str, history: Iterable | None = None) -> Query:
        """Stage 1: the question read in its conversation (assistant/answer/understand.py)."""
        return understand(question, normalise_history(history), self.engine.speller)

    def retrieve(self, question: str | Query, history: Iterable | None = None) -> Retrieval:
        """Stages 1 and 2: search for the question in its conversation and score how well the guidance
        covers it (assistant/answer/retrieve.py)."""
        query = question if isinstance(question, Query) else self.understand(question, history)
        engine = self.engine
        return retrieve(query, engine, self._embed, self.scope or engine.data.scope_model)

    def validate(self, question) -> str | None:
        """A friendly reason the question can't be asked, or None when it is fine."""
        return question_problem(question, self.settings.max_question_chars)

    def ask(self, question: str, history: Iterable | None = None) -> Answer:
        """Answer a question from the guidance, with [n] citations, or decline honestly.

        Args:
            question: what the user asked.
            history: earlier turns, oldest first: Turn objects, {"role", "content"} dicts or strings.
        """
        return self.ask_with_retrieval(question, history)[0]

    def ask_with_retrieval(self, question: str, history: Iterable | None = None) -> tuple[Answer, Retrieval | None]:
        """`ask`, also returning what retrieval found (for evaluation and diagnostics)."""
        steps = self._answer(question, history)
        while True:
            try:
                next(steps)  # generated text as it streams: not needed here
            except StopIteration as done:
                return done.value

    def stream(self, question: str, history: Iterable | None = None) -> Iterator[str | Answer]:
        """`ask` for a chat page: yields a generated answer's text as it arrives (nothing when generation
        is off or the question is declined), then the final, checked Answer as the last item."""
        answer, _ = yield from self._answer(question, history)
        yield answer

    def _answer(self, question: str, history: Iterable | None) -> Generator[str, None, tuple[Answer, Retrieval | None]]:
        started = time.perf_counter()
        if isinstance(question, str):
            question = valid_text(question)  # echoed, stored and serialised: it must be valid Unicode
        problem = self.validate(question)
        try:
            history = normalise_history(history)
        except InvalidHistory as exc:
            problem = problem or str(exc)
        if problem:
            text = question if isinstance(question, str) else ""
            return Answer(status="invalid_input", text=problem, question=text[: self.settings.max_question_chars]), None
        kind = pleasantry(question)  # "good morning!!" is a hello, not a question or a cry for help
        if kind is not None:
            text = pleasantry_text(kind, self.engine.data.taxonomy.scope_summary)
            return Answer(status="out_of_scope", text=text, question=question,
                          latency_ms=(time.perf_counter() - started) * 1000), None
        care = self.care.assess(question, history, started)  # before anything is searched or sent anywhere
        if care.reply is not None:
            return care.reply, None
        history = care.history  # recent turns that asked for support are left out of what follows
        if not self.engine.speller.reads_as_english(clean_text(question)):
            return Answer(status="out_of_scope", text=NOT_ENGLISH_TEXT, question=question,
                          latency_ms=(time.perf_counter() - started) * 1000), None
        engine = self.engine
        query = understand(question, history, engine.speller)
        found = retrieve(query, engine, self._embed, self.scope or engine.data.scope_model)
        base = dict(question=question, resolved_query=found.searched, role=query.role,
                    top_score=round(found.signals.dense, 4), confidence=round(found.confidence, 4))

        def done(**fields) -> tuple[Answer, Retrieval]:
            return Answer(**fields, **base, latency_ms=(time.perf_counter() - started) * 1000), found

        summary = found.data.taxonomy.scope_summary
        if not found.in_scope(self.settings.min_confidence):
            return done(status="out_of_scope", text=out_of_scope_text(found.signals, summary))
        composed = compose(query, found, self.settings.max_citations)
        if not composed.citations:
            return done(status="out_of_scope", text=out_of_scope_text(None, summary))
        suggestions = suggest_followups(found.hits, set(composed.used), question)
        cited = list(dict.fromkeys(c.doc_id for c in composed.citations))
        answer, found = done(status="answered", text=composed.text, citations=composed.citations,
                             is_template=composed.is_template, suggestions=suggestions,
                             related=related_sections(found.hits, cited, query.role),
                             lead_match=composed.lead_match, lead_margin=composed.lead_margin)
        if self.settings.llm_url and composed.units and not composed.is_template:
            # Optional: an LLM rewrites the same units as prose, every sentence checked (docs/llm.md).
            answer = yield from generate_answer(self.settings, self.embedder, answer, composed.units, history)
        return answer, found
