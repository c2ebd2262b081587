"""Measure answer quality on a gold file: retrieval, the answer a person reads, follow-ups, refusals
and latency.

Gold format (one JSON object per line):
    {"id", "question", "history": [earlier user turns], "expected_topics", "expected_doc_ids",
     "out_of_scope": bool, "role": optional asker role, "split": "tune" | "test"}

The answer is judged apart from the ranking: which documents it cites, where its first line comes
from, and whether each line still means what it meant in its section (a pitfall shown under its
heading; no line that leans on text the answer left out).
"""

from __future__ import annotations

import json
import math
import re
import statistics
from collections import defaultdict
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from assistant.answer.compose import leans_on_context, points_away, section_kind
from assistant.models import Answer, Passage, Turn
from assistant.pipeline import Assistant
from assistant.roles import section_audience
from assistant.scope import FEATURES, fit_logistic
from assistant.text import clean_unit
from assistant.weights import Weights


class GoldCase(BaseModel):
    id: str
    question: str
    history: list[str] = Field(default_factory=list)
    expected_topics: list[str] = Field(default_factory=list)
    expected_doc_ids: list[str] = Field(default_factory=list)
    out_of_scope: bool = False
    role: str | None = None  # who the writer had in mind, where the set says
    # Section keys ("doc#anchor") a reader would accept as the answer, where a labeller chose them.
    expected_sections: list[str] = Field(default_factory=list)
    split: str = "test"


class AnswerChecks(BaseModel):
    """What a reader would catch in one answer."""

    cited_docs: list[str] = Field(default_factory=list)  # in citation order
    cited_topics: list[list[str]] = Field(default_factory=list)
    related_topics: list[list[str]] = Field(default_factory=list)  # of the related links under the answer
    lead_doc: str = ""
    lead_section: str = ""  # the section key of the first citation: where the answer opens
    cited_sections: list[str] = Field(default_factory=list)
    pitfalls_outside_heading: int = 0  # pitfall lines shown without their "Pitfalls..." heading
    dangling: int = 0  # lines that lean on text the answer left out
    other_audience: int = 0  # cited passages not written for the inferred asker
    problems: list[str] = Field(default_factory=list)


_HEADING_LINE = re.compile(r"^\*\*(.+?)\*\*(?: · \*.*\*)?$")
_SEGMENT = re.compile(r"(.+?)\s\[(\d+)\]")


def check_answer(answer: Answer, passages: dict[str, Passage]) -> AnswerChecks:
    """Read an answer line by line as its reader would, against the passages it cites."""
    by_number = {c.number: c for c in answer.citations}
    checks = AnswerChecks(cited_docs=answer.doc_ids,
                          cited_topics=[next(c.topics for c in answer.citations if c.doc_id == d) for d in answer.doc_ids],
                          related_topics=[r.topics for r in answer.related])
    cited = [passages[c.passage_id] for c in answer.citations if c.passage_id in passages]
    checks.cited_sections = list(dict.fromkeys(p.section_key for p in cited))
    checks.lead_section = checks.cited_sections[0] if checks.cited_sections else ""
    if answer.status != "answered" or answer.is_template:
        checks.lead_doc = answer.citations[0].doc_id if answer.citations else ""
        return checks
    heading = ""
    previous: tuple[str, int] | None = None  # passage id and unit position of the line before
    lines = [line.strip() for line in answer.text.splitlines()]
    for n, line in enumerate(lines):
        if not line:
            heading, previous = "", None
            continue
        match = _HEADING_LINE.match(line)
        if match:
            heading, previous = match.group(1), None
            continue
        for text, number in _SEGMENT.findall(line.removeprefix("- ")):
            citation = by_number.get(int(number))
            passage = passages.get(citation.passage_id) if citation else None
            if passage is None:
                checks.problems.append(f"cites [{number}], which is not among its sources")
                continue
            if not checks.lead_doc:
                checks.lead_doc = passage.doc_id
            position = next((i for i, u in enumerate(passage.sentences) if clean_unit(u) == text.strip()), -1)
            if section_kind(passage) == "pitfall" and heading != passage.section:
                checks.pitfalls_outside_heading += 1
                checks.problems.append(f"pitfall shown outside '{passage.section}': {text[:60]!r}")
            introduces_list = text.rstrip().endswith(":") and n + 1 < len(lines) and lines[n + 1].startswith("- ")
            if points_away(text) or (leans_on_context(text, line.startswith("- ")) and not introduces_list
                                     and previous != (passage.id, position - 1)):
                checks.dangling += 1
                checks.problems.append(f"leans on missing context: {text[:60]!r}")
            previous = (passage.id, position)
    for citation in answer.citations:
        passage = passages.get(citation.passage_id)
        if passage is not None and answer.role != "unknown" and answer.role not in section_audience(passage):
            checks.other_audience += 1
            checks.problems.append(f"cites '{passage.title} › {passage.section}', written for "
                                   f"{'/'.join(section_audience(passage))}, for a {answer.role}")
    return checks


