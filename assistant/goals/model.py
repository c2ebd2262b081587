"""The checker's fitted model: one small logistic regression per criterion read from the text.

Inputs are a goal's MiniLM embedding (scaled by `embedding_scale`) and its structural features
(assistant/goals/features.py), standardised with the means and spreads of the goals it was fitted on.
`fit` chooses the L2 strength, the embedding scale and each threshold by cross-validation on the
tune split only, and `save` writes the result with its provenance to assistant/goals/goal-model.json
(`mentor eval-goals evaluation/goals.jsonl --split tune --calibrate`). Nothing is fitted at run time.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from assistant.files import write_atomic
from assistant.goals.features import FEATURE_NAMES, structural_features

MODEL_FILE = Path(__file__).resolve().parent / "goal-model.json"
TEXT_CRITERIA = ("specific", "measurable", "time_bound")  # judged from the text
FORMAT_VERSION = 1

# The search `fit` runs (cross-validated on tune): L2 strengths and how much the embedding counts
# against the structural features. These are the grid, not the answer; the answer is in the artefact.
L2_GRID = (0.1, 0.3, 1.0, 3.0, 10.0)
EMBEDDING_SCALES = (0.0, 2.0, 4.0, 8.0, 16.0)
FOLDS = 5


@dataclass
class CriterionModel:
    weights: np.ndarray  # embedding dims then structural features, already scaled
    bias: float
    threshold: float
    l2: float
    embedding_scale: float

    def probability(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(x @ self.weights + self.bias)))


@dataclass
class GoalModel:
    criteria: dict[str, CriterionModel]
    feature_mean: np.ndarray
    feature_scale: np.ndarray
    model_id: str
    provenance: dict = field(default_factory=dict)

    def probabilities(self, vectors: np.ndarray, goals: list[str]) -> dict[str, np.ndarray]:
        """Per criterion, the probability that each goal meets it."""
        feats = np.stack([structural_features(g) for g in goals])
        out = {}
        for name, cm in self.criteria.items():
            x = _design(vectors, feats, self.feature_mean, self.feature_scale, cm.embedding_scale)
            out[name] = cm.probability(x)
        return out

    def to_json(self) -> dict:
        return {
            "format_version": FORMAT_VERSION,
            "model": self.model_id,
            "features": list(FEATURE_NAMES),
            "feature_mean": _round(self.feature_mean),
            "feature_scale": _round(self.feature_scale),
            "criteria": {name: {"bias": round(cm.bias, 6), "threshold": round(cm.threshold, 4), "l2": cm.l2,
                                "embedding_scale": cm.embedding_scale, "weights": _round(cm.weights)}
                         for name, cm in self.criteria.items()},
            "provenance": self.provenance,
        }

    @classmethod
    def from_json(cls, data: dict) -> "GoalModel":
        if data.get("format_version") != FORMAT_VERSION or list(data.get("features", [])) != list(FEATURE_NAMES):
            raise ValueError("the goal model was fitted for other features; refit it with "
                             "`mentor eval-goals evaluation/goals.jsonl --split tune --calibrate`")
        criteria = {name: CriterionModel(np.array(c["weights"]), float(c["bias"]), float(c["threshold"]),
                                         float(c["l2"]), float(c["embedding_scale"]))
                    for name, c in data["criteria"].items()}
        return cls(criteria, np.array(data["feature_mean"]), np.array(data["feature_scale"]), data["model"],
                   data.get("provenance", {}))


def _round(a: np.ndarray) -> list[float]:
    return [round(float(v), 6) for v in a]


def _design(vectors, feats, mean, scale, embedding_scale) -> np.ndarray:
    return np.hstack([np.asarray(vectors, dtype="float64") * embedding_scale, (feats - mean) / scale])


def _fit_logistic(x: np.ndarray, y: np.ndarray, l2: float) -> tuple[np.ndarray, float]:
    """L2-penalised logistic regression by L-BFGS from zeros: deterministic for the same data."""
    n, d = x.shape

    def loss(params):
        w, b = params[:d], params[d]
        z = x @ w + b
        p = 1.0 / (1.0 + np.exp(-z))
        value = np.sum(np.logaddexp(0.0, z) - y * z) / n + 0.5 * l2 * (w @ w) / n
        grad_z = (p - y) / n
        return value, np.append(x.T @ grad_z + l2 * w / n, grad_z.sum())

    result = minimize(loss, np.zeros(d + 1), jac=True, method="L-BFGS-B", options={"maxiter": 2000})
    return result.x[:d], float(result.x[d])


def _folds(n: int) -> list[np.ndarray]:
    """Deterministic interleaved folds: goal i goes to fold i mod FOLDS."""
    idx = np.arange(n)
    return [idx[idx % FOLDS == k] for k in range(FOLDS)]


def _best_threshold(p: np.ndarray, y: np.ndarray) -> float:
    """The threshold that maximises the smaller of precision and recall (both are targets), then F1."""
    best, best_key = 0.5, (-1.0, -1.0)
    for t in np.round(np.arange(0.2, 0.81, 0.02), 2):
        pred = p >= t
        tp = float(np.sum(pred & (y == 1)))
        prec = tp / max(1.0, float(pred.sum()))
        rec = tp / max(1.0, float((y == 1).sum()))
        f1 = 2 * prec * rec / max(1e-9, prec + rec)
        key = (round(min(prec, rec), 4), round(f1, 4))
        if key > best_key:
            best, best_key = float(t), key
    return best


def fit(goals: list[str], labels: dict[str, np.ndarray], vectors: np.ndarray, model_id: str,
        source: str) -> tuple[GoalModel, dict]:
    """Fit every text criterion; returns the model and its cross-validated figures on these goals."""
    feats = np.stack([structural_features(g) for g in goals])
    mean = feats.mean(axis=0)
    scale = feats.std(axis=0)
    scale[scale == 0] = 1.0
    folds = _folds(len(goals))
    criteria: dict[str, CriterionModel] = {}
    figures: dict[str, dict] = {}
    for name in TEXT_CRITERIA:
        y = labels[name].astype("float64")
        best = None
        for es in EMBEDDING_SCALES:
            x = _design(vectors, feats, mean, scale, es)
            for l2 in L2_GRID:
                out_of_fold = np.zeros(len(goals))
                for held in folds:
                    train = np.setdiff1d(np.arange(len(goals)), held)
                    w, b = _fit_logistic(x[train], y[train], l2)
                    out_of_fold[held] = 1.0 / (1.0 + np.exp(-(x[held] @ w + b)))
                loss = float(np.mean(-(y * np.log(out_of_fold + 1e-9) + (1 - y) * np.log(1 - out_of_fold + 1e-9))))
                if best is None or loss < best[0] - 1e-9:
                    best = (loss, es, l2, out_of_fold)
        loss, es, l2, oof = best
        threshold = _best_threshold(oof, y)
        w, b = _fit_logistic(_design(vectors, feats, mean, scale, es), y, l2)
        criteria[name] = CriterionModel(w, b, threshold, l2, es)
        pred = oof >= threshold
        tp = float(np.sum(pred & (y == 1)))
        figures[name] = {"cv_log_loss": round(loss, 4), "cv_precision": round(tp / max(1.0, pred.sum()), 3),
                         "cv_recall": round(tp / max(1.0, (y == 1).sum()), 3), "l2": l2, "embedding_scale": es,
                         "threshold": threshold}
    provenance = {"fitted_on": source, "goals": len(goals), "fitted": dt.date.today().isoformat(),
                  "command": "mentor eval-goals evaluation/goals.jsonl --split tune --calibrate",
                  "method": f"{FOLDS}-fold cross-validation over L2 {list(L2_GRID)} and embedding scale "
                            f"{list(EMBEDDING_SCALES)}; threshold maximising min(precision, recall)",
                  "cross_validated": figures}
    return GoalModel(criteria, mean, scale, model_id, provenance), figures


def save(model: GoalModel, path: Path = MODEL_FILE) -> Path:
    write_atomic(Path(path), json.dumps(model.to_json(), indent=1) + "\n")
    load.cache_clear()
    return Path(path)


@lru_cache(maxsize=4)
def load(path: Path = MODEL_FILE) -> GoalModel:
    """The saved model; a missing file names the command that writes it."""
    path = Path(path)
    if not path.exists():
        from assistant.errors import MentorError

        raise MentorError(f"the goal checker's model {path} is missing; write it with "
                          "`mentor eval-goals evaluation/goals.jsonl --split tune --calibrate`")
    return GoalModel.from_json(json.loads(path.read_text(encoding="utf-8")))
