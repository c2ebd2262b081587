"""What the chat page needs besides widgets: starter questions, the conversation and its history,
highlighted sources, the topic browser, the privacy note and the Markdown export.

No Streamlit here, so the CLI and tests can use every piece. The page (views/chat.py) holds the
session state and renders; it asks this module what to show.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from assistant.config import Settings
from assistant.generate import endpoint_host
from assistant.knowledge import KnowledgeBase
from assistant.models import Answer, Document, Taxonomy, Turn

WELCOME = (
    "Mentor helps with mentoring at every stage: finding a mentor and asking them, first meetings, "
    "setting goals, becoming a mentor, and running a programme. Every answer quotes curated guidance "
    "and numbers its sources, so you can check where each point comes from."
)


_ACRONYMS = {"cv": "CV", "grow": "GROW", "smart": "SMART"}


def starter_questions(taxonomy: Taxonomy) -> list[str]:
    """Every starter question, in the order the welcome shows them (knowledge/topics.yaml: journeys)."""
    return [q for journey in taxonomy.journeys for q in journey.questions]


def topic_label(slug: str) -> str:
    """A topic slug as people read it: 'finding-a-mentor' -> 'Finding a mentor'."""
    words = [_ACRONYMS.get(w, w) for w in slug.split("-")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def topic_question(slug: str, taxonomy: Taxonomy) -> str:
    """The question a topic button asks (knowledge/topics.yaml); a topic without one gets a generic one."""
    topic = taxonomy.topics.get(slug)
    if topic is not None and topic.question:
        return topic.question
    return f"What does the guidance say about {topic_label(slug).lower()}?"


# -- the conversation ---------------------------------------------------------------------------

@dataclass
class Exchange:
    """One question and Mentor's reply, with what the page has stored about it."""

    question: str
    answer: Answer
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])  # stable widget keys across reruns
    interaction_id: int | None = None  # the stored interaction row
    feedback_id: int | None = None  # the stored feedback row, once the rating is sent

    @property
    def feedback_sent(self) -> bool:
        return self.feedback_id is not None


def new_session_id() -> str:
    """An anonymous id for one browser session: random, tied to nothing about the person."""
    return uuid.uuid4().hex


def history(exchanges: Iterable[Exchange]) -> list[Turn]:
    """Earlier turns for `Assistant.ask`, oldest first. Refused (invalid) questions carry no context."""
    turns: list[Turn] = []
    for ex in exchanges:
        if ex.answer.status == "invalid_input":
            continue
        turns.append(Turn(role="user", content=ex.question))
        turns.append(Turn(role="assistant", content=ex.answer.text, sources=ex.answer.doc_ids))
    return turns


def question_preview(question: str, limit: int = 400) -> str:
    """A question as the conversation shows it: very long ones are cut, saying how long they were."""
    if len(question) <= limit:
        return question
    return f"{question[:limit].rstrip()}… ({len(question):,} characters in all)"


# -- showing untrusted text ---------------------------------------------------------------------

# Every character Markdown (and Streamlit's extensions: :color[...] directives, $math$) gives a meaning.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'^])")


def escape_markdown(text: str) -> str:
    """Text that Markdown shows exactly as typed: no formatting, links, HTML or math."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def unescape_markdown(text: str) -> str:
    """The inverse of `escape_markdown` (tests use it to compare what is shown with what was typed)."""
    return re.sub(r"\\(.)", r"\1", text, flags=re.S)


# -- sources ------------------------------------------------------------------------------------

def highlight_spans(text: str, sentences: Iterable[str]) -> list[tuple[int, int]]:
    """Where each quoted sentence sits in a passage, as merged (start, end) character spans.

    Sentences were whitespace-normalised (and quote markers dropped) when the passage was split, so
    they are matched word by word across line breaks, indentation and '>' markers.
    """
    spans: list[tuple[int, int]] = []
    for sentence in sentences:
        tokens = sentence.split()
        if not tokens:
            continue
        match = re.search(r"[\s>]+".join(re.escape(t) for t in tokens), text)
        if match:
            spans.append(match.span())
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _mark(part: str, style: str) -> str:
    """Wrap one line's worth of text in a highlight, keeping its list or quote prefix outside."""
    out = []
    for line in part.split("\n"):
        lead, core, tail = re.match(r"^([\s>]*)(.*?)(\s*)$", line, re.S).groups()
        if core:
            core = core.replace("[", r"\[").replace("]", r"\]")
            core = f":{style}-background[{core}]"
        out.append(lead + core + tail)
    return "\n".join(out)


def highlighted_markdown(text: str, sentences: Iterable[str], style: str = "orange") -> str:
    """A passage as Markdown, with the sentences an answer quoted shown highlighted."""
    out, position = [], 0
    for start, end in highlight_spans(text, sentences):
        out.append(text[position:start])
        out.append(_mark(text[start:end], style))
        position = end
    out.append(text[position:])
    return keep_line_breaks("".join(out))


def keep_line_breaks(markdown: str) -> str:
    """Markdown whose single line breaks stay breaks, as the guidance writes templates line by line.

    Markdown joins consecutive lines into one paragraph; a template ("Specific: ...",
    "Measurable: ...") would read as one run-on line. Code blocks are left alone.
    """
    out, fenced = [], False
    for line in markdown.split("\n"):
        if re.match(r"^\s*(```|~~~)", line):
            fenced = not fenced
        elif line.strip() and not fenced:
            line = line.rstrip() + "  "
        out.append(line)
    return "\n".join(out)


