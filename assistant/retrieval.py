"""Find the passages that answer a query: dense (FAISS), lexical (BM25), or both fused."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assistant.index import IndexData
from assistant.models import RETRIEVAL_MODES, Passage, RetrievalMode
from assistant.roles import AskerRole, addresses
from assistant.text import lexical_tokens
from assistant.weights import Weights

CANDIDATES = 40
# The fusion's numbers (RRF constant, shares, the other-audience penalty) are a fitted artefact:
# assistant/weights.py, recorded in each index version.


@dataclass
class Hit:
    """One retrieved passage with every score that led to its rank."""

    row: int
    passage: Passage
    dense: float  # cosine similarity to the query
    lexical: float  # BM25 score
    fused: float  # the ranking score for the chosen mode
    intent: float = -1.0  # best cosine between the query and the questions the passage's section answers


class LexicalIndex:
    """BM25 over the passages (bm25s), built in memory at load: a few milliseconds for this corpus."""

    def __init__(self, passages: list[Passage]):
        import bm25s

        self._bm25 = bm25s.BM25()
        corpus = [lexical_tokens(p.embed_text) for p in passages]
        self.passage_tokens = [frozenset(doc) for doc in corpus]  # reused by the scope signals
        self.vocabulary = frozenset().union(*self.passage_tokens)
        self._bm25.index(corpus, show_progress=False)
        self.size = len(passages)
        frequency: dict[str, int] = {}
        for doc in self.passage_tokens:
            for token in doc:
                frequency[token] = frequency.get(token, 0) + 1
        # Spelling tolerance (SymSpell-style, one edit): every vocabulary word under each of its one-letter deletions.
        self._frequency = frequency
        self._deletions: dict[str, set[str]] = {}
        for token in self.vocabulary:
            if len(token) >= 4:
                for variant in {token, *_deletes(token)}:
                    self._deletions.setdefault(variant, set()).add(token)

    def idf(self, token: str) -> float:
        """Inverse document frequency over passages: rare words say more about what is asked."""
        return float(np.log((1 + self.size) / (1 + self._frequency.get(token, 0))))

    def correct(self, tokens: list[str]) -> list[str]:
        """Replace unknown tokens with the most common vocabulary word one edit away ("mentr" -> "mentor")."""
        out = []
        for token in tokens:
            if token in self.vocabulary or not 4 <= len(token) <= 30:  # long tokens: bounded work
                out.append(token)
                continue
            candidates = set()
            for variant in {token, *_deletes(token)}:
                candidates |= self._deletions.get(variant, set())
            out.append(max(candidates, key=lambda c: (self._frequency[c], c)) if candidates else token)
        return out

    def scores(self, tokens: list[str]) -> np.ndarray:
        known = [t for t in tokens if t in self.vocabulary]
        if not known:
            return np.zeros(self.size, dtype="float32")
        return np.asarray(self._bm25.get_scores(known), dtype="float32")


def _deletes(token: str) -> set[str]:
    return {token[:i] + token[i + 1:] for i in range(len(token))}


def _ranks(scores: np.ndarray) -> np.ndarray:
    """1-based rank of each entry, best first."""
    order = np.argsort(-scores, kind="stable")
    ranks = np.empty_like(order)
    ranks[order] = np.arange(1, len(scores) + 1)
    return ranks


class Retriever:
    """Scores every passage for a query. The corpus is small, so exact search over all of it is cheapest."""

    def __init__(self, data: IndexData, mode: RetrievalMode = "hybrid", weights: Weights | None = None):
        if mode not in RETRIEVAL_MODES:
            raise ValueError(f"retrieval mode must be hybrid, dense or bm25, got {mode!r}")
        self.data = data
        self.mode = mode
        self.weights = weights or data.weights
        self.lexical = LexicalIndex(data.passages)

    def dense_scores(self, query_vector: np.ndarray) -> np.ndarray:
        return self.data.dense_scores(query_vector)  # every passage's cosine: one matrix product (index.py)

    def search(self, query_vector: np.ndarray, query_text: str, k: int = 10,
               role: AskerRole = "unknown") -> list[Hit]:
        """Rank passages for a query. A known `role` demotes passages addressed to someone else; an
        unknown role changes nothing."""
        w = self.weights
        dense = self.dense_scores(query_vector)
        # A section that declares no questions (one staff just added) keeps its text's score in the
        # intent vote, so it is neither buried nor boosted until its questions are written.
        declared = self.data.intent_scores(query_vector)
        intent = np.where(declared > -1.0, declared, dense)
        tokens = self.lexical.correct(lexical_tokens(query_text))
        lexical = self.lexical.scores(tokens)
        if self.mode == "dense":
            fused = np.maximum(dense, intent)
        elif self.mode == "bm25":
            fused = lexical + 1e-3 * dense  # dense only breaks ties (e.g. when no query word is known)
        else:
            semantic = (1 - w.intent_share) / (w.rrf_k + _ranks(dense)) + w.intent_share / (w.rrf_k + _ranks(intent))
            if lexical.max() > 0:
                # BM25's vote counts in proportion to how much the words say: "find" + "mentor"
                # (in nearly every passage) is mostly noise, a question naming "sponsor" is not.
                mass = sum(self.lexical.idf(t) for t in set(tokens) if t in self.lexical.vocabulary)
                lexical_share = (1 - w.dense_share) * min(1.0, mass / w.lexical_mass)
                fused = (1 - lexical_share) * semantic + lexical_share / (w.rrf_k + _ranks(lexical))
            else:  # with no known query word, lexical ranks would be noise
                fused = semantic
            if self.data.doc_vectors is not None and len(self.data.doc_vectors):
                by_document = self.data.document_scores(query_vector)[self.data.passage_doc_rows]
                fused = (1 - w.doc_share) * fused + w.doc_share / (w.rrf_k + _ranks(by_document))
        candidates = np.argsort(-fused, kind="stable")[:CANDIDATES]
        by_doc: dict[str, list[float]] = {}
        for i in candidates:
            by_doc.setdefault(self.data.passages[int(i)].doc_id, []).append(float(fused[i]))
        hits = []
        for i in candidates:
            passage = self.data.passages[int(i)]
            others = [v for v in by_doc[passage.doc_id] if v != fused[i]][:2]
            score = float(fused[i]) + w.doc_evidence * sum(others)
            if not addresses(passage, role):
                score *= w.other_audience
            hits.append(Hit(int(i), passage, float(dense[i]), float(lexical[i]), score, float(declared[i])))
        hits.sort(key=lambda h: -h.fused)
        return hits[:k]
