"""Stage 3 of answering: `compose(query, retrieval) -> Composed`, an extractive, cited answer.

No text is generated: every line of an answer is a sentence or list item of a cited passage, shown
in its context. An answer comes from one place: the section that best answers the question, opening
with that section's heading and its own statement, its lists and steps whole, under its heading (so
a pitfall stays under "Pitfalls to avoid"). A second section is added only when the question asks
two things or the first leaves it open, preferably from the same document; other relevant sections
become follow-up suggestions, not pasted text. A unit that leans on text around it ("These
questions...", a line of dialogue, a lead-in ending with a colon) is only shown right after the unit
it leans on. The selected units are also handed to the optional generator as its only material.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from assistant.answer.retrieve import Retrieval
from assistant.answer.understand import Intent, Query
from assistant.index import IndexData
from assistant.lexicon import (DIALOGUE_LINE, EXPLAINS_HEADING, LEANS_BACK, POINTER_ASIDE, POINTS_AWAY, SIGNS_HEADING,
                               TIME_AMOUNT)
from assistant.models import Citation, Passage
from assistant.retrieval import Hit
from assistant.roles import AskerRole, addresses, section_audience
from assistant.text import answer_blocks, clean_unit, lexical_tokens, word_count

MAX_PASSAGES = 12  # candidate passages an answer may quote
OFF_INTENT = 0.08  # a pitfall, signs or why section is the answer only when that is asked about
MIN_WORDS, MAX_WORDS = 20, 180  # words quoted; headings and markers come on top
MAX_LIST_ITEMS = 10  # a list is shown whole up to this many items
EXTRA_RELEVANCE = 0.8  # a second section's best unit must reach this share of the main section's
EXTRA_MARGIN = 0.1  # and its section score must be within this of the main section's


@dataclass
class SelectedUnit:
    """One unit of guidance in an answer, in display order: what a generator may also work from."""

    number: int  # citation number
    text: str
    heading: str  # the section heading it is shown under; "" for the lead
    doc_id: str
    passage_row: int
    position: int  # index in its passage's units
    kind: str  # "lead", "item" or "sentence"


@dataclass
class Composed:
    text: str
    citations: list[Citation]
    is_template: bool = False
    used: dict[int, list[str]] = field(default_factory=dict)  # passage row -> sentences quoted
    units: list[SelectedUnit] = field(default_factory=list)
    lead_match: float = 0.0  # how well the section the answer opens with matches the question (see lead_match)
    lead_margin: float | None = None  # the main section's score less the next section's; None: no other competed


def leans_on_context(unit: str, in_list: bool = False) -> bool:
    """True when a unit means little without the text before it. In a list under its heading, a
    quoted item is a sample ("What does a typical week look like?"), not a line of dialogue."""
    unit = unit.strip()
    if in_list and unit[:1] in "\"“‘'":
        unit = unit[1:]
    return bool(LEANS_BACK.match(unit) or POINTS_AWAY.search(unit) or DIALOGUE_LINE.match(unit)
                or unit.endswith(":"))


def section_kind(passage: Passage) -> str:
    """'template', 'example', 'pitfall' or 'advice': set on the passage when it was chunked."""
    return passage.kind


def _citation(number: int, hit: Hit, highlights: list[str]) -> Citation:
    p = hit.passage
    return Citation(number=number, doc_id=p.doc_id, title=p.title, section=p.section, topics=p.topics,
                    text=p.text, score=round(hit.dense, 4), passage_id=p.id, highlights=highlights)


def _section_citation(number: int, src: _Source, highlights: list[str]) -> Citation:
    """A citation of a whole section: its pieces' text joined, cited as its first piece."""
    rows = list(dict.fromkeys(src.rows))
    first = src.pieces[rows[0]]
    text = "\n\n".join(src.pieces[r].passage.text for r in rows)
    return Citation(number=number, doc_id=first.passage.doc_id, title=first.passage.title, section=first.passage.section,
                    topics=first.passage.topics, text=text, score=round(src.hit.dense, 4), passage_id=first.passage.id,
                    highlights=highlights)


