"""Redaction recall and over-redaction on a corpus of sentences: `mentor eval-redaction FILE`.

Each line of the corpus is {"text": ..., "spans": [{"text": ..., "type": "name"}, ...]}; a line with
no spans is an ordinary question that should come back unchanged. Optional fields: "split" (tune or
test; --split picks one) and "withhold" (true: the question names a person with a health condition,
and should be stored as withheld). A withheld line masks all its spans; a withheld line with no
spans counts as over-redacted.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from assistant.redact import Redactor


@dataclass
class RedactionReport:
    spans: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    masked: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    typed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    normal: int = 0
    changed: int = 0
    load_s: float = 0.0
    per_text_ms: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)  # personal data left in, and normal text changed
    withhold_expected: int = 0
    withhold_right: int = 0  # of those, withheld
    withhold_wrong: int = 0  # withheld though the line did not ask for it
    lines_seen: int = 0

    @staticmethod
    def share(part: int, whole: int) -> float:
        return part / whole if whole else 0.0

    @property
    def recall(self) -> float:
        return self.share(sum(self.masked.values()), sum(self.spans.values()))

    @property
    def typed_recall(self) -> float:
        return self.share(sum(self.typed.values()), sum(self.spans.values()))

    @property
    def over_redaction(self) -> float:
        return self.share(self.changed, self.normal)

    def lines(self) -> list[str]:
        out = [f"{'category':<12} {'spans':>5} {'masked':>7} {'recall':>7} {'typed':>7}"]
        for kind in sorted(self.spans):
            n = self.spans[kind]
            out.append(f"{kind:<12} {n:>5} {self.masked[kind]:>7} {self.share(self.masked[kind], n):>7.3f} "
                       f"{self.share(self.typed[kind], n):>7.3f}")
        total = sum(self.spans.values())
        out.append(f"{'overall':<12} {total:>5} {sum(self.masked.values()):>7} {self.recall:>7.3f} {self.typed_recall:>7.3f}")
        out.append(f"over-redaction: {self.changed}/{self.normal} normal questions changed = {self.over_redaction:.3f}")
        if self.withhold_expected or self.withhold_wrong:
            out.append(f"withheld: {self.withhold_right}/{self.withhold_expected} questions naming a person with a "
                       f"health condition; {self.withhold_wrong} other questions withheld")
        times = sorted(self.per_text_ms)
        if times:
            p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
            out.append(f"load {self.load_s:.2f} s (Presidio + spaCy, once per process); per text "
                       f"median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms")
        return out


def evaluate_redaction(path: Path, redactor: Redactor | None = None, split: str = "all") -> RedactionReport:
    """Run every corpus line through the redactor. A span counts as masked when every character of it
    (bar spaces) falls inside a masked span, and as typed when that mask has the expected type."""
    redactor = redactor or Redactor()
    report = RedactionReport()
    started = time.perf_counter()
    redactor.analyzer  # noqa: B018 - load now, so the load is timed apart from the texts
    report.load_s = time.perf_counter() - started
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        case = json.loads(line)
        if split != "all" and case.get("split", split) != split:
            continue
        report.lines_seen += 1
        text = case["text"]
        started = time.perf_counter()
        found, withheld = redactor.examine(text)
        report.per_text_ms.append((time.perf_counter() - started) * 1000)
        expected = bool(case.get("withhold"))
        report.withhold_expected += expected
        report.withhold_right += expected and withheld
        if withheld and not expected:
            report.withhold_wrong += 1
        if expected and not withheld:
            report.misses.append(f"line {number}: not withheld: {redactor.redact(text, found)}")
        if withheld:
            found = [(0, len(text), span["type"]) for span in case["spans"]] or [(0, len(text), "withheld")]
        if not case["spans"]:
            report.normal += 1
            if found:
                report.changed += 1
                shown = "withheld" if withheld else redactor.redact(text, found)
                report.misses.append(f"line {number}: over-redacted: {text if withheld else ''} -> {shown}")
            continue
        for span in case["spans"]:
            kind, start = span["type"], text.find(span["text"])
            if start < 0:
                raise ValueError(f"{path}:{number}: span {span['text']!r} is not in the text")
            chars = [i for i in range(start, start + len(span["text"])) if not text[i].isspace()]
            covering = [(s, e, t) for s, e, t in found if s < start + len(span["text"]) and e > start]
            masked = all(any(s <= i < e for s, e, _ in covering) for i in chars)
            typed = all(any(s <= i < e and t == kind for s, e, t in covering) for i in chars)
            report.spans[kind] += 1
            report.masked[kind] += masked
            report.typed[kind] += typed
            if not typed and not withheld:
                report.misses.append(f"line {number}: {kind} {'mistyped' if masked else 'kept'}: "
                                     f"{span['text']!r} -> {redactor.redact(text, found)}")
    if not report.lines_seen:
        raise ValueError(f"{path} has no line in split '{split}'; use --split tune, test or all")
    return report