class CaseResult(BaseModel):
    id: str
    question: str
    history: list[str]
    out_of_scope: bool
    expected_topics: list[str]
    expected_doc_ids: list[str]
    status: str
    confidence: float
    lead_match: float = 0.0  # Answer.lead_match: how well the section the answer opens with matches the question
    lead_margin: float | None = None  # Answer.lead_margin: how far ahead of the next section it was chosen
    signals: dict[str, float]
    docs: list[str]  # ranked documents retrieved
    doc_topics: list[list[str]]
    latency_ms: float
    role: str = "unknown"  # inferred
    expected_role: str | None = None
    expected_sections: list[str] = Field(default_factory=list)
    answer: AnswerChecks = Field(default_factory=AnswerChecks)
    text: str = ""
    sources: list[str] = Field(default_factory=list)

    @property
    def follow_up(self) -> bool:
        return bool(self.history)

    def topic_hit(self, k: int) -> bool:
        want = set(self.expected_topics)
        return any(want & set(t) for t in self.doc_topics[:k])

    def answer_topic_hit(self, k: int) -> bool:
        """An expected topic among the first k documents the answer cites."""
        want = set(self.expected_topics)
        return self.status == "answered" and any(want & set(t) for t in self.answer.cited_topics[:k])

    def shown_topic_hit(self, k: int) -> bool:
        """The right topic among the first k documents the reader is shown: quoted, then linked as related."""
        want = set(self.expected_topics)
        shown = [*self.answer.cited_topics, *self.answer.related_topics]
        return self.status == "answered" and any(want & set(t) for t in shown[:k])

    def section_hit(self) -> bool:
        """The answer opens with a section the labeller accepted as answering the question."""
        return self.status == "answered" and self.answer.lead_section in self.expected_sections

    def doc_hit(self, k: int) -> bool:
        return bool(set(self.expected_doc_ids) & set(self.docs[:k]))

    def recall(self, k: int) -> float:
        return len(set(self.expected_doc_ids) & set(self.docs[:k])) / len(self.expected_doc_ids)

    def reciprocal_rank(self, k: int = 10) -> float:
        for i, doc in enumerate(self.docs[:k], 1):
            if doc in self.expected_doc_ids:
                return 1.0 / i
        return 0.0

    def ndcg(self, k: int = 10) -> float:
        gains = [1.0 / math.log2(i + 1) for i, d in enumerate(self.docs[:k], 1) if d in self.expected_doc_ids]
        ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(k, len(self.expected_doc_ids)) + 1))
        return sum(gains) / ideal if ideal else 0.0


def load_gold(path: Path, split: str | None = None) -> list[GoldCase]:
    cases = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                cases.append(GoldCase.model_validate_json(line))
            except ValueError as exc:
                raise ValueError(f"{path}:{n}: not a valid gold case ({exc}); see evaluation/README format") from exc
    return [c for c in cases if split in (None, "all") or c.split == split]


def replay(bot: Assistant, user_turns: list[str]) -> list[Turn]:
    """The conversation as the chat would hold it: each earlier question with the answer it got and
    the documents that answer showed, so a follow-up is measured in the thread a person would see."""
    turns: list[Turn] = []
    for question in user_turns:
        answer = bot.ask(question, turns)
        turns.append(Turn(role="user", content=question))
        if answer.status != "invalid_input":
            turns.append(Turn(role="assistant", content=answer.text, sources=answer.doc_ids))
    return turns


def run_cases(bot: Assistant, cases: list[GoldCase]) -> list[CaseResult]:
    results = []
    by_id = bot.knowledge_topics()
    passages = {p.id: p for p in bot.index.passages}
    for case in cases:
        history = replay(bot, case.history)
        bot.clear_query_cache()  # every question pays for its own embedding, as a new user's would
        answer, found = bot.ask_with_retrieval(case.question, history)
        docs = found.doc_ranking() if found else []
        signals = {f: round(float(getattr(found.signals, f)), 4) for f in FEATURES} if found else {}
        results.append(CaseResult(
            id=case.id, question=case.question, history=case.history, out_of_scope=case.out_of_scope,
            expected_topics=case.expected_topics, expected_doc_ids=case.expected_doc_ids, status=answer.status,
            confidence=answer.confidence, lead_match=answer.lead_match, lead_margin=answer.lead_margin,
            signals=signals, docs=docs[:10],
            doc_topics=[by_id.get(d, []) for d in docs[:10]], latency_ms=answer.latency_ms,
            role=answer.role, expected_role=case.role, expected_sections=case.expected_sections, answer=check_answer(answer, passages), text=answer.text,
            sources=[f"[{c.number}] {c.title} › {c.section} ({c.doc_id})" for c in answer.citations]))
    return results


# The weights worth fitting, and the values tried: the rest were chosen before (docs/evaluation.md).
WEIGHT_GRID = {"intent_share": (0.0, 0.25, 0.5, 0.75), "other_audience": (0.5, 0.7, 0.85, 1.0)}