def compose_template(hit: Hit) -> Composed:
    """Return a template section whole, as a quoted block with its citation."""
    p = hit.passage
    heading = p.heading_path[-1]
    quoted = "\n".join(f"> {line}" if line.strip() else ">" for line in p.text.strip().splitlines())
    text = f"Here is the **{heading}** from *{p.title}* [1]. Copy it and adapt the parts in [brackets].\n\n{quoted}"
    return Composed(text=text, citations=[_citation(1, hit, p.sentences)], is_template=True,
                    used={hit.row: list(p.sentences)})


@dataclass
class _Block:
    kind: str  # "prose", "list" or "steps"
    positions: list[int]  # indexes into the passage's units


@dataclass
class _Source:
    """A candidate section, all of its pieces, with its units' relevance to the question."""

    hit: Hit  # the section's best-ranked passage
    rank: int
    kind: str
    units: list[str]
    blocks: list[_Block]
    relevance: np.ndarray  # cosine of each unit to the question
    rows: list[int] = field(default_factory=list)  # the passage row of each unit
    pieces: dict[int, Hit] = field(default_factory=dict)  # passage row -> its hit, for citing it
    score: float = 0.0  # how well the section answers the question, to choose which to quote
    asked: float = -1.0  # its best match among the questions it declares it answers (-1: declares none)

    def offset(self, row: int) -> int:
        """Position of the first unit of passage `row` in this section's units."""
        return self.rows.index(row)

    @property
    def best(self) -> float:
        return float(self.relevance.max()) if len(self.relevance) else -1.0


def _source(hit: Hit, rank: int, data: IndexData, query_vector: np.ndarray, hits: dict[int, Hit]) -> _Source:
    """The whole section of a retrieved passage: a long section was cut into pieces for the model,
    but an answer quotes it as written, so a list is never cut where a piece ended."""
    blocks: list[_Block] = []
    units: list[str] = []
    rows: list[int] = []
    relevance = []
    pieces: dict[int, Hit] = {}
    for row in data.section_rows.get(hit.passage.section_key, [hit.row]):
        p = data.passages[row]
        pieces[row] = hits.get(row) or Hit(row, p, hit.dense, 0.0, 0.0, hit.intent)
        for kind, block_units in answer_blocks(p.text):
            positions = list(range(len(units), len(units) + len(block_units)))
            if blocks and kind != "prose" and blocks[-1].kind == kind and blocks[-1].positions[-1] == len(units) - 1:
                blocks[-1].positions.extend(positions)  # a list the cut between pieces split
            else:
                blocks.append(_Block(kind, positions))
            units.extend(block_units)
            rows.extend([row] * len(block_units))
        start = int(data.sentence_offsets[row])
        relevance.append(data.sentence_vectors[start:start + len(p.sentences)] @ query_vector)
    return _Source(hit, rank, section_kind(hit.passage), units, blocks, np.concatenate(relevance), rows, pieces)


def without_pointer(unit: str) -> str:
    """A unit without an aside that points elsewhere: "Name the pattern kindly (see the template below)."."""
    return POINTER_ASIDE.sub("", unit)


def points_away(unit: str) -> bool:
    """True when a unit points at text elsewhere ("the steps below") even without its asides: it is never quoted."""
    return bool(POINTS_AWAY.search(without_pointer(unit)))


def _quotes_closed(unit: str) -> bool:
    """A sentence cut out of quoted speech ('...might read: "Hi, it's been...') is not a statement."""
    return unit.count('"') % 2 == 0 and unit.count("“") == unit.count("”") and not re.search(r":\s*[\"“]", unit)


def _words(src: _Source, positions: list[int]) -> int:
    return sum(word_count(src.units[p]) for p in positions)


def compose(query: Query, found: Retrieval, max_citations: int = 4) -> Composed:
    """Stage 3 of answering: the answer to `query` from what retrieval `found`, and nothing else.

    A template when one is asked for, or when the question is about saying or writing something and
    the section that best answers it is a template;
    otherwise the section that best answers it, quoted from one place."""
    if found.templates and (query.intent.template or (query.intent.message and found.hits[0].passage.is_template)):
        composed = compose_template(found.templates[0])
        composed.lead_match = lead_match(found.templates[0], found)
        return composed
    return compose_answer(query, found, max_citations)


