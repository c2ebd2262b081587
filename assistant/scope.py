"""Decide whether the guidance can answer a question, from calibrated retrieval signals.

Signals (all cheap, computed from the scores retrieval already has):
- dense: best cosine similarity between the query and any passage;
- sentence: best cosine similarity between the query and any sentence of the top passages;
- coverage: share of the question's content words found in the top passages;
- agreement: whether dense and BM25 put the same document near the top;
- margin: dense minus the similarity to the closest subject the guidance declares it does not
  cover (knowledge/scope.yaml), which separates near-misses such as salary negotiation.

They are combined by a logistic model whose weights were fitted on the tune split of
evaluation/gold.jsonl (`mentor eval evaluation/gold.jsonl --split tune --calibrate`), and the
answer is declined below `min_confidence`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Fitted on the tune split; see docs/evaluation.md for how and the resulting figures.
DEFAULT_WEIGHTS = {"dense": 0.214, "sentence": 5.622, "coverage": 6.054, "agreement": -0.013, "margin": 8.129}
DEFAULT_BIAS = -6.544
FEATURES = tuple(DEFAULT_WEIGHTS)


@dataclass
class ScopeSignals:
    dense: float
    sentence: float
    coverage: float
    agreement: float
    margin: float
    subject: str = ""  # the closest not-covered subject, for the refusal message
    uncovered: float = 0.0  # similarity to that subject


@dataclass
class ScopeModel:
    weights: dict[str, float]
    bias: float

    @classmethod
    def default(cls) -> "ScopeModel":
        return cls(dict(DEFAULT_WEIGHTS), DEFAULT_BIAS)

    def confidence(self, signals: ScopeSignals) -> float:
        z = self.bias + sum(self.weights[f] * getattr(signals, f) for f in FEATURES)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


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
