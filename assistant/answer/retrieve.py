"""Stage 2 of answering: find the sections that answer a Query, and judge whether the guidance covers it.

`retrieve(query, engine, embed, scope) -> Retrieval`. A single question is searched as it is. A
follow-up is searched three ways, fused by reciprocal rank: joined with the earlier turns, alone,
and within the documents the previous answer showed. It is judged on its own words, and borrows the
conversation's standing only when it leans on it and stays on known ground, so a change of subject
is neither answered from stale context nor refused because of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from assistant.answer.understand import Query
from assistant.conversation import content_tokens
from assistant.index import IndexData
from assistant.lexicon import INSTRUCTION_TO_MACHINE
from assistant.retrieval import Hit, Retriever
from assistant.roles import addresses, section_audience
from assistant.scope import ScopeModel, ScopeSignals, measure, names_uncovered_subject
from assistant.spelling import Speller

K = 20  # hits handed to composition
CANDIDATES = 40  # hits of each ranking a follow-up fuses
VOUCH_FLOOR = 0.1  # least confidence a self-contained follow-up needs before its conversation can vouch for it
TEMPLATE_RANK_STEP = 0.05  # how much a template loses per rank of its document


class Engine:
    """One loaded index version with what is made from it; replaced whole when a new build goes live."""

    def __init__(self, data: IndexData, mode: str):
        self.data = data
        self.retriever = Retriever(data, mode)
        self.speller = Speller(p.embed_text for p in data.passages)


@dataclass
class Retrieval:
    """What retrieval found for one Query: everything composition needs, so it never reaches back."""

    hits: list[Hit]
    query_vector: np.ndarray
    signals: ScopeSignals  # of the question on its own
    confidence: float
    data: IndexData  # the index version searched: composition quotes the same one
    searched: str = ""  # the text searched (the joined turns, for a follow-up)
    uncovered: bool = False  # the question is about a subject knowledge/scope.yaml excludes
    vouched: bool = False  # an elliptic follow-up the conversation's answered turns vouch for
    asked: dict[str, float] = field(default_factory=dict)  # the question's content words, weighted by IDF
    templates: list[Hit] = field(default_factory=list)  # the top documents' templates, best first
    # What compose matches sections against, when not the ranking's vector: for a follow-up, its own
    # turn weighs more here (the documents come from the thread; the section from what is asked now).
    section_vector: np.ndarray | None = None

    @property
    def compose_vector(self) -> np.ndarray:
        return self.query_vector if self.section_vector is None else self.section_vector

    def in_scope(self, min_confidence: float) -> bool:
        return bool(self.hits) and not self.uncovered and (self.vouched or self.confidence >= min_confidence)

    def doc_ranking(self) -> list[str]:
        return list(dict.fromkeys(hit.passage.doc_id for hit in self.hits))


Embed = Callable[[list[str]], np.ndarray]


def retrieve(query: Query, engine: Engine, embed: Embed, scope: ScopeModel, k: int = K) -> Retrieval:
    """Rank the guidance for `query` and score how well it covers it."""
    retriever, data = engine.retriever, engine.data
    if query.follow_up.in_conversation and not query.follow_up.new_subject:
        found = _follow_up(query, engine, embed, scope, k)
    else:
        vector = embed([query.text])[0]
        hits = retriever.search(vector, query.text, k=k, role=query.role)
        signals = measure(data, retriever.lexical, vector, query.text, hits)
        found = Retrieval(hits, vector, signals, scope.confidence(signals), data, searched=query.text)
    found.asked = {t: retriever.lexical.idf(t) for t in set(retriever.lexical.correct(content_tokens(query.text)))}
    if found.hits and (query.intent.template or (query.intent.message and found.hits[0].passage.is_template)):
        found.templates = _templates(found, engine, query)
    return found


def _follow_up(query: Query, engine: Engine, embed: Embed, scope: ScopeModel, k: int) -> Retrieval:
    retriever, data = engine.retriever, engine.data
    joined = query.joined
    # Whether the conversation covers the question is judged on the turns it follows, as the scope
    # model was calibrated: the longer joined text would dilute its word coverage.
    in_context = " ".join([*query.follow_up.earlier[-2:], query.text])
    earlier = " ".join(query.follow_up.earlier)
    alone, joint, local, before = embed([query.text, joined, in_context, earlier])
    vector = joint + data.weights.question_weight * alone  # the latest turn still says what is wanted now
    vector = (vector / np.linalg.norm(vector)).astype("float32")
    signals = measure(data, retriever.lexical, alone, query.text, retriever.search(alone, query.text, k=k))
    # The thread: the documents the previous answer showed or, from a client that sends only the
    # user's turns, the document that best answers them.
    shown = query.follow_up.shown or [h.passage.doc_id for h in retriever.search(before, earlier, k=1, role=query.role)]
    # Only a question that leans on the thread is pulled into it; one with content of its own keeps
    # its own ranking's vote, so a change of subject can still be answered.
    leans = query.follow_up.elliptic or query.follow_up.refers_back
    hits = fuse_thread(retriever.search(vector, joined, k=CANDIDATES, role=query.role),
                       retriever.search(alone, query.text, k=CANDIDATES, role=query.role), shown if leans else [], k,
                       retriever.weights.thread_k, alone_votes=1.0 if leans else 2.0)
    context_confidence = scope.confidence(
        measure(data, retriever.lexical, local, in_context, retriever.search(local, in_context, k=k)))
    confidence = scope.confidence(signals)
    # In a conversation, a turn about a subject the guidance excludes is declined even when the
    # earlier turns were on topic, and so is one addressed to the machine ("ignore your instructions").
    uncovered = names_uncovered_subject(signals)
    vouched = False
    if not uncovered and not INSTRUCTION_TO_MACHINE.search(query.text):
        own = set(retriever.lexical.correct(content_tokens(query.text)))
        known = not own or len(own & retriever.lexical.vocabulary) >= 2 * len(own) / 3
        # An elliptic follow-up to a question the conversation answered is in scope ("and if they
        # don't reply?"): the thread says what it is about.
        vouched = query.follow_up.elliptic and bool(query.follow_up.shown) and known
        # A question with content of its own must be at least plausible alone to borrow the
        # conversation's standing ("ignore your instructions..." after a real question is not);
        # a change of subject ("ok and a lasagna recipe?") is judged on its own.
        plausible = query.follow_up.elliptic or query.follow_up.refers_back or confidence >= VOUCH_FLOOR
        if vouched or (known and plausible):
            confidence = max(confidence, context_confidence)
    section_vector = vector + data.weights.section_question_weight * alone
    section_vector = (section_vector / np.linalg.norm(section_vector)).astype("float32")
    return Retrieval(hits, vector, signals, confidence, data, searched=joined, uncovered=uncovered, vouched=vouched,
                     section_vector=section_vector)


def fuse_thread(joined: list[Hit], alone: list[Hit], shown: list[str], k: int, rrf_k: float = 30.0,
                alone_votes: float = 1.0) -> list[Hit]:
    """A follow-up's ranking: the question joined with the earlier turns, the question alone, and the
    joined ranking within the documents the previous answer showed, fused by reciprocal rank. The
    thread pulls an elliptic question back to what was just discussed; the question alone keeps a
    change of subject answerable, and counts `alone_votes` times (twice for a question with content
    of its own, which leans on the thread less)."""
    in_thread = [h for h in joined if h.passage.doc_id in shown]
    score: dict[int, float] = {}
    best: dict[int, Hit] = {}
    for ranking, votes in ((joined, 1.0), (alone, alone_votes), (in_thread, 1.0)):
        for rank, hit in enumerate(ranking, 1):
            score[hit.row] = score.get(hit.row, 0.0) + votes / (rrf_k + rank)
            best.setdefault(hit.row, hit)
    order = sorted(score, key=lambda row: -score[row])[:k]
    return [Hit(row, best[row].passage, best[row].dense, best[row].lexical, score[row], best[row].intent) for row in order]


def _templates(found: Retrieval, engine: Engine, query: Query) -> list[Hit]:
    """The templates of the top three documents written for the asker's side, best first: closest to
    the question, with the words of a template's heading ("cold", "agenda") counting extra, and the
    better-ranked document winning a close call. Every template of those documents is a candidate,
    ranked or not: a template's fill-in text often ranks low."""
    top_docs = found.doc_ranking()[:3]
    data = engine.data
    rows = [row for doc in top_docs for row in data.template_rows.get(doc, ())
            if addresses(data.passages[row], query.role)
            # Staff hand participants their templates: one written for the whole pair still answers "an
            # agreement template for our participants" (one narrowed to a single side does not).
            or (query.role == "program-staff"
                and section_audience(data.passages[row]) == list(data.passages[row].audience))]
    if not rows:
        return []
    dense = engine.retriever.dense_scores(found.query_vector)
    intent = data.intent_scores(found.query_vector)

    def score(row: int) -> float:
        p = data.passages[row]
        named = set(content_tokens(p.heading_path[-1])) - {"templat"}
        return (max(float(dense[row]), float(intent[row])) + 0.03 * sum(found.asked.get(t, 0.0) for t in named)
                - TEMPLATE_RANK_STEP * top_docs.index(p.doc_id))

    rows.sort(key=lambda row: -score(row))
    return [Hit(row, data.passages[row], float(dense[row]), 0.0, score(row), float(intent[row])) for row in rows]
