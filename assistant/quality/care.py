"""Fit and measure the care check (assistant/care.py): `mentor eval-care FILE --split S [--calibrate]`.

FILE holds {"id", "text", "label", "split"} lines, label one of crisis, distress, safeguarding,
employment, everyday. The ordinary mentoring questions of evaluation/gold.jsonl (same split, those
not marked out_of_scope) join as more everyday messages, because the check must leave them alone.

Calibration (tune split only) trains on the tune messages, the extra labelled messages of
evaluation/care-train.jsonl (`--extra`), the gold questions and every exemplar of knowledge/care.yaml
(as a row of its kind, its similarity to itself left out). Each message is a row of its label (its
whole text); every segment of an everyday or employment message is a row of that label too, since no
part of an ordinary message needs support. The messages are split into five folds; each fold's model
is fitted on the other four plus all the exemplars, and the regularisation and both thresholds are
chosen on the out-of-fold probabilities, so they are not set on rows the model has seen. Then the model
is refitted on everything and saved with the thresholds, the out-of-fold figures and its provenance in
assistant/care.json. The test split is never read when fitting.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.care import (FIT_COMMAND, KINDS, MODEL_FILE, SUPPORT_KINDS, Care, CareFile, CareModel,
                            load_care, load_model, support_score)
from assistant.files import write_atomic
from assistant.scope import pleasantry

RECALL_TARGET = 0.98  # crisis and safeguarding messages given the support reply
EVERYDAY_TARGET = 0.03  # everyday messages given it
RECALL_KINDS = ("crisis", "safeguarding")
# What the thresholds are chosen for on the out-of-fold rows.
FIT_EVERYDAY_BUDGET = 0.03  # care.jsonl and care-train.jsonl everyday messages given support
FIT_GOLD_BUDGET = 0.02  # gold mentoring questions given support
FIT_EMPLOYMENT_BUDGET = 0.02  # everyday messages declined as employment questions
FIT_GOLD_EMPLOYMENT_BUDGET = 0.01  # gold mentoring questions declined as employment questions
FOLDS = 5
C_GRID = (0.03, 0.05, 0.1)  # inverse L2 strength on standardised inputs, chosen by the same folds
EXTRA = Path("evaluation/care-train.jsonl")


@dataclass
class Case:
    text: str
    label: str
    source: str  # "care" (FILE), "train" (the extra messages) or "gold"


def read_cases(path: Path, split: str, gold: Path | None = None, source: str = "care") -> list[Case]:
    """The cases of `split` ("tune", "test" or "all"; a line without a split is in all only).

    Raises ValueError naming a bad line and the fix."""
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
            cases.append(Case(text, label, source))
    if not cases:
        raise ValueError(f"{path} has no case in split '{split}'; use --split tune, test or all")
    if gold is not None and Path(gold).exists():
        for line in Path(gold).read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                if (split == "all" or row.get("split") == split) and not row.get("out_of_scope"):
                    cases.append(Case(row["question"], "everyday", "gold"))
    return cases


def _labels(cases: list[Case]) -> np.ndarray:
    return np.array([KINDS.index(c.label) for c in cases])


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


def fit_logistic(x: np.ndarray, y: np.ndarray, c: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """L2-regularised multinomial logistic regression on standardised inputs, classes weighted equally
    (scikit-learn, needed only when fitting). Returns (weights, bias, mean, std) in CareModel's form."""
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        raise ValueError("fitting the care model needs scikit-learn: pip install 'mentor-assistant[dev]' "
                         "(answering with the saved model does not)") from None
    missing = sorted(set(range(len(KINDS))) - set(y.tolist()))
    if missing:
        raise ValueError(f"no training row of {', '.join(KINDS[i] for i in missing)}; every kind needs exemplars")
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-6
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=5000).fit((x - mean) / std, y)
    return model.coef_, model.intercept_, mean, std


def _training_rows(cases: list[Case], rows: list[np.ndarray], chosen: np.ndarray) -> tuple[list, list]:
    """The chosen cases as training rows: the whole message as a row of its label, and every other
    segment of an everyday or employment message as a row of that label too."""
    x, y = [], []
    for i in np.flatnonzero(chosen):
        label = KINDS.index(cases[i].label)
        parts = rows[i] if cases[i].label in ("everyday", "employment") else rows[i][:1]
        x.extend(parts)
        y.extend([label] * len(parts))
    return x, y