def lead_match(hit: Hit, found: Retrieval) -> float:
    """How well the section of `hit` matches the question: the best cosine between the question and the
    questions the section declares it answers (the main term of a section's score), or, for a section
    declaring none, its best sentence's cosine. Staff see a low one on the Insights page."""
    data = found.data
    rows = data.section_rows.get(hit.passage.section_key, [hit.row])
    intents = data.intent_scores(found.compose_vector)
    asked = max(float(intents[row]) for row in rows)
    if asked > -1.0:
        return round(asked, 4)
    best = max((float((data.sentence_vectors[start:start + len(data.passages[row].sentences)]
                       @ found.compose_vector).max(initial=-1.0))
                for row in rows for start in [int(data.sentence_offsets[row])]), default=-1.0)
    return round(best, 4)


def compose_answer(query: Query, found: Retrieval, max_citations: int = 4) -> Composed:
    """Answer from one place: the section that best answers the question, quoted in its order and
    under its heading, its lists whole. A second section is added only when the question asks two
    things or the first leaves it open, preferably from the same document."""
    intent = query.intent
    sources = [s for s in _candidates(found) if not s.hit.passage.is_template
               and (intent.example or s.kind != "example") and s.units]
    if not sources:
        return Composed(text="", citations=[])
    _score(sources, found, intent)
    fitting = _fitting(sources, sources[0].hit.passage.doc_id, query.role)
    main = max(fitting, key=lambda s: s.score)
    runner_up = max((s.score for s in fitting if s is not main), default=None)
    body = [(main, _quote(main, intent.list))]
    words = _words(main, body[0][1])
    # A second section only when the question asks two things or the first leaves it open: too short,
    # or a document's introduction, which frames the subject and leaves what to do to its sections.
    is_intro = len(main.hit.passage.heading_path) < 2
    if (len(body[0][1]) < 2 or words < MIN_WORDS or is_intro or intent.two_things) and max_citations > 1:
        second = _second_section(main, fitting)
        if second is not None:
            picked = _quote(second, intent.list, MAX_WORDS - words)
            if picked:
                body.append((second, picked))
    body = [(src, picked) for src, picked in body if picked]
    if not body:
        return Composed(text="", citations=[])
    composed = _render(body)
    lead = body[0][0]
    composed.lead_match = round(lead.asked if lead.asked > -1.0 else lead.best, 4)  # lead_match(), already at hand
    composed.lead_margin = None if runner_up is None else round(main.score - runner_up, 4)
    return composed


def _candidates(found: Retrieval) -> list[_Source]:
    """Every section of the ranking's first documents, whether or not one of its passages was ranked:
    the ranking finds the document, and the section that answers is often not the one sharing most
    words with the question (its "why" beside the "how" that was asked). A ranked section keeps its
    rank; the others follow in document order."""
    data, hits = found.data, found.hits
    by_row = {h.row: h for h in hits}
    docs = list(dict.fromkeys(h.passage.doc_id for h in hits))[:data.weights.section_docs]
    ranked = list({h.passage.section_key: h for h in reversed(hits[:MAX_PASSAGES])
                   if h.passage.doc_id in docs}.values())[::-1]
    seen = {h.passage.section_key for h in ranked}
    unranked = []
    for doc_id in docs:
        for key in data.doc_sections.get(doc_id, []):
            if key not in seen:
                row = data.section_rows[key][0]
                unranked.append(Hit(row, data.passages[row], 0.0, 0.0, 0.0))
    return [_source(h, rank, data, found.compose_vector, by_row) for rank, h in enumerate(ranked + unranked)]


def _second_section(main: _Source, fitting: list[_Source]) -> _Source | None:
    """The next best section that adds something: from the main section's document when it has one
    among the candidates, else a close one from another document."""
    others = [s for s in fitting if s.hit.passage.section_key != main.hit.passage.section_key and s.kind == "advice"
              and len(s.hit.passage.heading_path) > 1]
    same = [s for s in others if s.hit.passage.doc_id == main.hit.passage.doc_id]
    close = [s for s in others if s.score >= main.score - EXTRA_MARGIN and s.best >= EXTRA_RELEVANCE * main.best]
    return max(same or close, key=lambda s: s.score, default=None)


