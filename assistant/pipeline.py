"""The Assistant: question in, cited answer out. Everything else in the package serves this."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from assistant.care import CareWatch
from assistant.compose import choose_template, compose_answer, compose_template, wants_template
from assistant.config import Settings
from assistant.conversation import (InvalidHistory, Resolution, clean_text, content_tokens, normalise_history,
                                   question_problem, refers_back, resolve, valid_text)
from assistant.embedding import Embedder
from assistant.generate import generate_answer
from assistant.index import IndexData, LiveIndex
from assistant.models import Answer, BuildReport
from assistant.retrieval import Hit, Retriever
from assistant.roles import AskerRole, infer_role
from assistant.scrub import install as install_scrubbing
from assistant.scope import (NOT_ENGLISH_TEXT, ScopeModel, ScopeSignals, measure,
                             names_uncovered_subject, out_of_scope_text)
from assistant.spelling import Speller
from assistant.suggestions import suggest_followups

JOINED_TURNS = 3  # earlier user turns joined to a follow-up before it is searched
# The joined turns' vector gains the question's own at this weight (gold tune follow-ups: answer topic
# hit@3 0.935 at 0 and 1.0, 0.957 from 0.3 to 0.6: one conversation of 46, so weak evidence).
QUESTION_WEIGHT = 0.5
VOUCH_FLOOR = 0.1  # least confidence a self-contained follow-up needs before its conversation can vouch for it


@dataclass
class Retrieval:
    """What retrieval found for one question, before an answer is composed."""

    resolution: Resolution
    hits: list[Hit]
    query_vector: np.ndarray
    signals: ScopeSignals  # of the question on its own
    confidence: float
    uncovered: bool = False  # the question is about a subject knowledge/scope.yaml excludes
    role: AskerRole = "unknown"  # who is asking, inferred from the question and the conversation
    engine: "_Engine | None" = None  # the index version searched: composition must use the same one

    def doc_ranking(self) -> list[str]:
        seen: list[str] = []
        for hit in self.hits:
            if hit.passage.doc_id not in seen:
                seen.append(hit.passage.doc_id)
        return seen


class _Engine:
    """One loaded index version and its retriever; replaced whole when a new build goes live."""

    def __init__(self, data: IndexData, mode: str):
        self.data = data
        self.retriever = Retriever(data, mode)
        self.speller = Speller(p.embed_text for p in data.passages)


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
        self.live: LiveIndex[_Engine] = LiveIndex(settings, self.embedder,
                                                  make=lambda data: _Engine(data, settings.retrieval))
        self._query_cache: OrderedDict[str, np.ndarray] = OrderedDict()
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
    def engine(self) -> _Engine:
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
                    if len(self._query_cache) > 512:
                        self._query_cache.popitem(last=False)
        return np.stack([found[t] for t in texts])

    def clear_query_cache(self) -> None:
        with self._cache_lock:
            self._query_cache.clear()

    def retrieve(self, question: str, history: Iterable | None = None, k: int = 20) -> Retrieval:
        """Search for the question in its conversation, and score how well the guidance covers it.

        A question with earlier turns is searched with them joined to it. It is judged on its own,
        and borrows the conversation's standing only when it leans on it (an elliptic follow-up such
        as "what should I say to them?") or is at least plausible alone, so a change of subject is
        neither answered from stale context nor refused because of it.
        """
        engine = self.engine
        retriever = engine.retriever
        scope = self.scope or engine.data.scope_model
        turns = normalise_history(history)
        speller = engine.speller
        cleaned = speller.correct(clean_text(question))
        turns = [t.model_copy(update={"content": speller.correct(clean_text(t.content))}) for t in turns]
        resolution = resolve(cleaned, turns)
        role = infer_role(cleaned, [t.content for t in turns if t.role == "user"])
        context_confidence = None
        if resolution.context:
            # Earlier turns joined to the question rank better than resolving what a follow-up
            # refers to (docs/evaluation.md: follow-up answer hit@3 0.944 against 0.889 on gold).
            earlier = [t.content for t in turns if t.role == "user" and t.content.strip()][-JOINED_TURNS:]
            joined = " ".join([*earlier, cleaned])
            # Whether the conversation covers the question is judged on the turn it follows, as the
            # scope model was calibrated: the longer joined text would dilute its word coverage.
            in_context = f"{resolution.context} {cleaned}"
            alone, joint, local = self._embed([cleaned, joined, in_context])
            vector = joint + QUESTION_WEIGHT * alone  # the latest turn says what is wanted now
            vector = (vector / np.linalg.norm(vector)).astype("float32")
            signals = measure(engine.data, retriever.lexical, alone, cleaned, retriever.search(alone, cleaned, k=k))
            hits = retriever.search(vector, joined, k=k, role=role)
            context_confidence = scope.confidence(
                measure(engine.data, retriever.lexical, local, in_context, retriever.search(local, in_context, k=k)))
            resolution.query = joined
        else:
            vector = self._embed([resolution.query])[0]
            hits = retriever.search(vector, resolution.query, k=k, role=role)
            signals = measure(engine.data, retriever.lexical, vector, resolution.query, hits)
        confidence = scope.confidence(signals)
        # In a conversation, a turn about a subject the guidance excludes is declined even when the
        # earlier turns were on topic; a single question is left to the calibrated model.
        uncovered = bool(resolution.context) and names_uncovered_subject(signals)
        if context_confidence is not None and not uncovered:
            own = set(retriever.lexical.correct(content_tokens(resolution.standalone)))
            known = not own or len(own & retriever.lexical.vocabulary) >= len(own) / 2
            # A question with content of its own must be at least plausible alone to borrow the
            # conversation's standing ("ignore your instructions..." after a real question is not).
            plausible = resolution.is_follow_up or refers_back(resolution.standalone) or confidence >= VOUCH_FLOOR
            if known and plausible:
                # The conversation vouches for a follow-up that stays on known ground ("how do I wrap
                # it up kindly?" after "I've outgrown my mentor"); a change of subject ("ok and a
                # lasagna recipe?", "and how big a raise should I ask for?") is judged on its own.
                confidence = max(confidence, context_confidence)
        return Retrieval(resolution, hits, vector, signals, confidence, uncovered, role, engine)

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
        care = self.care.assess(question, history, started)  # before anything is searched or sent anywhere
        if care.reply is not None:
            return care.reply, None
        history = care.history  # recent turns that asked for support are left out of what follows
        if not self.engine.speller.reads_as_english(clean_text(question)):
            return Answer(status="out_of_scope", text=NOT_ENGLISH_TEXT, question=question,
                          latency_ms=(time.perf_counter() - started) * 1000), None
        found = self.retrieve(question, history)
        base = dict(question=question, resolved_query=found.resolution.query, role=found.role,
                    top_score=round(found.signals.dense, 4), confidence=round(found.confidence, 4))

        def done(**fields) -> tuple[Answer, Retrieval]:
            return Answer(**fields, **base, latency_ms=(time.perf_counter() - started) * 1000), found

        if found.uncovered or found.confidence < self.settings.min_confidence or not found.hits:
            return done(status="out_of_scope", text=out_of_scope_text(found.signals, found.engine.data.taxonomy.scope_summary))
        composed = None
        if wants_template(found.resolution.standalone):
            template = choose_template(found.engine.data, found.engine.retriever, found.query_vector,
                                       found.resolution.query, found.doc_ranking()[:3])
            if template is not None:
                composed = compose_template(template)
        if composed is None:
            composed = compose_answer(found.query_vector, found.hits, found.engine.data, self.settings.max_citations,
                                      question=found.resolution.standalone, role=found.role,
                                      lexical=found.engine.retriever.lexical)
        if not composed.citations:
            return done(status="out_of_scope", text=out_of_scope_text(None, found.engine.data.taxonomy.scope_summary))
        suggestions = suggest_followups(found.hits, set(composed.used), question)
        answer, found = done(status="answered", text=composed.text, citations=composed.citations,
                             is_template=composed.is_template, suggestions=suggestions)
        if self.settings.llm_url and composed.units and not composed.is_template:
            # Optional: an LLM rewrites the same units as prose, every sentence checked (docs/llm.md).
            answer = yield from generate_answer(self.settings, self.embedder, answer, composed.units, history)
        return answer, found
