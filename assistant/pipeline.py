"""The Assistant: question in, cited answer out. Everything else in the package serves this."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from assistant.compose import compose_answer, compose_template, wants_template
from assistant.suggestions import suggest_followups
from assistant.config import Settings
from assistant.conversation import (InvalidHistory, Resolution, clean_text, content_tokens, normalise_history,
                                   refers_back, resolve, valid_text)
from assistant.embedding import Embedder
from assistant.generate import generate_answer
from assistant.index import IndexData, build_index, ensure_index, load_index, pointer_stamp
from assistant.knowledge import KnowledgeBase, load_knowledge
from assistant.models import Answer, BuildReport
from assistant.retrieval import Hit, Retriever
from assistant.roles import AskerRole, infer_role
from assistant.scope import ScopeModel, ScopeSignals
from assistant.spelling import Speller

NAME_SUBJECT_SIMILARITY = 0.45  # below this, "closest uncovered subject" is a guess, not worth naming
TEMPLATE_RANK_STEP = 0.05  # how much a template loses per rank of its document
JOINED_TURNS = 3  # earlier user turns joined to a follow-up before it is searched
# The joined turns' vector gains the question's own at this weight (gold tune follow-ups: answer topic
# hit@3 0.935 at 0 and 1.0, 0.957 from 0.3 to 0.6: one conversation of 46, so weak evidence).
QUESTION_WEIGHT = 0.5
VOUCH_FLOOR = 0.1  # least confidence a self-contained follow-up needs before its conversation can vouch for it

OUT_OF_SCOPE_TEXT = (
    "I couldn't find anything in Mentor's guidance that answers this, so I'd rather not guess. "
    "Mentor can help with mentoring: finding a mentor and reaching out, first meetings, setting goals, "
    "running sessions, feedback, tricky situations in a mentoring relationship, becoming a mentor or sponsor, "
    "and running a mentoring programme. Try rephrasing your question around one of those, or pick a topic below."
)


NOT_ENGLISH_TEXT = (
    "Mentor's guidance is written in English, so it can only answer questions asked in English. "
    "If you can, please ask again in English, for example: How do I find a mentor?")


def names_uncovered_subject(signals: ScopeSignals) -> bool:
    """The question sits closer to a subject knowledge/scope.yaml excludes than to any guidance."""
    return bool(signals.subject) and signals.margin < 0 and signals.uncovered >= NAME_SUBJECT_SIMILARITY


def out_of_scope_text(signals: ScopeSignals | None = None) -> str:
    """The refusal, naming the uncovered subject when the question is clearly about one."""
    if signals is not None and names_uncovered_subject(signals):
        return (f"Mentor's guidance doesn't cover {signals.subject}, so I'd rather not guess. "
                + OUT_OF_SCOPE_TEXT.split(". ", 1)[1])
    return OUT_OF_SCOPE_TEXT


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
        self.scope = scope or ScopeModel.default()
        self.warnings: list[str] = []
        self.last_build: BuildReport | None = None
        self._engine: _Engine | None = None
        self._stamp = 0
        self._lock = threading.RLock()
        self._query_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **overrides) -> "Assistant":
        """Build from environment / .env settings (plus overrides) and load the index, building it if needed."""
        settings = settings or Settings(**overrides)
        bot = cls(settings)
        bot.load()
        return bot

    # -- index lifecycle -------------------------------------------------------------------
    def load(self) -> "Assistant":
        """Load the live index, (re)building it when missing, stale or damaged (unless auto_rebuild is off)."""
        with self._lock:
            if self.settings.shared:  # PostgreSQL: fetch the published index, then follow it (assistant/publish.py)
                from assistant.publish import join
                join(self.settings, self.embedder)
            data, report, warnings = ensure_index(self.settings, self.embedder)
            self._engine = _Engine(data, self.settings.retrieval)
            self._stamp = pointer_stamp(self.settings.index_dir)
            self.last_build = report or self.last_build
            self.warnings = warnings
        return self

    def rebuild(self, progress=None) -> BuildReport:
        """Build a new index version from the knowledge folder and swap it in. Broken documents raise KnowledgeError."""
        if self.settings.shared:  # one build across instances, published to all of them
            from assistant.publish import shared_build
            report = shared_build(self.settings, self.embedder, progress=progress)
        else:
            report = build_index(self.settings, self.embedder, progress=progress)
        self.reload()
        self.last_build = report
        return report

    def reload(self) -> None:
        """Swap in the live index version; readers mid-question keep the engine they started with."""
        with self._lock:
            self._engine = _Engine(load_index(self.settings.index_dir), self.settings.retrieval)
            self._stamp = pointer_stamp(self.settings.index_dir)

    @property
    def engine(self) -> _Engine:
        if self._engine is None:
            self.load()
        elif pointer_stamp(self.settings.index_dir) != self._stamp:
            # Another process (CLI, staff page) made a new build live: pick it up without a restart.
            try:
                self.reload()
            except Exception as exc:  # noqa: BLE001 - keep serving the engine we have
                self.warnings.append(f"could not load the new index ({exc}); still serving the previous one")
                self._stamp = pointer_stamp(self.settings.index_dir)
        return self._engine

    @property
    def index(self) -> IndexData:
        return self.engine.data

    def knowledge(self) -> KnowledgeBase:
        return load_knowledge(self.settings.knowledge_dir)

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

    def _signals(self, engine: _Engine, vector: np.ndarray, query: str, hits: list[Hit]) -> ScopeSignals:
        data, lexical = engine.data, engine.retriever.lexical
        top = hits[:3]
        sentence = 0.0
        offsets = data.sentence_offsets
        for hit in top:
            start, n = int(offsets[hit.row]), len(hit.passage.sentences)
            if n:
                sentence = max(sentence, float(np.max(data.sentence_vectors[start:start + n] @ vector)))
        words = set(lexical.correct(content_tokens(query)))
        top_words = frozenset().union(*(lexical.passage_tokens[hit.row] for hit in top))
        # One or two content words are weak evidence ("hey how's it going" -> "go"): shrink towards 0.
        coverage = len(words & top_words) / (len(words) + 1)
        dense_best = max(h.dense for h in hits) if hits else 0.0
        dense_doc = max(hits, key=lambda h: h.dense).passage.doc_id if hits else ""
        lexical_docs = [h.passage.doc_id for h in sorted(hits, key=lambda h: -h.lexical)[:5] if h.lexical > 0]
        uncovered, subject = 0.0, ""
        if data.scope_vectors is not None and len(data.scope_vectors):
            sims = data.scope_vectors @ vector
            best = int(np.argmax(sims))
            uncovered, subject = float(sims[best]), data.scope_labels[best]
        return ScopeSignals(dense=dense_best, sentence=sentence, coverage=coverage,
                            agreement=1.0 if dense_doc in lexical_docs else 0.0,
                            margin=dense_best - uncovered, subject=subject, uncovered=uncovered)

    def retrieve(self, question: str, history: Iterable | None = None, k: int = 20) -> Retrieval:
        """Search for the question in its conversation, and score how well the guidance covers it.

        A question with earlier turns is searched with them joined to it. It is judged on its own,
        and borrows the conversation's standing only when it leans on it (an elliptic follow-up such
        as "what should I say to them?") or is at least plausible alone, so a change of subject is
        neither answered from stale context nor refused because of it.
        """
        engine = self.engine
        retriever = engine.retriever
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
            signals = self._signals(engine, alone, cleaned, retriever.search(alone, cleaned, k=k))
            hits = retriever.search(vector, joined, k=k, role=role)
            context_confidence = self.scope.confidence(
                self._signals(engine, local, in_context, retriever.search(local, in_context, k=k)))
            resolution.query = joined
        else:
            vector = self._embed([resolution.query])[0]
            hits = retriever.search(vector, resolution.query, k=k, role=role)
            signals = self._signals(engine, vector, resolution.query, hits)
        confidence = self.scope.confidence(signals)
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
        if not isinstance(question, str):
            return f"A question must be text, got {type(question).__name__}."
        limit = self.settings.max_question_chars
        if len(question) > limit:
            return (f"Your question is {len(question):,} characters long, and Mentor reads up to {limit:,}. "
                    "Please shorten it to the situation and what you want to know, then ask again.")
        if not clean_text(question):
            return "Please type a question, for example: How do I find a mentor?"
        return None

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
        if not self.engine.speller.reads_as_english(clean_text(question)):
            return Answer(status="out_of_scope", text=NOT_ENGLISH_TEXT, question=question,
                          latency_ms=(time.perf_counter() - started) * 1000), None
        found = self.retrieve(question, history)
        base = dict(question=question, resolved_query=found.resolution.query, role=found.role,
                    top_score=round(found.signals.dense, 4), confidence=round(found.confidence, 4))

        def done(**fields) -> tuple[Answer, Retrieval]:
            return Answer(**fields, **base, latency_ms=(time.perf_counter() - started) * 1000), found

        if found.uncovered or found.confidence < self.settings.min_confidence or not found.hits:
            return done(status="out_of_scope", text=out_of_scope_text(found.signals))
        composed = None
        if wants_template(found.resolution.standalone):
            template = self._best_template(found)
            if template is not None:
                composed = compose_template(template)
        if composed is None:
            composed = compose_answer(found.query_vector, found.hits, found.engine.data, self.settings.max_citations,
                                      question=found.resolution.standalone, role=found.role,
                                      lexical=found.engine.retriever.lexical)
        if not composed.citations:
            return done(status="out_of_scope", text=OUT_OF_SCOPE_TEXT)
        suggestions = suggest_followups(found.hits, set(composed.used), question)
        answer, found = done(status="answered", text=composed.text, citations=composed.citations,
                             is_template=composed.is_template, suggestions=suggestions)
        if self.settings.llm_url and composed.units and not composed.is_template:
            # Optional: an LLM rewrites the same units as prose, every sentence checked (docs/llm.md).
            answer = yield from generate_answer(self.settings, self.embedder, answer, composed.units, history)
        return answer, found

    def _best_template(self, found: Retrieval) -> Hit | None:
        """The template the question asks for: among the top documents' templates, the one whose
        passage is closest to the question, with the words of its heading ("cold", "agenda",
        "checklist") counting extra, since they name what the template is for."""
        top_docs = found.doc_ranking()[:3]
        # Every template of those documents, ranked or not: a template's fill-in text often ranks low.
        data, retriever = found.engine.data, found.engine.retriever
        rows = [row for row, p in enumerate(data.passages) if p.is_template and p.doc_id in top_docs]
        dense = retriever.dense_scores(found.query_vector) if rows else None
        candidates = [Hit(row, data.passages[row], float(dense[row]), 0.0, 0.0) for row in rows]
        if not candidates:
            return None
        lexical = found.engine.retriever.lexical
        asked = set(lexical.correct(content_tokens(found.resolution.query)))

        def score(hit: Hit) -> float:
            named = set(content_tokens(hit.passage.heading_path[-1])) - {"templat"}
            # The better-ranked document's template wins a close call.
            return (hit.dense + 0.03 * sum(lexical.idf(t) for t in asked & named)
                    - TEMPLATE_RANK_STEP * top_docs.index(hit.passage.doc_id))

        return max(candidates, key=score)


