"""The citation check: every generated sentence must cite a unit it was given and be supported by it.

A sentence is kept only when
- it cites at least one number, and every number it cites was given to the generator;
- every number it states (digits or number words) appears in the units it was given;
- every unit of time it states (day, week, month...) appears in the units it cites, so "a week or two"
  cannot stand for "a day or two";
- every party it names (mentor, mentee, sponsor, manager) is named by the units it cites;
- every absolute word it uses (always, never, every, all, only, must...) is in the units it cites, so
  "take on some of that mentoring" cannot become "take on all of it";
- its support score reaches the calibrated threshold. The score mixes MiniLM cosine to the cited
  units (the best one) with the share of the sentence's content words found in them.
When more than a third of the sentences are removed, the answer falls back to the extractive one.

The weight and threshold are fitted on the calibrate part of evaluation/support.jsonl by
`mentor eval-support evaluation/support.jsonl --fit` and saved in assistant/support.json with their
provenance and held-out figures.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant.text import lexical_tokens, split_sentences

CALIBRATION_FILE = Path(__file__).resolve().parent / "support.json"
MAX_REMOVED_SHARE = 1 / 3  # more than this removed: show the extractive answer instead

_MARKERS = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_MARKERS_AFTER_STOP = re.compile(r"([.!?])((?:[ \t]*\[\d+(?:\s*,\s*\d+)*\])+)")  # on the same line
_LEADING_MARKERS = re.compile(r"^\s*((?:\[\d+(?:\s*,\s*\d+)*\]\s*)+)(\S.*?)\s*$")
_ECHOED_HEADING = re.compile(r'^\s*\(under "[^"]*"\)\s*', re.I)  # the guidance block's own format, echoed
_BLOCK_TAG = re.compile(r"^\s*</?\s*(?:guidance|unit|conversation|turn|question)\b[^>]*>\s*$", re.I)
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+", re.M)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
_NUMBER_WORDS.update({"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "ninety": "90",
                      "hundred": "100", "once": "1", "twice": "2", "half": "50", "dozen": "12"})
_PARTY = re.compile(r"\b(mentors?|mentees?|sponsors?|managers?)\b", re.I)
_NUMBER_WORDS.update({w: str(i + 2) for i, w in enumerate(  # ordinals; "first" is left out: it is mostly not a count
    "second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split())})
_NUMBER_WORD = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b", re.I)
_TIME_UNIT = re.compile(r"\b(minute|hour|day|week|fortnight|month|quarter|year|decade)s?\b", re.I)
_ABSOLUTE = re.compile(r"\b(always|never|every|all|only|must|none|nobody|everyone|everybody|everything|"
                       r"guarantee[sd]?|whole)\b", re.I)
_NEGATED = re.compile(r"\b(?:not|no|never|avoid|without|nobody|none)\b|n't\b", re.I)
_OBLIGED = re.compile(r"\b(?:never|must|always|should)\b", re.I)


@dataclass(frozen=True)
class Calibration:
    weight_cosine: float  # score = w * cosine + (1 - w) * overlap
    threshold: float


@lru_cache(maxsize=1)
def calibration(path: Path = CALIBRATION_FILE) -> Calibration:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return Calibration(float(data["weight_cosine"]), float(data["threshold"]))


@dataclass
class CheckedSentence:
    text: str  # as written, with its markers
    cites: list[int]
    kept: bool
    reason: str = ""  # why it was removed: "repeated", "no citation", "cites [n], not given", "number", "party",
    # "absolute", "unsupported"
    score: float = 0.0


@dataclass
class Checked:
    sentences: list[CheckedSentence] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.sentences)

    @property
    def removed(self) -> int:
        return sum(not s.kept for s in self.sentences)

    @property
    def falls_back(self) -> bool:
        return not self.total or self.removed == self.total or self.removed / self.total > MAX_REMOVED_SHARE

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences if s.kept)

    @property
    def cited_numbers(self) -> set[int]:
        return {n for s in self.sentences if s.kept for n in s.cites}


def _leading_markers_last(line: str) -> str:
    """ "[2] Keep it short. More." -> "Keep it short [2]. More.": small models often write the number
    first, as the guidance lists it; a marker that opens a line belongs to the sentence it opens."""
    found = _LEADING_MARKERS.match(line)
    if not found or _MARKERS.fullmatch(line.strip(" .")):
        return line
    first = split_sentences(found.group(2))
    head = first[0].rstrip() if first else found.group(2)
    stop = head[-1] if head[-1:] in ".!?" else ""
    rest = found.group(2)[len(first[0]):] if first else ""
    return f"{head[:len(head) - len(stop)].rstrip()} {found.group(1).strip()}{stop or '.'}{rest}"


def split_generated(text: str) -> list[str]:
    """Sentences of a generated answer, each with the markers written after it ("... it. [1]") or opening
    its line ("[1] ..."). A line holding only a data-block tag the model echoed (<guidance>) is no sentence."""
    text = _BULLET.sub("", text)
    text = "\n".join(_leading_markers_last(line) for line in text.splitlines() if not _BLOCK_TAG.match(line))
    text = _MARKERS_AFTER_STOP.sub(lambda m: f" {m.group(2).strip()}{m.group(1)}", text)
    sentences: list[str] = []
    for line in text.splitlines():
        for sentence in split_sentences(line):
            if _MARKERS.fullmatch(sentence.strip(" .")) and sentences:
                sentences[-1] += f" {sentence.strip()}"  # a stray marker belongs to the sentence before it
            elif sentence.strip():
                sentences.append(_ECHOED_HEADING.sub("", sentence.strip()))
    return sentences


def citations_of(sentence: str) -> list[int]:
    return [int(n) for group in _MARKERS.findall(sentence) for n in group.split(",")]


def claim_of(sentence: str) -> str:
    """The sentence without its markers."""
    return " ".join(_MARKERS.sub(" ", sentence).split())


def numbers_in(text: str) -> set[str]:
    text = _NUMBER_WORD.sub(lambda m: _NUMBER_WORDS[m.group(1).lower()], text)
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def parties_in(text: str) -> set[str]:
    """The parties a text names (mentor, mentee, sponsor, manager)."""
    return {w.lower().rstrip("s") for w in _PARTY.findall(text)}


def time_units_in(text: str) -> set[str]:
    """The units of time a text names ("two weeks" -> {"week"})."""
    return {w.lower() for w in _TIME_UNIT.findall(text)}


def absolutes_in(claim: str, source: str) -> set[str]:
    """Absolute words of the claim (always, never, every, only...) its source does not use. "never" is
    the source's own when it already says not/avoid/without; "must" when it says never/should."""
    words = {w.lower() for w in _ABSOLUTE.findall(claim)} - {w.lower() for w in _ABSOLUTE.findall(source)}
    if "never" in words and _NEGATED.search(source.replace("\u2019", "'")):
        words.discard("never")
    if "must" in words and _OBLIGED.search(source):
        words.discard("must")
    return words