def fit_weights(bot: Assistant, cases: list[GoldCase], path: Path) -> tuple[Weights, list[dict]]:
    """Choose the fusion weights by the ranking's topic hit@1 on single questions and hit@3 on
    follow-ups, over WEIGHT_GRID, on these cases (use the tune split). Each question is embedded once;
    only the ranking is recomputed per candidate."""
    import itertools

    bot.query_cache_size = 100_000
    queries = [(case, bot.understand(case.question, replay(bot, case.history))) for case in cases if not case.out_of_scope]
    engine = bot.engine
    base = engine.data.weights
    table = []
    try:
        for values in itertools.product(*WEIGHT_GRID.values()):
            candidate = base.model_copy(update=dict(zip(WEIGHT_GRID, values)))
            engine.retriever.weights = candidate
            single, follow = [], []
            for case, query in queries:
                docs = bot.retrieve(query).doc_ranking()
                topics = [_doc_topics(engine.data, d) for d in docs[:3]]
                hit = lambda k: bool(set(case.expected_topics) & {t for ts in topics[:k] for t in ts})  # noqa: E731
                (follow if case.history else single).append(hit(3) if case.history else hit(1))
            table.append({**dict(zip(WEIGHT_GRID, values)), "topic_hit@1": round(statistics.fmean(single), 4),
                          "follow_up_hit@3": round(statistics.fmean(follow), 4) if follow else None})
    finally:
        engine.retriever.weights = base
    best = max(table, key=lambda row: (row["topic_hit@1"] + (row["follow_up_hit@3"] or 0.0), -abs(row["intent_share"] - 0.5)))
    import datetime as dt

    fitted = base.model_copy(update={**{k: best[k] for k in WEIGHT_GRID}, "provenance": {
        "fitted_on": f"{Path(path).as_posix()} split=tune ({len(queries)} in-scope cases)",
        "date": dt.date.today().isoformat(), "chosen_by": "ranking topic hit@1 (single) + follow-up hit@3",
        "fitted": list(WEIGHT_GRID), "grid": table}})
    return fitted, table


def _doc_topics(data, doc_id: str) -> list[str]:
    return next((p.topics for p in data.passages if p.doc_id == doc_id), [])


def _mean(values) -> float | None:
    values = list(values)
    return round(statistics.fmean(values), 4) if values else None


def _pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 2) if values else None


def metrics(results: list[CaseResult]) -> dict:
    ins = [r for r in results if not r.out_of_scope]
    single = [r for r in ins if not r.follow_up]
    follow = [r for r in ins if r.follow_up]
    with_docs = [r for r in ins if r.expected_doc_ids]
    oos = [r for r in results if r.out_of_scope]
    lat = [r.latency_ms for r in results]
    answered = [r for r in ins if r.status == "answered"]
    roles = [r for r in results if r.expected_role and r.expected_role != "unknown"]
    return {
        "cases": len(results), "in_scope": len(ins), "follow_ups": len(follow), "out_of_scope": len(oos),
        "topic_hit@1": _mean(r.topic_hit(1) for r in single),
        "topic_hit@3": _mean(r.topic_hit(3) for r in single),
        "doc_recall@5": _mean(r.recall(5) for r in with_docs),
        "doc_hit@3": _mean(r.doc_hit(3) for r in with_docs),
        "mrr@10": _mean(r.reciprocal_rank(10) for r in with_docs),
        "ndcg@10": _mean(r.ndcg(10) for r in with_docs),
        "follow_up_hit@3": _mean(r.topic_hit(3) for r in follow),
        "follow_up_doc_hit@3": _mean(r.doc_hit(3) for r in follow if r.expected_doc_ids),
        "answer_topic_hit@1": _mean(r.answer_topic_hit(1) for r in single),
        "answer_topic_hit@3": _mean(r.answer_topic_hit(3) for r in single),
        "follow_up_answer_hit@3": _mean(r.answer_topic_hit(3) for r in follow),
        "shown_topic_hit@3": _mean(r.shown_topic_hit(3) for r in single),
        "follow_up_shown_hit@3": _mean(r.shown_topic_hit(3) for r in follow),
        "answer_section_hit@1": _mean(r.section_hit() for r in single if r.expected_sections),
        "follow_up_section_hit@1": _mean(r.section_hit() for r in follow if r.expected_sections),
        "follow_ups_declined": sum(1 for r in follow if r.status != "answered"),
        "single_document_answers": _mean(len(r.answer.cited_topics) == 1 for r in ins if r.status == "answered"),
        "lead_from_top_doc": _mean(bool(r.docs) and r.answer.lead_doc == r.docs[0] for r in answered),
        "pitfalls_outside_heading": sum(r.answer.pitfalls_outside_heading for r in answered),
        "dangling_references": sum(r.answer.dangling for r in answered),
        "answers_citing_other_audience": _mean(r.answer.other_audience > 0 for r in answered),
        "role_accuracy": _mean(r.role == r.expected_role for r in roles),
        "role_wrong": _mean(r.role not in ("unknown", r.expected_role) for r in roles),
        "oos_refusal": _mean(r.status == "out_of_scope" for r in oos),
        "false_refusal": _mean(r.status == "out_of_scope" for r in ins),
        "latency_p50_ms": _pct(lat, 50), "latency_p95_ms": _pct(lat, 95),
    }


def per_topic(results: list[CaseResult]) -> dict[str, dict]:
    groups: dict[str, list[CaseResult]] = defaultdict(list)
    for r in results:
        if not r.out_of_scope and r.expected_topics:
            groups[r.expected_topics[0]].append(r)
    return {t: {"n": len(rs), "topic_hit@3": _mean(r.topic_hit(3) for r in rs),
                "doc_recall@5": _mean(r.recall(5) for r in rs if r.expected_doc_ids),
                "false_refusal": _mean(r.status == "out_of_scope" for r in rs)}
            for t, rs in sorted(groups.items())}