# -- the topic browser --------------------------------------------------------------------------

@dataclass
class TopicShelf:
    """A topic and the documents filed under it (those with it as primary topic first)."""

    slug: str
    label: str
    description: str
    documents: list[Document]


def topic_shelves(kb: KnowledgeBase) -> list[TopicShelf]:
    """Every topic in taxonomy order, with its documents."""
    shelves = []
    for slug, description in kb.topics.items():
        docs = [d for d in kb.documents if slug in d.topics]
        docs.sort(key=lambda d: (d.topics.index(slug) != 0, d.title.lower()))
        shelves.append(TopicShelf(slug, topic_label(slug), description, docs))
    return shelves


# -- privacy ------------------------------------------------------------------------------------

def privacy_note(settings: Settings) -> str:
    """Exactly what Mentor keeps, for the sidebar. Follows the question_logging and retention settings."""
    question = {
        "redacted": "your question, with personal data replaced by a placeholder before it is saved: names "
                    "[name], emails [email], phone numbers [phone], card numbers [card], bank accounts [iban], "
                    "street addresses [address], postcodes [postcode], IP addresses [ip], social handles [handle], "
                    "ID numbers [id-number], dates of birth [dob] and web addresses [url]; a question naming a person "
                    "together with a health condition is not kept at all. This catches most personal data but not "
                    "all (on questions written by someone who had not seen its rules, about three spans in four), "
                    "so please leave out details you don't want kept",
        "full": "your question, exactly as you typed it",
        "off": "no question text at all",
    }[settings.question_logging]
    days = settings.retention_days
    host = endpoint_host(settings)
    where = ("Mentor runs entirely on this server: your questions are not sent to any other service.\n\n"
             if not host else
             f"Answers are written by a language model at **{escape_markdown(host)}**: your question, the earlier "
             "questions and answers of this conversation, and the guidance passages chosen to answer it are sent "
             "there. That service's own terms decide what it keeps. Every sentence it writes is checked against "
             "the guidance it cites before you see it.\n\n")
    return (
        where +
        "For each question it stores:\n"
        f"- {question};\n"
        "- whether it was answered, out of scope or not accepted;\n"
        "- the top match score and the answer's confidence;\n"
        "- the first line of the answer, and the documents and sections it cited;\n"
        "- how long the answer took;\n"
        "- a random session id, made when you opened this page and tied to nothing about you.\n\n"
        "When you rate an answer it also stores the rating, your optional comment (with personal data "
        "masked the same way), the question as above and the cited document ids.\n\n"
        "A message that suggests you, or someone else, may be at risk or being harmed gets a reply pointing to "
        "real help instead; for it only that fact is stored, never its text, and it is never sent to a "
        "language model.\n\n"
        f"Nothing else is stored: no account, and not your IP address. Stored rows are deleted after {days} days. "
        "Programme staff see these rows to improve the guidance."
    )


def without_images(chunks: Iterable[str]) -> Iterator[str]:
    """Streamed Markdown in which '![' never reaches the page, so an image a language model writes
    is shown as a link and never fetched. A chunk ending in '!' waits for the next one, since an
    image's opening can be split across chunks."""
    held = ""
    for chunk in chunks:
        chunk = held + chunk
        held = "!" if chunk.endswith("!") else ""
        if held:
            chunk = chunk[:-1]
        if chunk:
            yield chunk.replace("![", "[")
    if held:
        yield held


class AnswerStream:
    """Wraps `Assistant.stream` for `st.write_stream`: iterating yields the text chunks; the final,
    checked Answer is kept in `.answer`."""

    def __init__(self, items: Iterable):
        self._items = items
        self.answer: Answer | None = None

    def __iter__(self):
        for item in self._items:
            if isinstance(item, str):
                yield item
            else:
                self.answer = item


def mode_caption(answer: Answer) -> str:
    """One line under an answer saying how it was made, or "" for the default extractive answer."""
    if answer.mode == "generated":
        text = "Written by a language model from the sources below; each sentence was checked against the source it cites."
        return f"{text} {answer.note}" if answer.note else text
    return answer.note


# -- export -------------------------------------------------------------------------------------

def conversation_markdown(exchanges: Iterable[Exchange], when: dt.datetime | None = None) -> str:
    """The conversation as a Markdown document, each answer followed by its numbered sources."""
    when = when or dt.datetime.now().astimezone()
    lines = ["# Conversation with Mentor", "", f"Saved {when:%Y-%m-%d %H:%M}.", ""]
    all_sources: dict[str, str] = {}
    for i, ex in enumerate(exchanges, start=1):
        lines += [f"## {i}. {' '.join(question_preview(ex.question, 1000).split())}", ""]
        lines += [keep_line_breaks(ex.answer.text.strip()), ""]
        if ex.answer.citations:
            lines += ["Sources:", ""]
            for c in ex.answer.citations:
                lines.append(f"[{c.number}] {c.title} › {c.section} (`{c.doc_id}`)")
                lines.append("")
                all_sources.setdefault(c.doc_id, c.title)
    if all_sources:
        lines += ["## Documents cited", ""]
        lines += [f"- {title} (`{doc_id}`)" for doc_id, title in all_sources.items()]
        lines.append("")
    lines.append("Answers quote Mentor's curated guidance; check the sources before acting on them.")
    return "\n".join(lines) + "\n"


def download_name(when: dt.datetime | None = None) -> str:
    when = when or dt.datetime.now()
    return f"mentor-conversation-{when:%Y-%m-%d-%H%M}.md"
