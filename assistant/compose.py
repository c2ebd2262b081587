"""Compose an extractive, cited answer from retrieved passages. No text is generated: every line of
an answer is a sentence or list item of a cited passage, shown in its context.

An answer reads like a featured snippet, not a collage:
- a lead sentence from the top-ranked document that answers the question;
- the best section's list or sentences as written: trimmed to the relevant items, never reordered,
  and under its heading, so a pitfall stays under "Pitfalls to avoid";
- then up to two more sections that add something, each under its heading.
A unit that leans on text around it ("These questions...", a line of dialogue, a lead-in ending
with a colon) is only shown right after the unit it leans on. The selected units are also handed
to the optional generator as its only source material.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from assistant.index import IndexData
from assistant.models import Citation, Passage
from assistant.retrieval import Hit
from assistant.roles import AskerRole, addresses, section_audience
from assistant.conversation import content_tokens
from assistant.text import answer_blocks, clean_unit, lexical_tokens, word_count

# A request for something to copy: a template, script or agenda, or a message to send ("give me an
# email", "what should I say"), but not the verb ("is it weird to message them?").
TEMPLATE_INTENT = re.compile(
    r"\b(?:templates?|scripts?|draft|wording|word it|phrase it|"
    r"(?<!set )(?:a|an|the|some|sample|example|short|quick|follow-up|first|cold|intro|thank-you)\s+(?:\w+\s+){0,2}"
    r"(?:e-?mails?|messages?|notes?|letters?|dms?|surveys?|questionnaires?|forms?|posts?|agendas?|check-?lists?|"
    r"worksheets?)\b(?! (?:them|him|her|you)\b)|"
    r"what (?:should|do|can|could) i (?:say|write|send)|how (?:should|do) i (?:word|phrase)|"
    r"(?:something|anything|words) i (?:can|could) (?:say|send|write|use))", re.I)

LIST_INTENT = re.compile(
    r"\b(?:list|steps?|checklist|tips|ideas|questions (?:to|should|can|could|do|for|i)|what questions|which questions|"
    r"what (?:are|r) (?:some|the|good)|what (?:things|topics|signs|mistakes|pitfalls)|examples of|give me (?:some|a few)|"
    r"how many|options|what (?:should|do|can) (?:i|we) (?:put|include|cover|bring|ask|prepare))\b", re.I)
WHOLE_SECTION = 0.5  # a section whose heading names this share of the question is the answer: shown whole
PITFALL_INTENT = re.compile(r"\b(?:avoid|mistakes?|pitfalls?|wrong|traps?|not to|don'?t|shouldn'?t|red flags?|warning)\b", re.I)
EXAMPLE_INTENT = re.compile(r"\b(?:examples?|worked example|show me how|what (?:does|would) (?:it|that) look like)\b", re.I)
PITFALL_HEADING = re.compile(r"\b(?:pitfalls?|mistakes?|traps?|what not to|don'?t|avoid|red flags?|warning signs?)\b", re.I)
EXAMPLE_HEADING = re.compile(r"^(?:a )?(?:worked )?examples?\b", re.I)
# A unit that cannot stand alone: it points at text around it, continues a thought, or is dialogue.
_LEANS_BACK = re.compile(
    r"^(?:[\"“‘(]|(?:this|these|that|those|they|them|such|both (?:of (?:these|those|them)|are|were)|here|then|also|instead|otherwise|however|but|and|or|so|"
    r"still|again|similarly|likewise|in that case|if so|if not|for example|for instance|e\.g\.|once you have)\b)", re.I)
# A unit that points at text elsewhere: "below", "these benefits", a cross-reference to another page.
_POINTS_AWAY = re.compile(
    r"\b(?:below|above|the following|as follows|(?:these|those) (?:\w+s|two|three|four|five|six)|"
    r"handbook pages?|see the (?:page|section|guide)s?)\b", re.I)
_DIALOGUE = re.compile(r"^(?:\*\*)?(?:mentee|mentor|you|they|manager|staff|colleague|me|them)(?:\*\*)?\s*:\s*\S", re.I)

TEMPLATE_RANK_STEP = 0.05  # how much a template loses per rank of its document
MAX_PASSAGES = 12  # candidate passages an answer may quote
HEADING_WEIGHT = 0.15  # a section whose heading names what was asked is the section to quote
OFF_INTENT = 0.08  # a pitfall section is the answer only when pitfalls are asked about
MIN_WORDS, MAX_WORDS = 60, 170  # words quoted; headings and markers come on top
MAX_EXTRA_SECTIONS = 2
MAX_ITEMS, MAX_LIST_ITEMS, MIN_LIST_ITEMS = 4, 10, 2
ITEM_SLACK = 0.12  # an item within this cosine of the best item of its list is relevant too
EXTRA_RELEVANCE = 0.8  # a further section's best unit must reach this share of the best section's
EXTRA_MARGIN = 0.1  # and its section score must be within this of the best section's


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


def wants_list(question: str) -> bool:
    """The question asks for a list or steps: it gets the whole list."""
    return bool(LIST_INTENT.search(question))


def wants_example(question: str) -> bool:
    return bool(EXAMPLE_INTENT.search(question))


def leans_on_context(unit: str, in_list: bool = False) -> bool:
    """True when a unit means little without the text before it. In a list under its heading, a
    quoted item is a sample ("What does a typical week look like?"), not a line of dialogue."""
    unit = unit.strip()
    if in_list and unit[:1] in "\"“‘'":
        unit = unit[1:]
    return bool(_LEANS_BACK.match(unit) or _POINTS_AWAY.search(unit) or _DIALOGUE.match(unit)
                or unit.endswith(":"))


def section_kind(passage: Passage) -> str:
    """'template', 'example', 'pitfall' or 'advice', from the passage's headings."""
    if passage.is_template:
        return "template"
    heading = passage.heading_path[-1] if len(passage.heading_path) > 1 else ""
    if EXAMPLE_HEADING.match(heading):
        return "example"
    if any(PITFALL_HEADING.search(h) for h in passage.heading_path[1:]):
        return "pitfall"
    return "advice"


