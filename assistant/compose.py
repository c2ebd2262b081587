"""Compose an extractive, cited answer from retrieved passages. No text is generated: every
sentence of an answer is a sentence (or list item) of a cited passage.

Selection is maximal marginal relevance over sentence embeddings computed at index time: each
next sentence is the most relevant one that is not a near-repeat of what was already chosen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from assistant.index import IndexData
from assistant.models import Citation
from assistant.retrieval import Hit
from assistant.text import clean_unit, word_count

TEMPLATE_INTENT = re.compile(
    r"\b(templates?|e-?mails?|messages?|notes?|scripts?|agendas?|check-?lists?|worksheets?|surveys?|"
    r"questionnaires?|forms?|letters?|dm|draft|wording|word it|phrase it|what (should|do|can) i (say|write|send)|"
    r"how (should|do) i (word|phrase)|example (email|message|note|agreement))\b", re.I)

MAX_PASSAGES = 6  # candidate passages whose sentences may be quoted
MIN_WORDS, TARGET_WORDS, MAX_WORDS = 60, 140, 180
DUPLICATE_COSINE = 0.86
MMR_LAMBDA = 0.72


@dataclass
class Composed:
    text: str
    citations: list[Citation]
    is_template: bool = False
    used: dict[int, list[str]] = field(default_factory=dict)  # passage row -> sentences quoted


def wants_template(question: str) -> bool:
    return bool(TEMPLATE_INTENT.search(question))


def _citation(number: int, hit: Hit, highlights: list[str]) -> Citation:
    p = hit.passage
    return Citation(number=number, doc_id=p.doc_id, title=p.title, section=p.section, topics=p.topics,
                    text=p.text, score=round(hit.dense, 4), passage_id=p.id, highlights=highlights)


def compose_template(hit: Hit) -> Composed:
    """Return a template section whole, as a quoted block with its citation."""
    p = hit.passage
    heading = p.heading_path[-1]
    quoted = "\n".join(f"> {line}" if line.strip() else ">" for line in p.text.strip().splitlines())
    text = f"Here is the **{heading}** from *{p.title}* [1]. Copy it and adapt the parts in [brackets].\n\n{quoted}"
    return Composed(text=text, citations=[_citation(1, hit, p.sentences)], is_template=True,
                    used={hit.row: list(p.sentences)})


def compose_answer(query_vector: np.ndarray, hits: list[Hit], data: IndexData, max_citations: int = 4) -> Composed:
    """Pick the best non-redundant sentences from the top passages and cite each one."""
    hits = hits[:MAX_PASSAGES]
    offsets = data.sentence_offsets
    candidates: list[tuple[int, int, str, np.ndarray]] = []  # (hit rank, position, text, vector)
    for rank, hit in enumerate(hits):
        start = int(offsets[hit.row])
        for pos, unit in enumerate(hit.passage.sentences):
            if word_count(unit) < 4 or unit.rstrip().endswith(":"):
                continue  # fragments and list lead-ins read badly on their own
            candidates.append((rank, pos, unit, data.sentence_vectors[start + pos]))
    if not candidates:
        return Composed(text="", citations=[])

    vectors = np.stack([c[3] for c in candidates])
    relevance = vectors @ query_vector
    # Sentences from better-ranked passages get a prior: the passage as a whole matched the question.
    passage_prior = np.array([hits[c[0]].dense for c in candidates])
    rank_prior = np.array([1.0 / (1 + c[0]) for c in candidates])
    score = 0.55 * relevance + 0.30 * passage_prior + 0.15 * rank_prior

    chosen: list[int] = []
    cited_ranks: list[int] = []
    words = 0
    similarity = vectors @ vectors.T
    while len(chosen) < 8 and words < TARGET_WORDS:
        best, best_value = -1, -1e9
        for i in range(len(candidates)):
            if i in chosen:
                continue
            rank = candidates[i][0]
            if rank not in cited_ranks and len(cited_ranks) >= max_citations:
                continue
            redundancy = max((similarity[i, j] for j in chosen), default=0.0)
            if redundancy > DUPLICATE_COSINE:
                continue
            value = MMR_LAMBDA * score[i] - (1 - MMR_LAMBDA) * redundancy
            if value > best_value:
                best, best_value = i, value
        if best < 0:
            break
        n = word_count(candidates[best][2])
        if chosen and words + n > MAX_WORDS:
            if words >= MIN_WORDS:
                break
            chosen.append(best)  # still short: accept, the cap is soft for the minimum
        else:
            chosen.append(best)
        words += n
        if candidates[best][0] not in cited_ranks:
            cited_ranks.append(candidates[best][0])

    # Citations numbered in relevance order of their passages; the lead comes from the best passage.
    cited_ranks.sort()
    number = {rank: i + 1 for i, rank in enumerate(cited_ranks)}
    # The lead is a statement from the best passage: a question or a bare step reads badly as an opener.
    lead_pool = [i for i in chosen if candidates[i][0] == cited_ranks[0]]
    statements = [i for i in lead_pool if not candidates[i][2].rstrip().endswith("?")]
    lead = max(statements or lead_pool, key=lambda i: score[i])
    rest = sorted((i for i in chosen if i != lead), key=lambda i: (candidates[i][0], candidates[i][1]))

    def cite(i: int) -> str:
        return f"{clean_unit(candidates[i][2])} [{number[candidates[i][0]]}]"

    lines = [cite(lead)]
    if rest:
        lines.append("")
        lines.extend(f"- {cite(i)}" for i in rest)
    used: dict[int, list[str]] = {}
    for i in chosen:
        used.setdefault(hits[candidates[i][0]].row, []).append(candidates[i][2])
    citations = [_citation(number[r], hits[r], used[hits[r].row]) for r in cited_ranks]
    return Composed(text="\n".join(lines), citations=citations, used=used)


def _as_question(heading: str, title: str) -> str | None:
    heading = heading.strip().rstrip(".:?")
    low = heading.lower()
    if low.startswith("template:"):
        name = heading.split(":", 1)[1].strip()
        return f"Show me the template: {name[0].lower() + name[1:]}" if name else None
    if low.startswith("worked example") or low in {"introduction", "common pitfalls", "pitfalls to avoid", "pitfalls"}:
        return None
    if re.match(r"^(how|what|when|where|who|which|should|can|is|are|do|does)\b", low):
        return heading + "?"
    if re.search(r"\b(you|your)\b", low):
        return None  # "If you are the only one..." reads oddly once the user asks it
    return f"{heading} ({title[0].lower() + title[1:]})" if len(heading.split()) <= 3 else heading


def suggest_followups(hits: list[Hit], used_rows: set[int], asked: str, limit: int = 3) -> list[str]:
    """Questions the reader might ask next, drawn from related sections that were not quoted."""
    out: list[str] = []
    seen_sections: set[str] = set()
    for hit in hits:
        p = hit.passage
        if hit.row in used_rows or p.section_key in seen_sections or len(p.heading_path) < 2:
            continue
        seen_sections.add(p.section_key)
        question = _as_question(p.heading_path[-1], p.title)
        if question and question.lower() != asked.strip().lower() and question not in out:
            out.append(question)
        if len(out) >= limit:
            break
    return out