def misses(results: list[CaseResult]) -> list[dict]:
    out = []
    for r in results:
        if r.out_of_scope and r.status != "out_of_scope":
            why = "answered an out-of-scope question"
        elif not r.out_of_scope and r.status == "out_of_scope":
            why = "refused an in-scope question"
        elif not r.out_of_scope and not r.topic_hit(3):
            why = "wrong topic in top 3"
        elif not r.out_of_scope and r.expected_doc_ids and not r.doc_hit(5):
            why = "no expected document in top 5"
        elif not r.out_of_scope and not r.answer_topic_hit(3):
            why = "ranked right, but the answer cites no expected topic"
        elif r.expected_sections and not r.section_hit():
            why = f"opens with section {r.answer.lead_section}, not {' or '.join(r.expected_sections)}"
        elif r.answer.problems:
            why = "; ".join(r.answer.problems)
        else:
            continue
        out.append({"id": r.id, "why": why, "question": r.question, "history": r.history,
                    "expected": r.expected_doc_ids or r.expected_topics, "got": r.docs[:3], "status": r.status,
                    "confidence": r.confidence})
    return out


def calibrate(results: list[CaseResult]) -> dict:
    """Fit the scope model on these results (use the tune split), and show the threshold trade-off."""
    x = np.array([[r.signals[f] for f in FEATURES] for r in results if r.signals])
    y = np.array([0.0 if r.out_of_scope else 1.0 for r in results if r.signals])
    model = fit_logistic(x, y)
    from assistant.scope import ScopeSignals

    conf = np.array([model.confidence(ScopeSignals(**dict(zip(FEATURES, row)))) for row in x])
    table = []
    for threshold in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7):
        refused = conf < threshold
        table.append({"min_confidence": threshold,
                      "oos_refusal": round(float(refused[y == 0].mean()), 4) if (y == 0).any() else None,
                      "false_refusal": round(float(refused[y == 1].mean()), 4)})
    return {"weights": model.weights, "bias": model.bias, "thresholds": table, "cases": int(len(y))}


def format_report(report: dict) -> str:
    m = report["metrics"]
    lines = [f"Evaluation of {report['file']} (split: {report['split']}, retrieval: {report['mode']})", ""]
    rows = [("topic hit@1 (single turn)", "topic_hit@1", None), ("topic hit@3 (single turn)", "topic_hit@3", ">= 0.95"),
            ("doc recall@5", "doc_recall@5", ">= 0.85"), ("doc hit@3", "doc_hit@3", None), ("MRR@10", "mrr@10", None),
            ("nDCG@10", "ndcg@10", None), ("follow-up hit@3", "follow_up_hit@3", ">= 0.90"),
            ("follow-up doc hit@3", "follow_up_doc_hit@3", None), ("out-of-scope refusal", "oos_refusal", ">= 0.95"),
            ("false refusal", "false_refusal", "<= 0.02"),
            ("answer topic hit@1", "answer_topic_hit@1", ">= 0.88"),
            ("answer topic hit@3", "answer_topic_hit@3", ">= 0.95"),
            ("shown topic hit@3 (quoted + related)", "shown_topic_hit@3", None),
            ("follow-up shown hit@3", "follow_up_shown_hit@3", None),
            ("answer section hit@1 (labelled)", "answer_section_hit@1", None),
            ("follow-up section hit@1", "follow_up_section_hit@1", None),
            ("answers from one document", "single_document_answers", None),
            ("in-scope follow-ups declined", "follow_ups_declined", "0"),
            ("follow-up answer hit@3", "follow_up_answer_hit@3", ">= 0.95"),
            ("lead from top document", "lead_from_top_doc", None),
            ("pitfalls outside heading", "pitfalls_outside_heading", "0"),
            ("dangling references", "dangling_references", "0"),
            ("answers citing other side", "answers_citing_other_audience", None),
            ("role inferred right", "role_accuracy", None),
            ("role inferred wrong", "role_wrong", None),
            ("latency p50 (ms)", "latency_p50_ms", None),
            ("latency p95 (ms)", "latency_p95_ms", None)]
    lines.append(f"{'metric':<28}{'value':>10}  target")
    for label, key, target in rows:
        value = m.get(key)
        shown = ("-" if value is None else f"{value:.1f}" if "latency" in key else str(value)
                 if isinstance(value, int) else f"{value:.3f}")
        lines.append(f"{label:<28}{shown:>10}  {target or ''}")
    lines.append(f"\ncases: {m['cases']} ({m['in_scope']} in scope, of which {m['follow_ups']} follow-ups; "
                 f"{m['out_of_scope']} out of scope)")
    lines.append(f"\n{'topic':<28}{'n':>4}{'hit@3':>8}{'recall@5':>10}{'false ref.':>11}")
    for topic, row in report["per_topic"].items():
        def f(v):
            return "-" if v is None else f"{v:.2f}"
        lines.append(f"{topic:<28}{row['n']:>4}{f(row['topic_hit@3']):>8}{f(row['doc_recall@5']):>10}"
                     f"{f(row['false_refusal']):>11}")
    if report["misses"]:
        lines.append(f"\nMisses ({len(report['misses'])}):")
        for miss in report["misses"]:
            context = f" (after: {' / '.join(miss['history'])})" if miss["history"] else ""
            lines.append(f"  {miss['id']} {miss['why']}: {miss['question']!r}{context}\n"
                         f"      expected {miss['expected']}, got {miss['got']} [{miss['status']}, "
                         f"confidence {miss['confidence']:.2f}]")
    if "calibration" in report:
        c = report["calibration"]
        lines.append(f"\nCalibrated scope model: weights {c['weights']}, bias {c['bias']}")
        for row in c["thresholds"]:
            lines.append(f"  min_confidence {row['min_confidence']:.1f}: oos refusal {row['oos_refusal']}, "
                         f"false refusal {row['false_refusal']}")
    return "\n".join(lines)