def wants_template(question: str) -> bool:
    return bool(TEMPLATE_INTENT.search(question))


def choose_template(data: IndexData, retriever, query_vector: np.ndarray, query: str,
                    top_docs: list[str]) -> Hit | None:
    """The template a question asks for: among the top documents' templates, the one whose passage is
    closest to the question, with the words of its heading ("cold", "agenda", "checklist") counting
    extra, since they name what the template is for. Every template of those documents is a candidate,
    ranked or not: a template's fill-in text often ranks low."""
    rows = sorted(row for doc in dict.fromkeys(top_docs) for row in data.template_rows.get(doc, ()))
    if not rows:
        return None
    dense = retriever.dense_scores(query_vector)
    lexical = retriever.lexical
    asked = set(lexical.correct(content_tokens(query)))

    def score(hit: Hit) -> float:
        named = set(content_tokens(hit.passage.heading_path[-1])) - {"templat"}
        # The better-ranked document's template wins a close call.
        return (hit.dense + 0.03 * sum(lexical.idf(t) for t in asked & named)
                - TEMPLATE_RANK_STEP * top_docs.index(hit.passage.doc_id))

    return max((Hit(row, data.passages[row], float(dense[row]), 0.0, 0.0) for row in rows), key=score)


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


@dataclass
class _Block:
    kind: str  # "prose", "list" or "steps"
    positions: list[int]  # indexes into the passage's units


@dataclass
class _Source:
    """A candidate passage with its units' relevance to the question."""

    hit: Hit
    rank: int
    kind: str
    units: list[str]
    blocks: list[_Block]
    relevance: np.ndarray  # cosine of each unit to the question
    score: float = 0.0  # how well the section answers the question, to choose which to quote

    @property
    def best(self) -> float:
        return float(self.relevance.max()) if len(self.relevance) else -1.0


def _source(hit: Hit, rank: int, data: IndexData, query_vector: np.ndarray) -> _Source:
    p = hit.passage
    blocks, position = [], 0
    for kind, units in answer_blocks(p.text):
        blocks.append(_Block(kind, list(range(position, position + len(units)))))
        position += len(units)
    start = int(data.sentence_offsets[hit.row])
    relevance = data.sentence_vectors[start:start + len(p.sentences)] @ query_vector
    return _Source(hit, rank, section_kind(p), p.sentences, blocks, relevance)


def points_away(unit: str) -> bool:
    """True when a unit points at text elsewhere ("the steps below"): it is never quoted."""
    return bool(_POINTS_AWAY.search(unit))