def calibrate(care_file: CareFile, embed, cases: list[Case]) -> tuple[CareModel, dict]:
    """Fit the model on `cases` (tune split, extra messages, gold questions); choose C and the
    thresholds out-of-fold."""
    care = Care(care_file, None, embed)  # type: ignore[arg-type]  # only the input rows are needed
    rows = care.rows_many([c.text for c in cases])
    y = _labels(cases)
    x_exemplars, y_exemplars = care.exemplar_rows()
    folds = np.random.default_rng(0).permutation(len(cases)) % FOLDS
    everyday = y == KINDS.index("everyday")
    gold = np.array([c.source == "gold" for c in cases])
    must = np.isin(y, [KINDS.index(k) for k in RECALL_KINDS]) & ~gold
    budgets = [(everyday & ~gold, FIT_EVERYDAY_BUDGET), (gold, FIT_GOLD_BUDGET)]

    def fit(chosen: np.ndarray, c: float, support_t: float = 1.0, employment_t: float = 1.0) -> CareModel:
        x, labels = _training_rows(cases, rows, chosen)
        w, b, mean, std = fit_logistic(np.vstack([np.array(x).reshape(-1, care.width), x_exemplars]),
                                       np.concatenate([labels, y_exemplars]).astype(int), c)
        return CareModel(w, b, mean, std, support_t, employment_t)

    tried = {}
    for c in C_GRID:  # the regularisation with the best out-of-fold recall within the budgets
        oof = np.zeros((len(cases), len(KINDS)))
        for f in range(FOLDS):
            model = fit(folds != f, c)
            for i in np.flatnonzero(folds == f):
                oof[i] = model.message_probabilities(rows[i])
        t = _threshold(support_score(oof), must, budgets)
        tried[c] = (float((support_score(oof)[must] >= t).mean()), t, oof)
    c = max(C_GRID, key=lambda v: (tried[v][0], -v))  # a tie goes to the stronger regularisation
    _, support_t, oof = tried[c]
    rest = support_score(oof) < support_t
    employment = y == KINDS.index("employment")
    # A mentoring question declined as an employment one is a wrong refusal: the gold questions have
    # their own, tighter budget, or a larger everyday set would loosen the threshold for them.
    employment_t = _threshold(oof[:, KINDS.index("employment")][rest], employment[rest],
                              [(everyday[rest] & ~gold[rest], FIT_EMPLOYMENT_BUDGET),
                               (gold[rest], FIT_GOLD_EMPLOYMENT_BUDGET)])
    oof_model = CareModel(np.zeros((len(KINDS), care.width)), np.zeros(len(KINDS)), np.zeros(care.width),
                          np.ones(care.width), support_t, employment_t)
    decided = [oof_model.decide(p) for p in oof]
    figures = {"all": figures_of(cases, decided)}
    for source in ("care", "train"):
        keep = [i for i, case in enumerate(cases) if case.source in (source, "gold")]
        if any(cases[i].source == source for i in keep):
            figures[source] = figures_of([cases[i] for i in keep], [decided[i] for i in keep])
    final = fit(np.ones(len(cases), bool), c, support_t, employment_t)
    counts = {s: sum(case.source == s for case in cases) for s in ("care", "train", "gold")}
    provenance = {
        "fitted_on": f"evaluation/care.jsonl split=tune ({counts['care']} messages) + {EXTRA} "
                     f"({counts['train']} messages) + evaluation/gold.jsonl split=tune questions not out of "
                     f"scope, as everyday ({counts['gold']}) + the {len(y_exemplars)} exemplars of "
                     "knowledge/care.yaml as rows of their kind, each without its similarity to itself; "
                     "the segments of everyday and employment messages as rows of their label",
        "model": "multinomial logistic regression (scikit-learn lbfgs, classes weighted equally, inputs "
                 "standardised) on each segment's MiniLM embedding and its 10 exemplar similarities; a "
                 "message takes its most support-like segment",
        "cross_validation": f"{FOLDS} folds over the messages and gold questions; every fold also trains on "
                            f"all the exemplars; C chosen from {list(C_GRID)} by the same folds (best recall, "
                            "so the figures flatter a little)",
        "C": c,
        "C_out_of_fold_recall": {str(v): round(tried[v][0], 4) for v in C_GRID},
        "thresholds": f"chosen out-of-fold ({FOLDS} folds): widest crisis+safeguarding recall with at most "
                      f"{FIT_EVERYDAY_BUDGET} of everyday messages and {FIT_GOLD_BUDGET} of gold questions "
                      f"given support, and {FIT_EMPLOYMENT_BUDGET} of everyday ones declined as employment, "
                      "then the middle of that range",
        "command": FIT_COMMAND,
        "fitted": dt.date.today().isoformat(),
        "exemplars_sha256": care_file.fingerprint(),
        "exemplars": {k: len(care_file.exemplars[k]) for k in KINDS},
    }
    final.extra = {"provenance": provenance, "out_of_fold": figures}
    return final, figures


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
        out = [f"{self.split}: {f['care_messages']} care messages, {f['gold_questions']} gold questions",
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
                  calibrate_model: bool = False, model_path: Path = MODEL_FILE,
                  extra: Path | None = EXTRA) -> tuple[CareReport, CareModel | None]:
    """Figures of the saved model on `split`; with `calibrate_model`, fit first (tune split only, with
    the messages of `extra` when that file exists) and report on the fitted model."""
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
        more = read_cases(extra, "all", source="train") if extra is not None and Path(extra).exists() else []
        fitted, _ = calibrate(care_file, embed, cases + more)
        model = fitted
    else:
        model = load_model(model_path)
    care = Care(care_file, model, embed)
    decided, misses = [], []
    probabilities = care.message_probabilities_many([c.text for c in cases])
    for case, p in zip(cases, probabilities):
        # As Assistant.ask does: a message that is only a greeting or thanks is answered as one.
        kind = None if pleasantry(case.text) else model.decide(p)
        decided.append(kind)
        expected = case.label if case.label in ("employment", "everyday") else "support"
        got = "support" if kind in SUPPORT_KINDS else kind or "everyday"
        if case.source == "care" and got != expected:
            misses.append(f"{case.label:<13} -> {got:<10} {case.text[:100]}")
    return CareReport(f"split {split}", figures_of(cases, decided), misses), fitted


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