def evaluate(bot: Assistant, path: Path, split: str | None = None, calibrate_scope: bool = False) -> dict:
    cases = load_gold(path, split)
    if not cases:
        raise ValueError(f"{path} has no cases for split {split!r}; use --split tune, test or all")
    results = run_cases(bot, cases)
    report = {"file": str(path), "split": split or "all", "mode": bot.settings.retrieval,
              "metrics": metrics(results), "per_topic": per_topic(results), "misses": misses(results),
              "results": [r.model_dump() for r in results]}
    if calibrate_scope:
        report["calibration"] = calibrate(results)
    return report


def write_answers(report: dict, out: Path) -> None:
    """Every question with its answer and sources, for a reader to review (and diff): Markdown, or, for
    a `.jsonl` file, one line per answer in the reader's rubric format (../shared/reader-rubric.md):
    id, history, question, out_of_scope, status, answer, sources. Nothing the reader should not see
    (expected topics, checks) is in the JSONL."""
    if Path(out).suffix == ".jsonl":
        rows = [{"id": r["id"], "history": r["history"], "question": r["question"], "out_of_scope": r["out_of_scope"],
                 "status": r["status"], "answer": r["text"],
                 "sources": [re.sub(r" \([^()]*\)$", "", s) for s in r["sources"]]} for r in report["results"]]
        Path(out).write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
        return
    lines = [f"# Answers to {report['file']} (split: {report['split']})", "",
             "Written by `mentor eval ... --answers`. Each case: the question (and earlier turns), the role "
             "Mentor inferred, the answer exactly as shown, its sources, and any problem the automatic "
             "checks found.", ""]
    for r in report["results"]:
        expected = "out of scope" if r["out_of_scope"] else ", ".join(r["expected_topics"])
        lines.append(f"## {r['id']}: {r['question']}")
        for turn in r["history"]:
            lines.append(f"> earlier: {turn}")
        lines.append(f"*Expected: {expected}. Status: {r['status']}, role: {r['role']}"
                     f"{' (set says ' + r['expected_role'] + ')' if r.get('expected_role') else ''}.*")
        lines.append("")
        lines.extend(f"    {line}" if line else "" for line in r["text"].splitlines())
        lines.append("")
        lines.extend(f"- {source}" for source in r["sources"])
        lines.extend(f"- **Check:** {problem}" for problem in r["answer"]["problems"])
        lines.append("")
    Path(out).write_text("\n".join(lines), encoding="utf-8")


def write_json(report: dict, out: Path) -> None:
    Path(out).write_text(json.dumps(report, indent=2), encoding="utf-8")


# -- the citation check (assistant/support.py) on evaluation/support.jsonl -----------------------------

WRITTEN_WEIGHT = 3.0  # hand-written pairs count more when fitting: they read like generated sentences


def load_support(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def _support_features(rows: list[dict], embedder) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from assistant.support import pair_features, rule_out, unit_blocks

    sources = [[u for _, block in unit_blocks(r["passage"]) for u in block] for r in rows]
    cos, lex = pair_features([r["sentence"] for r in rows], sources, embedder)
    ruled_out = np.array([bool(rule_out(r["sentence"], r["passage"])) for r in rows])
    return cos, lex, ruled_out


def _precision_recall(pred: np.ndarray, truth: np.ndarray, weight: np.ndarray | None = None) -> tuple[float, float]:
    weight = np.ones(len(pred)) if weight is None else weight
    tp = float(weight[pred & truth].sum())
    fp = float(weight[pred & ~truth].sum())
    fn = float(weight[~pred & truth].sum())
    return tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn) if tp + fn else 0.0


def fit_support(cos, lex, ruled_out, truth, weight) -> tuple[float, float]:
    """The weight of cosine against overlap, and the threshold, with the best F0.5 (precision counts
    double: a kept unsupported sentence is worse than a removed supported one)."""
    best = (-1.0, 0.5, 0.5)
    for w in np.round(np.arange(0.0, 1.0001, 0.05), 2):
        score = w * cos + (1 - w) * lex
        for t in np.round(np.arange(0.30, 0.951, 0.01), 2):
            p, r = _precision_recall((score >= t) & ~ruled_out, truth, weight)
            f = 1.25 * p * r / (0.25 * p + r) if p + r else 0.0
            if f > best[0]:
                best = (f, float(w), float(t))
    return best[1], best[2]