def _can_lead(src: _Source, pos: int) -> bool:
    """A lead states something: not a question, a step label, a pointer or a fragment."""
    unit = src.units[pos]
    block = next(b for b in src.blocks if pos in b.positions)
    return (src.kind == "advice" and block.kind == "prose" and not unit.rstrip().endswith("?")
            and not leans_on_context(unit) and not re.match(r"^\*\*[^*]{1,60}:?\*\*", unit)
            and 6 <= word_count(unit) <= 45 and _quotes_closed(unit))


def _quotes_closed(unit: str) -> bool:
    """A sentence cut out of quoted speech ('...might read: "Hi, it's been...') is not a statement."""
    return unit.count('"') % 2 == 0 and unit.count("“") == unit.count("”") and not re.search(r":\s*[\"“]", unit)


def _pick(src: _Source, skip: set[int], whole_list: bool, limit: int) -> list[int]:
    """The units of a passage worth showing, in their original order, never one cut off from its context."""
    blocks = [b for b in src.blocks if any(p not in skip for p in b.positions)]
    if not blocks:
        return []
    best_block = max(blocks, key=lambda b: max(src.relevance[p] for p in b.positions if p not in skip))
    lists = [b for b in blocks if b.kind != "prose"]
    if whole_list and lists:
        best_block = max(lists, key=lambda b: max(src.relevance[p] for p in b.positions))
    positions = [p for p in best_block.positions if p not in skip]
    if best_block.kind == "steps" or (best_block.kind == "list" and whole_list):  # steps make sense only whole
        chosen = positions[:MAX_LIST_ITEMS]
    else:
        top = max(src.relevance[p] for p in positions)
        ranked = sorted(positions, key=lambda p: -src.relevance[p])
        close = [p for p in ranked if src.relevance[p] >= top - ITEM_SLACK]
        # One item of a list reads as cherry-picked: a list shows at least two.
        least = MIN_LIST_ITEMS if best_block.kind != "prose" else 1
        chosen = sorted(ranked[:max(least, min(limit, len(close)))])
    # Pull in what a leaning unit leans on; drop it when that is not possible.
    out: list[int] = []
    for pos in chosen:
        unit = src.units[pos]
        if points_away(unit) or (best_block.kind == "prose" and not _quotes_closed(unit)):
            continue  # "the steps below", "these five": what it points at is not in the answer
        if leans_on_context(unit, best_block.kind != "prose") and not unit.rstrip().endswith(":"):
            # Walk back to the unit that starts the thought; drop the chain when it is not at hand.
            chain = [pos]
            while leans_on_context(src.units[chain[0]], best_block.kind != "prose"):
                before = chain[0] - 1
                if before not in best_block.positions or before in skip or src.units[before].rstrip().endswith(":"):
                    chain = []
                    break
                chain.insert(0, before)
            out.extend(chain)
            continue
        if best_block.kind != "prose" and _DIALOGUE.match(unit):
            continue  # a line of dialogue reads as advice outside its example
        if unit.rstrip().endswith(":"):
            continue  # a lead-in with nothing after it
        out.append(pos)
    return sorted(dict.fromkeys(out))


def _words(src: _Source, positions: list[int]) -> int:
    return sum(word_count(src.units[p]) for p in positions)


def compose_answer(query_vector: np.ndarray, hits: list[Hit], data: IndexData, max_citations: int = 4,
                   question: str = "", role: AskerRole = "unknown", lexical=None) -> Composed:
    """Build the answer from whole units of the best sections, each shown under its heading and cited."""
    asks_list, asks_example = wants_list(question), wants_example(question)
    sources = [_source(h, r, data, query_vector) for r, h in enumerate(hits[:MAX_PASSAGES])
               if not h.passage.is_template and (asks_example or section_kind(h.passage) != "example")]
    sources = [s for s in sources if s.units]
    if not sources:
        return Composed(text="", citations=[])
    asks_pitfalls = bool(PITFALL_INTENT.search(question))
    asked = _weighted_tokens(question, lexical)
    _score(sources, asked, lexical, asks_list, asks_pitfalls)
    # Retrieval has already demoted passages written for the other side; its top document leads.
    top_doc = sources[0].hit.passage.doc_id
    fitting = _fitting(sources, top_doc, role)
    lead = _lead(fitting, top_doc, data, hits, query_vector)

    # The body: the best section of the top document, then sections that add something.
    main = max((s for s in fitting if s.hit.passage.doc_id == top_doc and s.kind != "example"),
               key=lambda s: s.score, default=fitting[0])
    skip = set(_lead_units(lead)) if lead and lead[0] is main else set()
    whole = asks_list or _heading_match(main.hit.passage, asked, lexical) >= WHOLE_SECTION
    picked = _pick(main, skip, whole, MAX_LIST_ITEMS if whole else MAX_ITEMS)
    return _render(lead, _body(main, picked, lead, fitting, top_doc, max_citations))