def rule_out(claim: str, source: str, given_numbers: set[str] | None = None) -> str:
    """Why a claim cannot be supported by `source` whatever its score, or "": it states a number the
    given units do not, or a unit of time its source does not; it names a party (mentor, mentee...)
    its source does not mention; or it makes the advice absolute (always, every, only...) where its
    source does not. Meaning vectors barely move for any of these, so they are rules, not scores."""
    if numbers_in(claim) - (numbers_in(source) if given_numbers is None else given_numbers):
        return "number"
    if time_units_in(claim) - time_units_in(source):
        return "number"
    if parties_in(claim) - parties_in(source):
        return "party"
    if absolutes_in(claim, source):
        return "absolute"
    return ""


def overlap(claim: str, source: str) -> float:
    """Share of the claim's content words (stemmed, stop words dropped) found in the source."""
    words = set(lexical_tokens(claim))
    if not words:
        return 0.0
    return len(words & set(lexical_tokens(source))) / len(words)


def support_score(cosine: float, lexical: float, cal: Calibration | None = None) -> float:
    cal = cal or calibration()
    return cal.weight_cosine * cosine + (1 - cal.weight_cosine) * lexical


def pair_features(claims: list[str], sources: list[list[str]], embedder) -> tuple[np.ndarray, np.ndarray]:
    """Cosine of each claim to the best of its source sentences, and its content-word overlap with them."""
    flat = [s for group in sources for s in group]
    vectors = embedder.encode(list(claims) + flat)
    claim_vecs, source_vecs = vectors[:len(claims)], vectors[len(claims):]
    cos, lex = np.zeros(len(claims)), np.zeros(len(claims))
    start = 0
    for i, group in enumerate(sources):
        if group:
            cos[i] = float(np.max(source_vecs[start:start + len(group)] @ claim_vecs[i]))
            lex[i] = overlap(claims[i], " ".join(group))
        start += len(group)
    return cos, lex


def check_answer(text: str, units, embedder, cal: Calibration | None = None) -> Checked:
    """Check each sentence of a generated answer against the units it cites.

    Args:
        text: the generated answer, with [n] markers.
        units: the SelectedUnit list the generator was given (number, text, heading...).
        embedder: the project's Embedder (the one already loaded).
    """
    cal = cal or calibration()
    by_number: dict[int, list[str]] = {}
    context: dict[int, str] = {}  # a unit's text and heading: who it is addressed to
    for unit in units:
        by_number.setdefault(unit.number, []).append(unit.text)
        context[unit.number] = f"{context.get(unit.number, '')} {unit.heading} {unit.text}"
    given_numbers = numbers_in(" ".join(u.text for u in units))
    checked = Checked()
    to_score: list[tuple[CheckedSentence, str, list[str]]] = []
    said: set[str] = set()
    for sentence in split_generated(text):
        cites = list(dict.fromkeys(citations_of(sentence)))
        item = CheckedSentence(sentence, cites, kept=False)
        checked.sentences.append(item)
        claim = claim_of(sentence)
        again = " ".join(lexical_tokens(claim))
        if again and again in said:
            item.reason = "repeated"  # small models loop; a sentence said twice adds nothing and counts as removed
            continue
        said.add(again)
        if not cites:
            item.reason = "no citation"
        elif any(n not in by_number for n in cites):
            item.reason = f"cites [{', '.join(str(n) for n in cites if n not in by_number)}], not given"
        elif reason := rule_out(claim, " ".join(context[n] for n in cites), given_numbers):
            item.reason = reason
        else:
            to_score.append((item, claim, [t for n in cites for t in by_number[n]]))
    if to_score:
        cos, lex = pair_features([c for _, c, _ in to_score], [s for _, _, s in to_score], embedder)
        for (item, _, _), c, o in zip(to_score, cos, lex):
            item.score = round(support_score(float(c), float(o), cal), 4)
            item.kept = item.score >= cal.threshold
            item.reason = "" if item.kept else "unsupported"
    return checked


def unit_blocks(passage: str):
    """A passage's blocks of units (sentences or list items), as the composer quotes them."""
    from assistant.text import answer_blocks

    return answer_blocks(passage) or [("prose", [passage])]