def support_report(path: Path, embedder, fit: bool = False, out: Path | None = None) -> dict:
    """Precision and recall of the citation check on the held-out pairs of a support file; with `fit`,
    first refit the weight and threshold on its calibrate pairs and save them (with provenance) to `out`."""
    import datetime as dt

    from assistant.support import CALIBRATION_FILE, calibration

    rows = load_support(path)
    cos, lex, ruled_out = _support_features(rows, embedder)
    truth = np.array([bool(r["supported"]) for r in rows])
    held = np.array([r["split"] == "held-out" for r in rows])
    weight = np.array([WRITTEN_WEIGHT if r.get("source") == "written" else 1.0 for r in rows])
    if fit:
        w, t = fit_support(cos[~held], lex[~held], ruled_out[~held], truth[~held], weight[~held])
    else:
        cal = calibration()
        w, t = cal.weight_cosine, cal.threshold
    pred = ((w * cos + (1 - w) * lex) >= t) & ~ruled_out

    def figures(mask) -> dict:
        p, r = _precision_recall(pred[mask], truth[mask])
        return {"pairs": int(mask.sum()), "precision": round(p, 3), "recall": round(r, 3)}

    kinds = sorted({r["kind"] for r in rows})
    report = {
        "file": str(path), "weight_cosine": w, "threshold": t,
        "calibrate": figures(~held), "held_out": figures(held),
        "held_out_written": figures(held & np.array([r.get("source") == "written" for r in rows])),
        "held_out_by_kind": {k: {"pairs": int((m := held & np.array([r["kind"] == k for r in rows])).sum()),
                                 "correct": round(float((pred == truth)[m].mean()), 3) if m.any() else None}
                             for k in kinds},
    }
    if fit:
        target = Path(out or CALIBRATION_FILE)
        target.write_text(json.dumps({
            "weight_cosine": w, "threshold": t,
            "provenance": {"fitted_on": f"{Path(path).as_posix()} split=calibrate ({int((~held).sum())} pairs, "
                                        f"hand-written pairs weighted x{WRITTEN_WEIGHT:g})",
                           "objective": "F0.5 after the number, party, time-unit and absolute-word rules",
                           "command": f"mentor eval-support {Path(path).as_posix()} --fit",
                           "fitted": dt.date.today().isoformat()},
            "held_out": report["held_out"], "held_out_written": report["held_out_written"],
        }, indent=2) + "\n", encoding="utf-8")
        calibration.cache_clear()
        report["saved"] = str(target)
    return report


def format_support_report(report: dict) -> str:
    lines = [f"Citation check on {report['file']}: score = {report['weight_cosine']:.2f} x cosine + "
             f"{1 - report['weight_cosine']:.2f} x overlap, kept at >= {report['threshold']:.2f}", "",
             f"{'pairs':<22}{'n':>5}{'precision':>11}{'recall':>8}"]
    for name, key in (("calibrate", "calibrate"), ("held-out", "held_out"), ("held-out, written", "held_out_written")):
        f = report[key]
        lines.append(f"{name:<22}{f['pairs']:>5}{f['precision']:>11.3f}{f['recall']:>8.3f}")
    lines += ["", "held-out pairs judged correctly, by kind:"]
    for kind, f in report["held_out_by_kind"].items():
        lines.append(f"  {kind:<12}{f['pairs']:>5}  {f['correct']:.3f}")
    if report.get("saved"):
        lines.append(f"\nSaved the fitted weight and threshold to {report['saved']}")
    return "\n".join(lines)


# -- generated answers (mentor eval FILE --llm) -------------------------------------------------------

def _given_units(answer: Answer) -> list:
    """The units an extractive answer quotes, numbered as cited: what the generator is given."""
    from assistant.answer.compose import SelectedUnit

    return [SelectedUnit(c.number, h, c.section, c.doc_id, -1, i, "sentence")
            for c in answer.citations for i, h in enumerate(c.highlights)]


def _citation_precision(text: str, units: list, embedder) -> tuple[int, int]:
    """(citations that support their sentence on their own, citations), ALCE-style: every [n] of every
    sentence is judged alone against unit n."""
    from assistant.support import check_answer, citations_of, claim_of, split_generated

    good = total = 0
    by_number = {u.number for u in units}
    for sentence in split_generated(text):
        for n in dict.fromkeys(citations_of(sentence)):
            total += 1
            if n in by_number:
                alone = [u for u in units if u.number == n]
                good += check_answer(f"{claim_of(sentence)} [{n}].", alone, embedder).removed == 0
    return good, total