def _score(sources: list[_Source], asked: dict[str, float], lexical, asks_list: bool, asks_pitfalls: bool) -> None:
    """Set each source's score: its closeness to the question, more when its heading names what was
    asked or it has the list that was asked for, less when it is a pitfall section no one asked about."""
    for src in sources:
        src.score = (src.hit.dense + HEADING_WEIGHT * _heading_match(src.hit.passage, asked, lexical)
                     - (OFF_INTENT if src.kind == "pitfall" and not asks_pitfalls else 0.0)
                     + (OFF_INTENT if asks_list and any(b.kind != "prose" for b in src.blocks) else 0.0))


def _fitting(sources: list[_Source], top_doc: str, role: AskerRole) -> list[_Source]:
    """The sources written for the asker's side."""
    # Within the top document, a section whose heading names the other side ("For mentors: ...") is left out.
    fitting = [s for s in sources if addresses(s.hit.passage, role) or
               (s.hit.passage.doc_id == top_doc and section_audience(s.hit.passage) == list(s.hit.passage.audience))]
    if role == "unknown":  # notes for programme staff are not advice for someone who did not say they run one
        fitting = [s for s in fitting if section_audience(s.hit.passage) != ["program-staff"]
                   or set(s.hit.passage.audience) == {"program-staff"}] or fitting
    return fitting


def _lead(fitting: list[_Source], top_doc: str, data: IndexData, hits: list[Hit],
          query_vector: np.ndarray) -> tuple[_Source, int] | None:
    """The lead, as (source, unit position): the statement of the top document that answers the question best."""
    lead_pool = [s for s in fitting if s.hit.passage.doc_id == top_doc]
    intro = _intro(data, top_doc, hits, query_vector)
    if intro is not None and intro.hit.row not in {s.hit.row for s in lead_pool}:
        lead_pool.append(intro)
    leads = [(s, p) for s in lead_pool for p in range(len(s.units)) if _can_lead(s, p)]
    return max(leads, key=lambda sp: sp[0].relevance[sp[1]] + (0.03 if sp[0] is lead_pool[0] else 0.0), default=None)


def _lead_units(lead: tuple[_Source, int]) -> list[int]:
    """The lead's unit, then the sentences right after it that lean on it ("This keeps the door open..."):
    they often carry the lead's reason, and cut off from it they could not be quoted at all."""
    src, pos = lead
    block = next((b for b in src.blocks if pos in b.positions), None)
    out = [pos]
    if block is None or block.kind != "prose":
        return out
    follow = pos + 1
    while follow in block.positions and len(out) < 3:
        unit = src.units[follow]
        if not leans_on_context(unit) or points_away(unit) or not _quotes_closed(unit) or unit.rstrip().endswith(":"):
            break
        out.append(follow)
        follow += 1
    return out


