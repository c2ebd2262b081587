"""`mentor eval-goals`: the goal checker's precision and recall per criterion on labelled goals.

The goals file (evaluation/goals.jsonl) holds goals written by someone who had not seen the checker,
each labelled specific / measurable / time_bound, split into tune and test. `--calibrate` fits the
model on tune only and saves it with its provenance; the figures that count are test's.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from assistant.embedding import Embedder
from assistant.goals import model as fitted
from assistant.goals.checker import judge_goals
from assistant.goals.model import TEXT_CRITERIA

SPLITS = ("tune", "test", "all")


def load_goals(path: Path, split: str) -> list[dict]:
    """The labelled goals of one split; a malformed line or an unknown split is a ValueError naming the fix."""
    if split not in SPLITS:
        raise ValueError(f"split '{split}' is not one of {', '.join(SPLITS)}")
    rows = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{n}: not JSON ({exc.msg}); each line is one goal object") from None
        missing = [k for k in ("goal", "split", *TEXT_CRITERIA) if k not in row]
        if missing:
            raise ValueError(f"{path}:{n}: missing {', '.join(missing)}; each goal needs goal, split and "
                             f"true/false for {', '.join(TEXT_CRITERIA)}")
        if split == "all" or row["split"] == split:
            rows.append(row)
    if not rows:
        raise ValueError(f"{path} has no goals in split '{split}'")
    return rows


def figures(rows: list[dict], judged: list[dict[str, bool]]) -> dict:
    """Precision, recall and counts of 'met' per criterion, plus each wrong call."""
    out: dict = {"goals": len(rows), "criteria": {}, "errors": []}
    for name in TEXT_CRITERIA:
        y = np.array([bool(r[name]) for r in rows])
        p = np.array([j[name] for j in judged])
        tp, fp, fn = int(np.sum(p & y)), int(np.sum(p & ~y)), int(np.sum(~p & y))
        out["criteria"][name] = {"precision": round(tp / max(1, tp + fp), 3), "recall": round(tp / max(1, tp + fn), 3),
                                 "accuracy": round(float(np.mean(p == y)), 3), "tp": tp, "fp": fp, "fn": fn,
                                 "labelled_met": int(y.sum())}
        for r, pred in zip(rows, p):
            if bool(pred) != bool(r[name]):
                out["errors"].append({"id": r.get("id", ""), "criterion": name, "label": bool(r[name]),
                                      "goal": r["goal"]})
    return out


def evaluate_goals(path: Path, split: str, embedder: Embedder, model: fitted.GoalModel | None = None) -> dict:
    rows = load_goals(path, split)
    model = model or fitted.load()
    report = figures(rows, judge_goals(model, embedder, [r["goal"] for r in rows]))
    report.update(split=split, file=str(path), model_provenance=model.provenance)
    return report


def calibrate(path: Path, embedder: Embedder, save_to: Path = fitted.MODEL_FILE) -> tuple[fitted.GoalModel, dict, Path]:
    """Fit on the tune split of `path` and save the model; test goals are never read for fitting."""
    rows = load_goals(path, "tune")
    goals = [r["goal"] for r in rows]
    labels = {name: np.array([bool(r[name]) for r in rows]) for name in TEXT_CRITERIA}
    model, cv = fitted.fit(goals, labels, embedder.encode(goals), embedder.model_id,
                           source=f"{Path(path).as_posix()} split=tune")
    # The held-out figures go into the provenance, as support.json keeps its own; they fit nothing.
    try:
        held_out = evaluate_goals(path, "test", embedder, model)
    except ValueError:  # a file without a test split
        held_out = None
    if held_out:
        model.provenance["held_out"] = {"split": "test", "goals": held_out["goals"],
                                        **{name: {k: f[k] for k in ("precision", "recall")}
                                           for name, f in held_out["criteria"].items()}}
    return model, cv, fitted.save(model, save_to)


def format_report(report: dict, show_errors: bool = True) -> str:
    lines = [f"Goal checker on {report['file']} split={report['split']} ({report['goals']} goals)", "",
             f"{'criterion':<12} {'precision':>9} {'recall':>7} {'accuracy':>9} {'met':>5}"]
    for name, f in report["criteria"].items():
        lines.append(f"{name:<12} {f['precision']:>9.3f} {f['recall']:>7.3f} {f['accuracy']:>9.3f} {f['labelled_met']:>5}")
    fitted_on = report.get("model_provenance", {}).get("fitted_on", "unknown")
    lines.append(f"\nModel fitted on: {fitted_on} ({report.get('model_provenance', {}).get('fitted', '?')})")
    if show_errors and report["errors"]:
        lines.append("\nWrong calls:")
        for e in report["errors"]:
            lines.append(f"  {e['criterion']:<11} labelled {'met' if e['label'] else 'missing':<7} {e['goal']}")
    return "\n".join(lines)
