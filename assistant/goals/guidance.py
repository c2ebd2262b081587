"""Finding the guidance behind a goal prompt or an agenda: sentence-level search over the built index.

The checker never quotes guidance it keeps in code: each criterion and each meeting has a short
search query, and the passage it cites is whatever the index's guidance answers that query best, so
staff who reword or move a section move the citation with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assistant.embedding import Embedder
from assistant.index import IndexData
from assistant.models import Citation, Passage

GOAL_TOPIC = "setting-goals"


@dataclass(frozen=True)
class Found:
    """A passage and the sentences of it that answer a query best."""

    passage: Passage
    sentences: list[str]
    score: float


class Guidance:
    """Sentence search over one loaded index version (`Assistant.index`), narrowed by topic or by kind."""

    def __init__(self, data: IndexData, embedder: Embedder):
        self.data = data
        self.embedder = embedder
        self._vectors: dict[str, np.ndarray] = {}

    def _vector(self, text: str) -> np.ndarray:
        if text not in self._vectors:
            self._vectors[text] = self.embedder.encode_one(text)
        return self._vectors[text]

    def _rows(self, topic: str | None, templates: bool | None) -> list[int]:
        rows = [i for i, p in enumerate(self.data.passages)
                if (topic is None or topic in p.topics) and (templates is None or p.is_template == templates)]
        return rows or list(range(len(self.data.passages)))

    def find(self, query: str, topic: str | None = GOAL_TOPIC, templates: bool | None = None, k: int = 1,
             per_passage: int = 1, among: list[Passage] | None = None, by_heading: bool = False) -> list[Found]:
        """The k best passages for `query` (by their best sentence), each with its best sentences.
        `among` narrows the search to those passages (of this index); `by_heading` averages the best
        sentence's score with the heading path's, for a query about what a section is for."""
        q = self._vector(query)
        found: list[Found] = []
        offsets = self.data.sentence_offsets
        rows = self._rows(topic, templates)
        if among is not None:
            wanted = {p.id for p in among}
            rows = [r for r in range(len(self.data.passages)) if self.data.passages[r].id in wanted] or rows
        for row in rows:
            p = self.data.passages[row]
            start = int(offsets[row])
            scores = self.data.sentence_vectors[start:start + len(p.sentences)] @ q
            if not len(scores):
                continue
            order = np.argsort(-scores, kind="stable")[:per_passage]
            score = float(scores[order[0]])
            if by_heading:
                score = (score + float(self._vector(" › ".join(p.heading_path)) @ q)) / 2
            found.append(Found(p, [p.sentences[i] for i in sorted(order)], score))
        found.sort(key=lambda f: (-f.score, f.passage.id))
        return found[:k]

    def cite(self, query: str, k: int = 1, topic: str | None = GOAL_TOPIC) -> list[Citation]:
        """Citations, numbered from 1, of the k passages that answer `query` best."""
        return [citation(f, n) for n, f in enumerate(self.find(query, topic=topic, k=k), start=1)]


def citation(found: Found, number: int = 1) -> Citation:
    p = found.passage
    return Citation(number=number, doc_id=p.doc_id, title=p.title, section=p.section, topics=p.topics, text=p.text,
                    score=round(found.score, 4), passage_id=p.id, highlights=found.sentences)