def _body(main: _Source, picked: list[int], lead: tuple[_Source, int] | None, fitting: list[_Source],
          top_doc: str, max_citations: int) -> list[tuple[_Source, list[int]]]:
    """The sections shown after the lead, with the units picked from each: the main section's `picked`,
    then up to MAX_EXTRA_SECTIONS more that add something, within MAX_WORDS and `max_citations`."""
    body: list[tuple[_Source, list[int]]] = []
    used_sections: set[str] = set()
    words = _words(lead[0], _lead_units(lead)) if lead else 0
    if picked:
        body.append((main, picked))
        words += _words(main, picked)
        used_sections.add(main.hit.passage.section_key)
    if lead:
        used_sections.add(lead[0].hit.passage.section_key)
    threshold = EXTRA_RELEVANCE * max(main.best, lead[0].relevance[lead[1]] if lead else 0.0)
    docs_cited = {top_doc}
    top_docs = list(dict.fromkeys(s.hit.passage.doc_id for s in fitting))[:3]
    extras = [s for s in fitting if s.hit.passage.section_key not in used_sections and s.best >= threshold
              and s.hit.passage.doc_id in top_docs and s.score >= main.score - EXTRA_MARGIN]
    # A section from another of the top documents adds more than a second one from the same document.
    extras.sort(key=lambda s: (s.hit.passage.doc_id in docs_cited, -s.score))
    short = [s for s in fitting if s not in extras and s.hit.passage.section_key not in used_sections
             and s.hit.passage.doc_id in top_docs]
    for src in extras + sorted(short, key=lambda s: -s.score):
        if len(body) >= 1 + MAX_EXTRA_SECTIONS or words >= MAX_WORDS - 20:
            break
        if src in short and words >= MIN_WORDS:
            break  # weaker sections only make up a minimum length
        rows = {s.hit.row for s, _ in body} | ({lead[0].hit.row} if lead else set())
        if len(rows | {src.hit.row}) > max_citations or src.hit.passage.section_key in used_sections:
            continue
        picked = _pick(src, set(), False, 3)
        while picked and words + _words(src, picked) > MAX_WORDS:
            picked = picked[:-1]
        if not picked:
            continue
        body.append((src, picked))
        used_sections.add(src.hit.passage.section_key)
        docs_cited.add(src.hit.passage.doc_id)
        words += _words(src, picked)
    return body


def _weighted_tokens(text: str, lexical) -> dict[str, float]:
    """The question's content words, each weighted by how much it says (IDF)."""
    if lexical is None:
        return {}
    return {t: lexical.idf(t) for t in set(lexical.correct(content_tokens(text)))}


def _heading_match(passage: Passage, asked: dict[str, float], lexical) -> float:
    """Share of the question's (IDF-weighted) words that the section's own heading names."""
    if not asked or len(passage.heading_path) < 2:
        return 0.0
    named = set(lexical_tokens(" ".join(passage.heading_path[1:])))
    return sum(w for t, w in asked.items() if t in named) / (sum(asked.values()) or 1.0)


def _intro(data: IndexData, doc_id: str, hits: list[Hit], query_vector: np.ndarray) -> _Source | None:
    """The opening passage of a document, whose first sentences usually say what it is about."""
    row = data.first_rows.get(doc_id)
    if row is None or len(data.passages[row].heading_path) > 1:
        return None
    hit = next((h for h in hits if h.row == row), None) or Hit(row, data.passages[row], 0.0, 0.0, 0.0)
    return _source(hit, len(hits), data, query_vector)


def _render(lead: tuple[_Source, int] | None, body: list[tuple[_Source, list[int]]]) -> Composed:
    numbers: dict[int, int] = {}
    units: list[SelectedUnit] = []
    lines: list[str] = []

    def cite(src: _Source) -> int:
        return numbers.setdefault(src.hit.row, len(numbers) + 1)

    def add(src: _Source, pos: int, heading: str, kind: str) -> str:
        n = cite(src)
        units.append(SelectedUnit(n, src.units[pos], heading, src.hit.passage.doc_id, src.hit.row, pos, kind))
        return f"{clean_unit(src.units[pos])} [{n}]"

    lead_doc = lead[0].hit.passage.doc_id if lead else (body[0][0].hit.passage.doc_id if body else "")
    if lead:
        lines.append(" ".join(add(lead[0], pos, "", "lead") for pos in _lead_units(lead)))
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
                lines.append(f"- {add(src, pos, heading, 'item')}")
            else:
                prose.append(add(src, pos, heading, "sentence"))
        if prose:
            lines.append(" ".join(prose))
    used: dict[int, list[str]] = {}
    by_row = {src.hit.row: src for src, _ in body}
    if lead:
        by_row.setdefault(lead[0].hit.row, lead[0])
    for u in units:
        used.setdefault(u.passage_row, []).append(u.text)
    order = sorted(numbers, key=numbers.get)
    citations = [_citation(numbers[row], by_row[row].hit, used[row]) for row in order]
    return Composed(text="\n".join(lines).strip(), citations=citations, used=used, units=units)