def evaluate_llm(settings, embedder, path: Path, split: str | None = None, limit: int | None = None) -> dict:
    """Generated answers over a gold file's in-scope questions, against MENTOR_LLM_URL: share of
    generated sentences kept by the check, fallback rate, citation precision before and after the
    check, and latency (p50/p95, total and to the first streamed text)."""
    import time as _time

    from assistant.support import check_answer

    if not settings.llm_url:
        raise ValueError("--llm needs MENTOR_LLM_URL: the OpenAI-compatible endpoint to measure (see docs/llm.md)")
    plain = Assistant(settings.model_copy(update={"llm_url": None}), embedder=embedder).load()
    llm = Assistant(settings, embedder=embedder).load()
    cases = [c for c in load_gold(path, split) if not c.out_of_scope][:limit]
    rows = []
    for case in cases:
        extractive = plain.ask(case.question, case.history)
        if extractive.status != "answered" or extractive.is_template:
            continue
        started, first, raw = _time.perf_counter(), None, []
        for item in llm.stream(case.question, case.history):
            if isinstance(item, str):
                first = first if first is not None else _time.perf_counter() - started
                raw.append(item)
            else:
                answer = item
        total_s = _time.perf_counter() - started
        units = _given_units(extractive)
        text = "".join(raw)
        checked = check_answer(text, units, embedder) if text.strip() else None
        before = _citation_precision(text, units, embedder) if text.strip() else (0, 0)
        after = _citation_precision(answer.text, units, embedder) if answer.mode == "generated" else (0, 0)
        rows.append({"id": case.id, "mode": answer.mode, "note": answer.note,
                     "sentences": checked.total if checked else 0, "kept": checked.total - checked.removed if checked else 0,
                     "reasons": [s.reason for s in checked.sentences if not s.kept] if checked else [],
                     "cite_before": before, "cite_after": after, "first_token_ms": round(first * 1000, 1) if first else None,
                     "latency_ms": round(total_s * 1000, 1), "raw": text, "shown": answer.text})
    sentences = sum(r["sentences"] for r in rows)
    reasons: dict[str, int] = defaultdict(int)
    for r in rows:
        for reason in r["reasons"]:
            reasons["cites a unit not given" if reason.startswith("cites") else reason] += 1
    ttft = [r["first_token_ms"] for r in rows if r["first_token_ms"] is not None]
    lat = [r["latency_ms"] for r in rows]

    def share(a, b):
        return round(a / b, 3) if b else None

    return {"file": str(path), "split": split or "all", "endpoint": settings.llm_url, "model": settings.llm_model,
            "questions": len(rows),
            "generated": sum(r["mode"] == "generated" for r in rows),
            "fallback_rate": share(sum(r["mode"] == "fallback" for r in rows), len(rows)),
            "fallback_reasons": dict(sorted({n: sum(r["note"] == n for r in rows if r["mode"] == "fallback")
                                             for n in {r["note"] for r in rows}}.items())) if rows else {},
            "sentences": sentences, "kept_share": share(sum(r["kept"] for r in rows), sentences),
            "removed_by_reason": dict(reasons),
            "citation_precision_before": share(sum(r["cite_before"][0] for r in rows), sum(r["cite_before"][1] for r in rows)),
            "citation_precision_shown": share(sum(r["cite_after"][0] for r in rows), sum(r["cite_after"][1] for r in rows)),
            "ttft_p50_ms": _pct(ttft, 50), "ttft_p95_ms": _pct(ttft, 95),
            "latency_p50_ms": _pct(lat, 50), "latency_p95_ms": _pct(lat, 95), "rows": rows}


def format_llm_report(report: dict) -> str:
    lines = [f"\nGenerated answers: {report['file']} (split {report['split']}), {report['questions']} answered "
             f"questions, endpoint {report['endpoint']} model {report['model']}",
             f"  generated sentences kept by the check  {report['kept_share']}  ({report['sentences']} sentences)",
             f"  removed, by reason                      {report['removed_by_reason']}",
             f"  fallback rate                           {report['fallback_rate']}  "
             f"({report['questions'] - report['generated']} of {report['questions']})",
             f"  citation precision, as generated        {report['citation_precision_before']}",
             f"  citation precision, as shown            {report['citation_precision_shown']}",
             f"  time to first token p50 / p95 (ms)      {report['ttft_p50_ms']} / {report['ttft_p95_ms']}",
             f"  latency p50 / p95 (ms)                  {report['latency_p50_ms']} / {report['latency_p95_ms']}"]
    return "\n".join(lines)


def rating_shares(answers_path: Path, ratings_path: Path) -> dict:
    """The reader's shares (../shared/reader-rubric.md) from a file of answers (`--answers X.jsonl`) and
    the ratings a reader who saw neither the code nor the guidance gave them."""
    answers = {row["id"]: row for row in map(json.loads, Path(answers_path).read_text(encoding="utf-8").splitlines()) if row}
    ratings = [json.loads(line) for line in Path(ratings_path).read_text(encoding="utf-8").splitlines() if line.strip()]
    missing = [r["id"] for r in ratings if r["id"] not in answers]
    if missing:
        raise ValueError(f"{ratings_path} rates {len(missing)} answer(s) not in {answers_path}, e.g. {missing[0]!r}; "
                         "rate the answers file that was dumped")
    groups: dict[str, list[int]] = {"single": [], "follow-up": [], "out of scope": []}
    flags = {"misleading": 0, "fragmented": 0, "offtopic_block": 0}
    answered = 0
    for r in ratings:
        a = answers[r["id"]]
        groups["out of scope" if a["out_of_scope"] else "follow-up" if a["history"] else "single"].append(int(r["score"]))
        if not a["out_of_scope"] and a["status"] == "answered":
            answered += 1
            for name in flags:
                flags[name] += bool(r.get(name))
    return {"groups": {g: {"n": len(s), **{str(k): round(s.count(k) / len(s), 3) if s else None for k in (2, 1, 0)}}
                       for g, s in groups.items()},
            "answered_in_scope": answered,
            "flags": {name: round(v / answered, 3) if answered else None for name, v in flags.items()}}


