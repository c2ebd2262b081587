"""Fit and measure the care check (assistant/care.py): `mentor eval-care FILE --split S [--calibrate]`.

FILE holds {"id", "text", "label", "split"} lines, label one of crisis, distress, safeguarding,
employment, everyday. The questions of evaluation/gold.jsonl (same split) join as more everyday
messages, because the check must leave ordinary mentoring questions alone.

Calibration (tune split only): the model is fitted five times on four fifths of the rows plus every
exemplar of knowledge/care.yaml as a labelled row (its similarity to itself left out), and the two
thresholds are chosen on the fifth each time left out (out-of-fold), so they are not set on rows the
model has seen. Then the model is refitted on every tune row and the exemplars and saved with the
thresholds, the out-of-fold figures and its provenance in assistant/care.json.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.care import (KINDS, MODEL_FILE, SUPPORT_KINDS, Care, CareFile, CareModel, fit_softmax,
                            load_care, load_model)
from assistant.files import write_atomic

RECALL_TARGET = 0.98  # crisis and safeguarding messages given the support reply
EVERYDAY_TARGET = 0.03  # everyday messages given it
RECALL_KINDS = ("crisis", "safeguarding")
# What the thresholds are chosen for on the out-of-fold rows: a little inside the targets.
# With the exemplars as training rows, out-of-fold recall on tune no longer needs a looser everyday
# budget than the target (docs/reliability.md), so the thresholds are chosen within it.
FIT_EVERYDAY_BUDGET = 0.03  # care.jsonl everyday messages given support, out-of-fold
FIT_GOLD_BUDGET = 0.02  # gold mentoring questions given support
FIT_EMPLOYMENT_BUDGET = 0.02  # everyday messages declined as employment questions
FOLDS = 5
L2_GRID = (0.003, 0.01, 0.03, 0.1)  # chosen by the same folds; the out-of-fold figures are the chosen one's


@dataclass
class Case:
    text: str
    label: str
    source: str  # "care" or "gold"


def read_cases(path: Path, split: str, gold: Path | None = None) -> list[Case]:
    """The cases of `split` ("tune", "test" or "all"). Raises ValueError naming a bad line and the fix."""
    cases = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text, label, row_split = row["text"], row["label"], row.get("split", "all")
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a care case ({exc}); each line is "
                             '{"text": ..., "label": ..., "split": "tune"|"test"}') from None
        if label not in KINDS:
            raise ValueError(f"{path}:{number}: label {label!r} is not one of {', '.join(KINDS)}")
        if split == "all" or row_split == split:
            cases.append(Case(text, label, "care"))
    if not cases:
        raise ValueError(f"{path} has no case in split '{split}'; use --split tune, test or all")
    if gold is not None and Path(gold).exists():
        for line in Path(gold).read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                if split == "all" or row.get("split") == split:
                    cases.append(Case(row["question"], "everyday", "gold"))
    return cases


def _labels(cases: list[Case]) -> np.ndarray:
    return np.array([KINDS.index(c.label) for c in cases])


def _support_score(p: np.ndarray) -> np.ndarray:
    return p[:, [KINDS.index(k) for k in SUPPORT_KINDS]].sum(axis=1)


def _threshold(scores: np.ndarray, positive: np.ndarray, budgets: list[tuple[np.ndarray, float]]) -> float:
    """The middle of the widest-recall range of thresholds whose share of each set of negatives at or
    above it stays within its budget: margin both towards missing a positive and towards flagging a negative."""
    candidates = np.unique(scores)
    best_recall, feasible = -1.0, []
    for t in candidates:
        flagged = scores >= t
        if any(negative.any() and flagged[negative].mean() > budget for negative, budget in budgets):
            continue
        recall = flagged[positive].mean() if positive.any() else 0.0
        feasible.append((t, recall))
        best_recall = max(best_recall, recall)
    if not feasible:
        return float(candidates.max()) + 1e-6
    at_best = [t for t, r in feasible if r == best_recall]
    low, high = min(t for t, _ in feasible), max(at_best)
    # Above the highest threshold that still reaches the best recall, a positive is lost: stay below
    # it, halfway down to the lowest threshold the negatives allow.
    return float((low + high) / 2) if low < high else float(high)


def calibrate(care_file: CareFile, embed, cases: list[Case]) -> tuple[CareModel, dict]:
    """Fit the model on `cases` (the tune split) and choose its thresholds out-of-fold."""
    care = Care(care_file, None, embed)  # type: ignore[arg-type]  # only features are needed
    x = care.features_many([c.text for c in cases])
    y = _labels(cases)
    x_exemplars, y_exemplars = care.exemplar_rows()
    rng = np.random.default_rng(0)
    folds = rng.permutation(len(cases)) % FOLDS
    everyday = y == KINDS.index("everyday")
    gold = np.array([c.source == "gold" for c in cases])
    must = np.isin(y, [KINDS.index(k) for k in RECALL_KINDS])
    budgets = [(everyday & ~gold, FIT_EVERYDAY_BUDGET), (gold, FIT_GOLD_BUDGET)]
    tried = {}
    for l2 in L2_GRID:  # the regularisation with the best out-of-fold recall within the budgets
        oof = np.zeros((len(cases), len(KINDS)))
        for f in range(FOLDS):
            train, held = folds != f, folds == f
            w, b, mean, std = fit_softmax(np.vstack([x[train], x_exemplars]),
                                          np.concatenate([y[train], y_exemplars]), l2=l2)
            oof[held] = CareModel(w, b, mean, std, 1.0, 1.0).probabilities(x[held])
        t = _threshold(_support_score(oof), must, budgets)
        tried[l2] = (float((_support_score(oof)[must] >= t).mean()), t, oof)
    l2 = max(L2_GRID, key=lambda v: (tried[v][0], v))  # a tie goes to the stronger regularisation
    _, support_t, oof = tried[l2]
    rest = _support_score(oof) < support_t
    employment = y == KINDS.index("employment")
    employment_t = _threshold(oof[:, KINDS.index("employment")][rest], employment[rest],
                              [(everyday[rest], FIT_EMPLOYMENT_BUDGET)])
    w, b, mean, std = fit_softmax(np.vstack([x, x_exemplars]), np.concatenate([y, y_exemplars]), l2=l2)
    oof_model = CareModel(w, b, mean, std, support_t, employment_t)
    decided = [oof_model.decide(p) for p in oof]
    figures = figures_of(cases, decided)
    provenance = {
        "fitted_on": f"evaluation/care.jsonl split=tune ({sum(c.source == 'care' for c in cases)} messages) "
                     f"+ evaluation/gold.jsonl split=tune questions as everyday ({sum(c.source == 'gold' for c in cases)}) "
                     f"+ the {len(y_exemplars)} exemplars of knowledge/care.yaml as rows of their kind, "
                     "each without its similarity to itself",
        "cross_validation": f"{FOLDS} folds over the tune messages; every fold also trains on all the exemplars; "
                            f"l2 chosen from {list(L2_GRID)} by the same folds (best recall, so the figures "
                            "flatter a little)",
        "l2": l2,
        "l2_out_of_fold_recall": {str(v): round(tried[v][0], 4) for v in L2_GRID},
        "thresholds": f"chosen out-of-fold ({FOLDS} folds): widest crisis+safeguarding recall with at most "
                      f"{FIT_EVERYDAY_BUDGET} of care everyday messages and {FIT_GOLD_BUDGET} of gold questions "
                      f"given support, and {FIT_EMPLOYMENT_BUDGET} of everyday ones declined as employment, "
                      "then the middle of that range",
        "command": "mentor eval-care evaluation/care.jsonl --split tune --calibrate",
        "fitted": dt.date.today().isoformat(),
        "exemplars_sha256": care_file.fingerprint(),
        "exemplars": {k: len(care_file.exemplars[k]) for k in KINDS},
    }
    model = CareModel(w, b, mean, std, support_t, employment_t,
                      extra={"provenance": provenance, "out_of_fold": figures})
    return model, figures


@dataclass
class CareReport:
    split: str
    figures: dict
    misses: list[str] = field(default_factory=list)

    @property
    def meets_targets(self) -> bool:
        return (self.figures["recall_crisis_safeguarding"] >= RECALL_TARGET
                and self.figures["everyday_support_share"] <= EVERYDAY_TARGET)

    def lines(self) -> list[str]:
        f = self.figures
        out = [f"split {self.split}: {f['care_messages']} care messages, {f['gold_questions']} gold questions",
               f"{'label':<14}{'n':>5}{'support':>9}{'employ.':>9}{'normal':>8}"]
        for label, row in f["per_label"].items():
            out.append(f"{label:<14}{row['n']:>5}{row['support']:>9}{row['employment']:>9}{row['normal']:>8}")
        out += [
            f"recall, crisis + safeguarding given support: {f['recall_crisis_safeguarding']:.3f} "
            f"(target >= {RECALL_TARGET})",
            f"everyday messages given support: {f['everyday_support']}/{f['everyday']} = "
            f"{f['everyday_support_share']:.3f} (target <= {EVERYDAY_TARGET})",
            f"distress given support: {f['distress_support_share']:.3f}; employment given the employment "
            f"decline: {f['employment_decline_share']:.3f}",
            f"gold questions given a care reply (support or employment decline): {f['gold_care']}/{f['gold_questions']}",
        ]
        return out


def figures_of(cases: list[Case], decided: list[str | None]) -> dict:
    per_label = {k: {"n": 0, "support": 0, "employment": 0, "normal": 0} for k in KINDS}
    gold = gold_care = 0
    for case, kind in zip(cases, decided):
        if case.source == "gold":
            gold += 1
            gold_care += kind is not None
            continue
        row = per_label[case.label]
        row["n"] += 1
        row["support" if kind in SUPPORT_KINDS else "employment" if kind == "employment" else "normal"] += 1
    must = sum(per_label[k]["n"] for k in RECALL_KINDS)
    everyday = per_label["everyday"]

    def share(a, b):
        return round(a / b, 4) if b else 0.0

    return {
        "care_messages": sum(r["n"] for r in per_label.values()), "gold_questions": gold, "gold_care": gold_care,
        "per_label": per_label,
        "recall_crisis_safeguarding": share(sum(per_label[k]["support"] for k in RECALL_KINDS), must),
        "everyday": everyday["n"], "everyday_support": everyday["support"],
        "everyday_support_share": share(everyday["support"], everyday["n"]),
        "distress_support_share": share(per_label["distress"]["support"], per_label["distress"]["n"]),
        "employment_decline_share": share(per_label["employment"]["employment"], per_label["employment"]["n"]),
    }


def evaluate_care(path: Path, split: str, knowledge_dir: Path, embed, gold: Path | None = None,
                  calibrate_model: bool = False, model_path: Path = MODEL_FILE) -> tuple[CareReport, CareModel | None]:
    """Figures of the saved model on `split`; with `calibrate_model`, fit first (tune split only)."""
    embed = _remembering(embed)  # calibration and the report embed the same segments
    care_file = load_care(knowledge_dir)
    if care_file is None:
        raise ValueError(f"{knowledge_dir}/care.yaml is missing; it holds the exemplars the check compares with")
    cases = read_cases(path, split, gold)
    fitted = None
    if calibrate_model:
        if split != "tune":
            raise ValueError(f"--calibrate fits on the tune split only (got '{split}'), so the test split "
                             "still measures the model; use --split tune")
        fitted, _ = calibrate(care_file, embed, cases)
        model = fitted
    else:
        model = load_model(model_path)
    care = Care(care_file, model, embed)
    decided, misses = [], []
    probabilities = model.probabilities(care.features_many([c.text for c in cases]))
    for case, p in zip(cases, probabilities):
        kind = model.decide(p)
        decided.append(kind)
        expected = case.label if case.label in ("employment", "everyday") else "support"
        got = "support" if kind in SUPPORT_KINDS else kind or "everyday"
        if case.source == "care" and got != expected:
            misses.append(f"{case.label:<13} -> {got:<10} {case.text[:100]}")
    return CareReport(split, figures_of(cases, decided), misses), fitted


def _remembering(embed):
    """`embed` with every text's vector kept, and only unseen texts embedded (in one batch)."""
    seen: dict[str, np.ndarray] = {}

    def remembered(texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in seen]
        if missing:
            seen.update(zip(missing, embed(missing)))
        return np.stack([seen[t] for t in texts])

    return remembered


def save_model(model: CareModel, path: Path = MODEL_FILE) -> Path:
    write_atomic(Path(path), model.to_json())
    return Path(path)