def _quote(src: _Source, asks_list: bool, budget: int = MAX_WORDS) -> list[int]:
    """The units of a section to show, in order: all of it when it fits, else its lists whole and its
    most relevant prose, never a unit cut off from what it leans on or one pointing at text elsewhere."""
    shown = [p for p in range(len(src.units)) if not points_away(src.units[p])]
    if _words(src, shown) <= budget:
        return _self_contained(src, shown)
    kinds = {pos: b for b in src.blocks for pos in b.positions}
    lists = [b for b in src.blocks if b.kind != "prose"]
    keep: list[int] = []
    # The opening statement of the section is its answer; keep it when it stands alone.
    first_prose = next((b for b in src.blocks if b.kind == "prose"), None)
    if first_prose is not None and src.blocks[0] is first_prose:
        keep.append(first_prose.positions[0])
    if lists:
        best_list = max(lists, key=lambda b: max(src.relevance[p] for p in b.positions))
        keep.extend(best_list.positions[:MAX_LIST_ITEMS])
    ranked = sorted((p for p in shown if kinds[p].kind == "prose" and p not in keep), key=lambda p: -src.relevance[p])
    for pos in ranked:
        if _words(src, keep) + word_count(src.units[pos]) > budget:
            break
        keep.append(pos)
    return _self_contained(src, sorted(set(keep) & set(shown)))


def _self_contained(src: _Source, positions: list[int]) -> list[int]:
    """Drop a unit whose antecedent is not shown, a lead-in whose list is not shown, and dialogue out of its example."""
    chosen = set(positions)
    kinds = {pos: b.kind for b in src.blocks for pos in b.positions}
    out = []
    for pos in positions:
        unit = src.units[pos]
        in_list = kinds[pos] != "prose"
        if unit.rstrip().endswith(":") and pos + 1 not in chosen:
            continue  # a lead-in with nothing after it
        if leans_on_context(unit, in_list) and not unit.rstrip().endswith(":") and pos - 1 not in chosen:
            if not (in_list and any(p in chosen for p in range(pos) if kinds[p] == kinds[pos])):
                continue
        if kinds[pos] == "prose" and not _quotes_closed(unit) and pos - 1 not in chosen and pos + 1 not in chosen:
            continue
        if in_list and DIALOGUE_LINE.match(unit) and src.kind != "example":
            continue
        out.append(pos)
    return out


def _score(sources: list[_Source], found: Retrieval, intent: Intent) -> None:
    """Set each source's score: how well the section answers the question. Mostly its best match among
    the questions it declares it answers (question-to-question matching, which MiniLM does well; a
    section declaring none falls back to its text), then its best sentence and its heading naming
    what was asked; less for a lower-ranked document or a document's introduction, and for a pitfall
    or signs section no one asked about; more when it has the list that was asked for, or states a
    length of time to a how-long or how-often question. The weights are fitted (assistant/weights.py)."""
    w, data = found.data.weights, found.data
    intents = data.intent_scores(found.compose_vector)
    doc_rank = {d: i for i, d in enumerate(dict.fromkeys(s.hit.passage.doc_id for s in
                                                         sorted(sources, key=lambda s: s.rank)))}
    wants_time = intent.duration or intent.frequency
    for src in sources:
        p = src.hit.passage
        src.asked = asked = max(float(intents[row]) for row in data.section_rows.get(p.section_key, [src.hit.row]))
        src.score = (w.section_questions * (asked if asked > -1.0 else src.best) + w.section_text * src.best
                     + w.section_heading * _heading_match(p, found.asked)
                     - w.section_doc_step * doc_rank[p.doc_id]
                     - (w.section_intro if len(p.heading_path) < 2 else 0.0)
                     - (OFF_INTENT if src.kind == "pitfall" and not intent.pitfalls else 0.0)
                     - (OFF_INTENT if _describes_signs(src) and not intent.signs else 0.0)
                     - (OFF_INTENT if intent.how_to and _explains(src) else 0.0)
                     + (OFF_INTENT if intent.list and any(b.kind != "prose" for b in src.blocks) else 0.0)
                     + (OFF_INTENT if wants_time and any(TIME_AMOUNT.search(u) for u in src.units) else 0.0))


