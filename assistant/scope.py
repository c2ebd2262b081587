"""Decide whether the guidance can answer a question, from calibrated retrieval signals.

Signals (all cheap, computed from the scores retrieval already has):
- dense: best cosine similarity between the query and any passage;
- sentence: best cosine similarity between the query and any sentence of the top passages;
- coverage: share of the question's content words found in the top passages;
- agreement: whether dense and BM25 put the same document near the top;
- margin: dense minus the similarity to the closest subject the guidance declares it does not
  cover (knowledge/scope.yaml), which separates near-misses such as salary negotiation;
- intent: best cosine between the query and the questions the sections say they answer.

They are combined by a logistic model, and the answer is declined below `min_confidence`. The model
ships fitted on the tune split of evaluation/gold.jsonl, as `assistant/scope-model.json` with its
provenance. `mentor eval FILE --split tune --calibrate` refits it and saves it beside the index
(index/scope-model.json); every build copies the saved model into its version, with its sha256 in
the manifest, so an answer is always judged by the model its index version records.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.conversation import content_tokens
from assistant.lexicon import GREETING_WORDS, PLEASANTRY_WORDS, THANKS_WORDS

if TYPE_CHECKING:
    from assistant.index import IndexData
    from assistant.retrieval import Hit, LexicalIndex

FEATURES = ("dense", "sentence", "coverage", "agreement", "margin", "intent")
SCOPE_MODEL_FILE = "scope-model.json"  # in the index folder (the calibration) and in each version
SHIPPED_MODEL = Path(__file__).with_name(SCOPE_MODEL_FILE)  # fitted on gold's tune split, with provenance


@dataclass
class ScopeSignals:
    dense: float
    sentence: float
    coverage: float
    agreement: float
    margin: float
    intent: float = 0.0
    subject: str = ""  # the closest not-covered subject, for the refusal message
    uncovered: float = 0.0  # similarity to that subject


@dataclass
class ScopeModel:
    weights: dict[str, float]
    bias: float
    provenance: dict | None = None  # what it was fitted on, when, and how it scored there

    @classmethod
    def default(cls) -> "ScopeModel":
        """The shipped calibration (assistant/scope-model.json)."""
        return cls.from_json(SHIPPED_MODEL.read_text(encoding="utf-8"), str(SHIPPED_MODEL))

    def __eq__(self, other) -> bool:
        return isinstance(other, ScopeModel) and (self.weights, self.bias) == (other.weights, other.bias)

    def confidence(self, signals: ScopeSignals) -> float:
        z = self.bias + sum(self.weights[f] * getattr(signals, f) for f in FEATURES)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_json(self) -> str:
        data = {"weights": self.weights, "bias": self.bias}
        if self.provenance:
            data["provenance"] = self.provenance
        return json.dumps(data, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str, source: str = "scope model") -> "ScopeModel":
        """Raises ValueError naming what is wrong, when the text is not a model with every feature."""
        try:
            data = json.loads(text)
            weights = {f: float(data["weights"][f]) for f in FEATURES}
            return cls(weights, float(data["bias"]), data.get("provenance"))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{source} is not a scope model with weights for {', '.join(FEATURES)} and a bias "
                             f"({type(exc).__name__}: {exc}); delete it to use the shipped model, or refit it with "
                             "`mentor eval evaluation/gold.jsonl --split tune --calibrate`") from None


def save_model(index_dir: Path, model: ScopeModel) -> Path:
    """Save a calibration beside the index; the next build puts it live."""
    from assistant.files import write_atomic

    path = Path(index_dir) / SCOPE_MODEL_FILE
    write_atomic(path, model.to_json())
    return path


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 0.01, steps: int = 4000, lr: float = 0.5) -> ScopeModel:
    """Plain L2-regularised logistic regression by gradient descent (a handful of features, a few hundred rows)."""
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mean) / std
    # Balanced classes: out-of-scope cases are the minority but matter as much.
    weight = np.where(y == 1, 0.5 / max(y.mean(), 1e-9), 0.5 / max(1 - y.mean(), 1e-9))
    w = np.zeros(z.shape[1])
    b = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(z @ w + b)))
        grad_w = z.T @ (weight * (p - y)) / len(y) + l2 * w
        grad_b = float(np.mean(weight * (p - y)))
        w -= lr * grad_w
        b -= lr * grad_b
    raw_w = w / std
    raw_b = b - float(np.sum(w * mean / std))
    return ScopeModel({f: round(float(v), 3) for f, v in zip(FEATURES, raw_w)}, round(raw_b, 3))


NAME_SUBJECT_SIMILARITY = 0.45  # below this, "closest uncovered subject" is a guess, not worth naming

NOT_FOUND = "I couldn't find anything in Mentor's guidance that answers this, so I'd rather not guess."

NOT_ENGLISH_TEXT = (
    "Mentor's guidance is written in English, so it can only answer questions asked in English. "
    "If you can, please ask again in English, for example: How do I find a mentor?")


THANKS_TEXT = "You're welcome. If something else comes up, ask me any time."
OK_TEXT = "Ask me another question about mentoring whenever you like."


def pleasantry(text: str) -> str | None:
    """"greeting", "thanks" or "ok" when a message is nothing but a greeting, thanks or an "ok", else None."""
    words = re.findall(r"[a-z']+", text.lower().replace("’", "'"))
    if not words or len(words) > 12 or any(w not in PLEASANTRY_WORDS for w in words):
        return None
    if any(w in THANKS_WORDS for w in words):
        return "thanks"
    return "greeting" if any(w in GREETING_WORDS for w in words) else "ok"


def pleasantry_text(kind: str, summary: str = "") -> str:
    """The reply to a pleasantry of `kind`."""
    return {"thanks": THANKS_TEXT, "ok": OK_TEXT}.get(kind) or greeting_text(summary)


def greeting_text(summary: str = "") -> str:
    """The reply to a greeting: what Mentor is and what it helps with (`scope_summary` in knowledge/topics.yaml)."""
    helps = f" Ask me about mentoring: {summary}." if summary else " Ask me a question about mentoring."
    return "Hello, I'm Mentor. I answer from your programme's mentoring guidance, and say so when it doesn't cover something." + helps


def measure(data: "IndexData", lexical: "LexicalIndex", vector: np.ndarray, query: str,
            hits: list["Hit"]) -> ScopeSignals:
    """The scope signals of one search: `query` embedded as `vector`, which found `hits` in `data`."""
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
    intent = float(data.intent_scores(vector).max()) if len(data.passages) else 0.0
    return ScopeSignals(dense=dense_best, sentence=sentence, coverage=coverage,
                        agreement=1.0 if dense_doc in lexical_docs else 0.0,
                        margin=max(dense_best, intent) - uncovered, intent=max(intent, 0.0), subject=subject,
                        uncovered=uncovered)


def names_uncovered_subject(signals: ScopeSignals) -> bool:
    """The question sits closer to a subject knowledge/scope.yaml excludes than to any guidance."""
    return bool(signals.subject) and signals.margin < 0 and signals.uncovered >= NAME_SUBJECT_SIMILARITY


def out_of_scope_text(signals: ScopeSignals | None = None, summary: str = "") -> str:
    """The refusal, naming the uncovered subject when the question is clearly about one, then what
    Mentor does help with (`scope_summary` in knowledge/topics.yaml) when there is a summary."""
    if signals is not None and names_uncovered_subject(signals):
        opening = f"Mentor's guidance doesn't cover {signals.subject}, so I'd rather not guess."
    else:
        opening = NOT_FOUND
    if not summary:
        return f"{opening} Try rephrasing your question."
    # No "pick a topic below": the CLI, the API and an exported conversation show nothing below it.
    # The page offers its topic buttons under a label of their own.
    return f"{opening} Mentor can help with mentoring: {summary}. Try rephrasing your question around one of those."
