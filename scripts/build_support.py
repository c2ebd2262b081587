"""Write evaluation/support.jsonl: (sentence, passage, supported) pairs for calibrating and measuring
the citation check (assistant/support.py).

Every passage is a real unit of the guidance in knowledge/*.md, checked against the guidance as it reads
now, so the set fails to build (instead of drifting) when the guidance changes. Two kinds of pairs:

- written (evaluation/support-written.jsonl): sentences written by hand for a unit, the way a generator might put it. Supported ones
  paraphrase or shorten the unit; hard negatives stay on the unit's topic but make a claim it does
  not make, state a wrong number, or give the advice to the wrong party (mentor vs mentee).
- derived: built by rule from other real units, to add volume: a unit restated in the second person
  ("You should ...") is supported; a unit of the same document's other sections (right topic, another
  claim), a unit with its party swapped (mentor <-> mentee) or its number changed is not.

Split: by document, so no document of the held-out part was seen while fitting.

    python scripts/build_support.py    # rewrites evaluation/support.jsonl
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.knowledge import load_knowledge  # noqa: E402
from assistant.text import answer_units  # noqa: E402

OUT = ROOT / "evaluation" / "support.jsonl"
HELD_OUT_SHARE = 0.35

WRITTEN = ROOT / "evaluation" / "support-written.jsonl"  # the hand-written pairs, one per line


def written_pairs(units: dict[str, list[tuple[str, str]]]) -> list[dict]:
    """The hand-written pairs, each checked to quote a real unit of its document as the guidance reads now."""
    pairs = [json.loads(line) for line in WRITTEN.read_text(encoding="utf-8").splitlines() if line.strip()]
    for n, pair in enumerate(pairs, 1):
        if pair["passage"] not in {u for _, u in units.get(pair["doc_id"], [])}:
            raise SystemExit(f"{WRITTEN.name}:{n}: the passage is no longer a unit of {pair['doc_id']}; "
                             "update it to the guidance's current text")
    return pairs


_PARTY = {"mentor": "mentee", "mentee": "mentor", "mentors": "mentees", "mentees": "mentors"}
_NUMBER_SWAP = {"one": "five", "two": "six", "three": "seven", "four": "nine", "five": "eight", "six": "ten",
                "ten": "three", "twelve": "four"}


def unit_index(base) -> dict[str, list[tuple[str, str]]]:
    """Document id -> its units with their section heading, in reading order."""
    out: dict[str, list[tuple[str, str]]] = {}
    for doc in base.documents:
        section = "intro"
        for block in re.split(r"^(#{2,3} .*)$", doc.body, flags=re.M):
            if re.match(r"#{2,3} ", block):
                section = block.strip("# \n")
                continue
            for unit in answer_units(block):
                if len(unit.split()) >= 6:
                    out.setdefault(doc.id, []).append((section, unit))
    return out


def held_out(doc_id: str) -> bool:
    return int(hashlib.sha256(doc_id.encode()).hexdigest(), 16) % 100 < HELD_OUT_SHARE * 100


def second_person(unit: str) -> str:
    unit = unit.rstrip(".:")
    return f"You should {unit[0].lower()}{unit[1:]}." if re.match(r"^[A-Z][a-z]+ ", unit) else f"{unit}."


def swap_party(unit: str) -> str | None:
    words = re.findall(r"\b(mentors?|mentees?)\b", unit, re.I)
    if len({w.lower().rstrip("s") for w in words}) != 1:
        return None  # swapping a sentence naming both parties makes nonsense, not a hard negative
    return re.sub(r"\b(mentors?|mentees?)\b", lambda m: _PARTY[m.group(1).lower()], unit, flags=re.I)


def swap_number(unit: str) -> str | None:
    if re.search(r"\d", unit):
        return re.sub(r"\d+", lambda m: str(int(m.group()) * 3 + 1), unit, count=1)
    found = re.search(r"\b(" + "|".join(_NUMBER_SWAP) + r")\b", unit)
    if found:
        return unit[:found.start()] + _NUMBER_SWAP[found.group(1)] + unit[found.end():]
    return None


def main() -> None:
    base = load_knowledge(ROOT / "knowledge")
    units = unit_index(base)
    rng = random.Random(20261126)
    rows: list[dict] = []

    def add(sentence, passage, supported, kind, doc_id, source):
        rows.append({"sentence": sentence, "passage": passage, "supported": supported, "kind": kind,
                     "doc_id": doc_id, "source": source, "split": "held-out" if held_out(doc_id) else "calibrate"})

    written = written_pairs(units)
    for pair in written:
        add(pair["sentence"], pair["passage"], pair["supported"], pair["kind"], pair["doc_id"], "written")

    written_docs = {pair["doc_id"] for pair in written}
    for doc_id in sorted(units):
        doc_units = units[doc_id]
        picks = rng.sample(doc_units, min(3 if doc_id in written_docs else 4, len(doc_units)))
        for section, unit in picks:
            add(second_person(unit), unit, True, "restated", doc_id, "derived")
            others = [u for s, u in doc_units if s != section]
            if others:
                add(rng.choice(others), unit, False, "claim", doc_id, "derived")
            swapped = swap_party(unit)
            if swapped:
                add(swapped, unit, False, "party", doc_id, "derived")
            changed = swap_number(unit)
            if changed:
                add(changed, unit, False, "number", doc_id, "derived")

    with OUT.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    held = sum(r["split"] == "held-out" for r in rows)
    print(f"Wrote {len(rows)} pairs to {OUT.relative_to(ROOT)} ({held} held out, "
          f"{sum(r['source'] == 'written' for r in rows)} written, {sum(r['supported'] for r in rows)} supported)")


if __name__ == "__main__":
    main()