def _explains(src: _Source) -> bool:
    """A section that says why or what something is ("Why people don't reply"): not the answer to a how."""
    return len(src.hit.passage.heading_path) > 1 and bool(EXPLAINS_HEADING.match(src.hit.passage.heading_path[-1]))


def _describes_signs(src: _Source) -> bool:
    return len(src.hit.passage.heading_path) > 1 and bool(SIGNS_HEADING.match(src.hit.passage.heading_path[-1]))


def _fitting(sources: list[_Source], top_doc: str, role: AskerRole) -> list[_Source]:
    """The sources written for the asker's side: advice for the other side, quoted to the asker as if
    it were theirs, is what misleads most ("send your mentor an agenda" to a first-time mentor)."""
    fitting = [s for s in sources if addresses(s.hit.passage, role)]
    if role == "program-staff":
        # "our programme" is a looser cue than "my mentee": the top document's sections for everyone in
        # it still answer a participant whose question mentions the programme.
        fitting += [s for s in sources if s not in fitting and s.hit.passage.doc_id == top_doc
                    and section_audience(s.hit.passage) == list(s.hit.passage.audience)]
    if role == "unknown":  # notes for programme staff are not advice for someone who did not say they run one
        fitting = [s for s in fitting if section_audience(s.hit.passage) != ["program-staff"]
                   or set(s.hit.passage.audience) == {"program-staff"}] or fitting
    return fitting or sources


def _heading_match(passage: Passage, asked: dict[str, float]) -> float:
    """Share of the question's (IDF-weighted) words that the section's own heading names."""
    if not asked or len(passage.heading_path) < 2:
        return 0.0
    named = set(lexical_tokens(" ".join(passage.heading_path[1:])))
    return sum(w for t, w in asked.items() if t in named) / (sum(asked.values()) or 1.0)


def _render(body: list[tuple[_Source, list[int]]]) -> Composed:
    numbers: dict[int, int] = {}
    units: list[SelectedUnit] = []
    lines: list[str] = []

    sections: dict[int, _Source] = {}  # citation number -> the section it cites, whole

    def add(src: _Source, pos: int, heading: str, kind: str, shown: list[int]) -> str:
        row = src.rows[pos]
        n = numbers.setdefault(src.hit.row, len(numbers) + 1)
        sections[n] = src
        units.append(SelectedUnit(n, src.units[pos], heading, src.hit.passage.doc_id, row, pos - src.offset(row), kind))
        text = without_pointer(src.units[pos]).strip()
        if not (text.endswith(":") and pos + 1 in shown):  # a lead-in right before its list keeps its colon
            text = clean_unit(text)
        return f"{text} [{n}]"

    lead_doc = body[0][0].hit.passage.doc_id if body else ""
    for src, positions in body:
        p = src.hit.passage
        intro_section = len(p.heading_path) < 2
        heading = "" if intro_section else p.section
        if lines:
            lines.append("")
        if heading:
            title = "" if p.doc_id == lead_doc else f" · *{p.title}*"
            lines.append(f"**{heading}**{title}")
        elif p.doc_id != lead_doc:
            lines.append(f"*{p.title}*")  # another document's opening: say whose it is
        block_kind = {pos: b.kind for b in src.blocks for pos in b.positions}
        prose: list[str] = []
        for pos in positions:
            if block_kind[pos] != "prose":
                if prose:
                    lines.append(" ".join(prose))
                    prose = []
                lines.append(f"- {add(src, pos, heading, 'item', positions)}")
            else:
                prose.append(add(src, pos, heading, "sentence", positions))
        if prose:
            lines.append(" ".join(prose))
    used: dict[int, list[str]] = {}
    for u in units:
        used.setdefault(u.passage_row, []).append(u.text)
    citations = [_section_citation(n, src, [u.text for u in units if u.number == n]) for n, src in sorted(sections.items())]
    return Composed(text="\n".join(lines).strip(), citations=citations, used=used, units=units)
