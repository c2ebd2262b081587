"""Split documents into heading-aware sections, and sections into passages sized for MiniLM.

all-MiniLM-L6-v2 reads at most 256 word pieces and was trained on 128. English prose runs at about
1.3 word pieces per word, so a passage body of at most MAX_WORDS words plus its heading path stays
inside the window. Templates are kept whole so a request for one returns all of it.
"""

from __future__ import annotations

import re

from assistant.lexicon import EXAMPLE_HEADING, PITFALL_HEADING
from assistant.models import INTRODUCTION, Document, Passage, Section, SectionKind
from assistant.roles import heading_audience
from assistant.text import answer_units, sha256, split_sentences, word_count

MAX_WORDS = 150
CHUNKING_VERSION = 4  # bump when the rules below change, so indexes are rebuilt
# Linear in the line length: the closing #s are stripped in Python. The old single pattern,
# r"^(#{1,6})\s+(.+?)\s*#*\s*$", backtracked cubically on a heading with a long run of spaces.
_HEADING = re.compile(r"^(#{1,6})\s(.+)$")
_FENCE = re.compile(r"^\s*(```|~~~)")
TEMPLATE_PREFIX = re.compile(r"^template\b", re.I)
KEEP_WHOLE_PREFIX = re.compile(r"^(template|worked example)\b", re.I)  # sections never split


def sections(doc: Document) -> list[Section]:
    """Sections in reading order, each with its heading path (title first)."""
    out: list[Section] = []
    path: list[tuple[int, str]] = []
    lines: list[str] = []
    in_fence = False

    def flush():
        text = "\n".join(lines).strip()
        if text:
            heads = [h for _, h in path]
            out.append(Section(doc_id=doc.id, heading_path=[doc.title, *heads], text=text,
                               is_template=bool(heads) and bool(TEMPLATE_PREFIX.match(heads[-1]))))
        lines.clear()

    for line in doc.body.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match:
            flush()
            text = match.group(2).strip()
            level, heading = len(match.group(1)), text.rstrip("#").rstrip() or text[:1]
            while path and path[-1][0] >= level:
                path.pop()
            path.append((level, heading))
        else:
            lines.append(line)
    flush()
    return out


def _blocks(text: str) -> list[str]:
    """Paragraphs and lists, split on blank lines."""
    return [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]


def _pack(text: str, max_words: int) -> list[str]:
    """Greedily pack blocks into pieces of at most max_words; over-long blocks split by sentence or line."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for block in _blocks(text):
        parts = [block]
        if word_count(block) > max_words:
            lines = block.splitlines()
            parts = lines if len(lines) > 1 else split_sentences(block)
        for part in parts:
            n = word_count(part)
            if current and size + n > max_words:
                pieces.append("\n\n".join(current))
                current, size = [], 0
            current.append(part)
            size += n
    if current:
        pieces.append("\n\n".join(current))
    # Avoid a tiny trailing piece: fold it into the previous one when that still fits comfortably.
    if len(pieces) > 1 and word_count(pieces[-1]) < 25 and word_count(pieces[-2]) + word_count(pieces[-1]) <= max_words * 1.2:
        pieces[-2:] = ["\n\n".join(pieces[-2:])]
    return pieces


def section_kind(section: Section) -> SectionKind:
    """'template', 'example', 'pitfall' or 'advice', from the section's headings."""
    if section.is_template:
        return "template"
    heading = section.heading_path[-1] if len(section.heading_path) > 1 else ""
    if EXAMPLE_HEADING.match(heading):
        return "example"
    if any(PITFALL_HEADING.search(h) for h in section.heading_path[1:]):
        return "pitfall"
    return "advice"


def section_questions(doc: Document, section: Section) -> list[str]:
    """The questions the document's front matter says this section answers."""
    key = section.heading_path[-1] if len(section.heading_path) > 1 else INTRODUCTION
    return [q.strip() for q in doc.questions.get(key, []) if q.strip()]


def passages(doc: Document, max_words: int = MAX_WORDS) -> list[Passage]:
    """All passages of a document, with stable ids: '<doc>#<section>-<content hash>'. The facts about
    a section (its kind, whom it addresses, the questions it answers) are set here, once."""
    out: list[Passage] = []
    for section in sections(doc):
        whole = KEEP_WHOLE_PREFIX.match(section.heading_path[-1]) and len(section.heading_path) > 1
        pieces = [section.text] if whole else _pack(section.text, max_words)
        for piece in pieces:
            key = f"{doc.id}#{section.anchor}"
            passage = Passage(
                id="", doc_id=doc.id, title=doc.title, heading_path=section.heading_path,
                section_key=key, topics=doc.topics, audience=list(doc.audience), text=piece,
                content_hash="", is_template=section.is_template, sentences=answer_units(piece),
                context=doc.summary if not out else "", kind=section_kind(section),
                questions=section_questions(doc, section),
                section_audience=heading_audience(section.heading_path, doc.audience),
            )
            digest = sha256(passage.embed_text)
            passage.content_hash = digest
            passage.id = f"{key}-{digest[:10]}"
            out.append(passage)
    return out