def format_shares(shares: dict) -> str:
    lines = [f"{'':<14}{'n':>5}{'2 helpful':>11}{'1 partly':>10}{'0':>7}"]
    for group, row in shares["groups"].items():
        lines.append(f"{group:<14}{row['n']:>5}" + "".join(f"{row[k]:>{w}.0%}" if row[k] is not None else f"{'-':>{w}}"
                                                            for k, w in (("2", 11), ("1", 10), ("0", 7))))
    flags = ", ".join(f"{name} {value:.0%}" for name, value in shares["flags"].items() if value is not None)
    lines.append(f"\nover the {shares['answered_in_scope']} answered in-scope lines: {flags}")
    return "\n".join(lines)


# -- the lead-match threshold for doubtful answers (assistant/staff/lead-match.json) ---------------------

LEAD_MATCH_GRID = tuple(round(0.30 + 0.01 * k, 2) for k in range(61))  # thresholds tried, 0.30 ... 0.90
MISS_PRECISION = 0.6  # of the answers listed for a low lead match, at least this share must open in the wrong section


def lead_match_cases(results: list[CaseResult], signal: str = "lead_match") -> list[tuple[float, bool]]:
    """(lead match, opened with a section the labeller did not accept) of each answered case with
    labelled sections: what a lead-match threshold is fitted and measured on. `signal` "lead_margin"
    gives the margin instead (cases without one left out), to compare the two."""
    return [(getattr(r, signal), not r.section_hit()) for r in results
            if r.status == "answered" and r.expected_sections and getattr(r, signal) is not None]


def separation(cases: list[tuple[float, bool]]) -> float | None:
    """The chance that a wrongly-opened answer has a lower value than a rightly-opened one (ROC AUC):
    0.5 is no better than chance, whatever threshold is chosen."""
    low = [v for v, miss in cases if miss]
    high = [v for v, miss in cases if not miss]
    if not low or not high:
        return None
    return round(statistics.fmean((a < b) + 0.5 * (a == b) for a in low for b in high), 3)


def lead_match_figures(cases: list[tuple[float, bool]], below: float) -> dict:
    """How well `lead match < below` picks out the answers that open in the wrong section."""
    flagged = [miss for match, miss in cases if match < below]
    misses = sum(miss for _, miss in cases)
    caught = sum(flagged)
    precision = caught / len(flagged) if flagged else 0.0
    recall = caught / misses if misses else 0.0
    return {"below": below, "answers": len(cases), "misses": misses, "listed": len(flagged),
            "precision": round(precision, 3), "recall": round(recall, 3),
            "f1": round(2 * precision * recall / (precision + recall), 3) if precision + recall else 0.0}


def fit_lead_match(cases: list[tuple[float, bool]]) -> tuple[float, list[dict]]:
    """The threshold that lists the most wrongly-opened answers while at least MISS_PRECISION of those it
    lists are wrong: the largest of LEAD_MATCH_GRID meeting that precision. Not the best F1: when about
    half the answers open in a section the labeller did not choose, F1 rewards listing nearly every
    answer, and a list of everything shows staff nothing. Returns the threshold and the grid's figures."""
    table = [lead_match_figures(cases, t) for t in LEAD_MATCH_GRID]
    meeting = [row for row in table if row["listed"] and row["precision"] >= MISS_PRECISION]
    if not meeting:
        raise ValueError(f"no lead-match threshold lists answers with precision >= {MISS_PRECISION} on these "
                         f"{len(cases)} answers; keep the saved one")
    return max(meeting, key=lambda row: row["below"])["below"], table


def save_lead_match(below: float, table: list[dict], path: Path, separation: dict | None = None,
                    out: Path | None = None) -> Path:
    """Save a fitted lead-match threshold with its provenance (the shipped file by default)."""
    import datetime as dt

    from assistant.staff.insights import LEAD_MATCH_FILE, lead_match_threshold

    chosen = next(row for row in table if row["below"] == below)
    target = Path(out or LEAD_MATCH_FILE)
    target.write_text(json.dumps({
        "below": below,
        "provenance": {
            "fitted_on": f"{Path(path).as_posix()} split=tune ({chosen['answers']} answered cases with "
                         f"expected_sections, {chosen['misses']} opening in a section not among them)",
            "objective": f"the largest threshold whose precision for wrongly-opened answers is >= {MISS_PRECISION}",
            "command": f"mentor eval {Path(path).as_posix()} --split tune --fit-lead-match",
            "fitted": dt.date.today().isoformat(),
            "tune": chosen,
            "separation_auc": separation or {},
            "grid": [{k: row[k] for k in ("below", "listed", "precision", "recall", "f1")} for row in table],
        },
    }, indent=2) + "\n", encoding="utf-8")
    lead_match_threshold.cache_clear()
    return target


def format_lead_match(figures: list[dict]) -> str:
    lines = [f"{'below':>6}{'listed':>8}{'of':>5}{'precision':>11}{'recall':>8}{'f1':>7}"]
    lines += [f"{f['below']:>6.2f}{f['listed']:>8}{f['answers']:>5}{f['precision']:>11.3f}{f['recall']:>8.3f}{f['f1']:>7.3f}"
              for f in figures]
    return "\n".join(lines)
