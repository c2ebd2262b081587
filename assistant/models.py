"""The shared vocabulary: pydantic models that cross module boundaries."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, create_model

Audience = Literal["mentee", "mentor", "program-staff"]
AUDIENCES: tuple[str, ...] = get_args(Audience)
RetrievalMode = Literal["hybrid", "dense", "bm25"]
RETRIEVAL_MODES: tuple[str, ...] = get_args(RetrievalMode)
AskerRole = Literal["mentee", "mentor", "program-staff", "unknown"]
Role = Literal["user", "assistant"]
# support: a caring reply pointing to real help, for a message suggesting crisis, distress or harassment
# (assistant/care.py); never searched or generated, and only the status is stored
Status = Literal["answered", "out_of_scope", "invalid_input", "support"]
AnswerMode = Literal["extractive", "generated", "fallback"]


class FrontMatter(BaseModel):
    """The YAML header every guidance document starts with: the one definition of its fields.

    knowledge.py validates it (`CheckedFrontMatter`: slugs, known topics, audiences); a `Document`
    carries it; the editor's `Draft` and document list rows hold the same fields, not yet valid
    (`DraftFrontMatter`).
    """

    id: str
    title: str
    topics: list[str]
    audience: list[str]
    summary: str
    updated: dt.date
    source: str | None = None
    # The questions each section answers, in the asker's voice: section heading (or "Introduction" for
    # the text before the first heading) -> questions. Indexed as extra keys for that section's passages.
    questions: dict[str, list[str]] = Field(default_factory=dict)


INTRODUCTION = "Introduction"  # the `questions` key of the text before a document's first heading
SectionKind = Literal["template", "example", "pitfall", "advice"]


def _empty_default(annotation: Any) -> tuple[Any, Any]:
    """A field's type and default for a form being filled in: empty text, an empty list or mapping, or None."""
    if get_origin(annotation) is list:
        return annotation, Field(default_factory=list)
    if get_origin(annotation) is dict:
        return annotation, Field(default_factory=dict)
    if annotation is str:
        return str, ""
    return annotation | None, None


DraftFrontMatter = create_model(
    "DraftFrontMatter",
    __doc__="FrontMatter's fields as an editor holds them before they are valid: each may be empty.",
    **{name: _empty_default(field.annotation) for name, field in FrontMatter.model_fields.items()},
)


class Document(FrontMatter):
    """One curated guidance document: validated front matter plus its Markdown body."""

    model_config = ConfigDict(frozen=True)

    audience: list[Audience]
    body: str
    path: str = ""

    @property
    def primary_topic(self) -> str:
        return self.topics[0]


class Section(BaseModel):
    """A heading-delimited part of a document's body."""

    doc_id: str
    heading_path: list[str]  # title first, then the headings down to this section
    text: str
    is_template: bool = False

    @property
    def anchor(self) -> str:
        from assistant.text import slugify

        return slugify(self.heading_path[-1]) if len(self.heading_path) > 1 else "intro"


class Passage(BaseModel):
    """The unit of retrieval: a section, or a piece of a long one, sized for MiniLM's window."""

    id: str  # "<doc_id>#<section-anchor>-<content hash[:10]>"
    doc_id: str
    title: str
    heading_path: list[str]
    section_key: str  # "<doc_id>#<section-anchor>", shared by the pieces of one section
    topics: list[str]
    audience: list[str]
    text: str
    content_hash: str
    is_template: bool = False
    sentences: list[str] = Field(default_factory=list)  # answer units: sentences and list items
    context: str = ""  # searched but not quoted: the document summary, on a document's first passage
    # Set when chunking, not per query: what kind of section this is, whom it addresses (its
    # document's audience narrowed by a heading such as "For mentors"), and the questions it answers.
    kind: SectionKind = "advice"
    section_audience: list[str] = Field(default_factory=list)
    questions: list[str] = Field(default_factory=list)

    @property
    def section(self) -> str:
        """The heading path below the title, e.g. 'Where to look › Inside your organisation'."""
        return " › ".join(self.heading_path[1:]) or "Introduction"

    @property
    def embed_text(self) -> str:
        """What the model sees: headings give a short passage its context."""
        lead = f"{' › '.join(self.heading_path)}\n{self.context}\n" if self.context else f"{' › '.join(self.heading_path)}\n"
        return lead + self.text


class Turn(BaseModel):
    """One message of a conversation."""

    role: Role = "user"
    content: str
    # An assistant turn: the documents its answer quoted, so a follow-up is understood against what
    # the conversation already showed. Optional: a client that sends only user turns still works.
    sources: list[str] = Field(default_factory=list)


class Citation(BaseModel):
    """A numbered source behind an answer."""

    number: int
    doc_id: str
    title: str
    section: str
    topics: list[str]
    text: str
    score: float
    passage_id: str = ""
    highlights: list[str] = Field(default_factory=list)  # the passage sentences quoted in the answer


class Related(BaseModel):
    """A section the answer did not quote but that may help next: offered as a link, not pasted in."""

    doc_id: str
    title: str
    section: str
    topics: list[str]


class Answer(BaseModel):
    """What `Assistant.ask` returns."""

    status: Status
    text: str
    citations: list[Citation] = Field(default_factory=list)
    question: str = ""
    resolved_query: str = ""  # the query actually searched, after follow-up resolution
    role: AskerRole = "unknown"  # who the question reads as coming from; shapes ranking and composition
    top_score: float = 0.0
    confidence: float = 0.0
    # How well the section the answer opens with matches the question: the best cosine between the
    # question and the questions that section declares it answers (its best sentence's when it declares
    # none). 0.0 when nothing was answered. A low one is a doubtful answer on the Insights page.
    lead_match: float = 0.0
    # How far the chosen section's score (compose's) was ahead of the next section's: a near tie means
    # another section could as well have led. None for a template, or when no other section competed.
    lead_margin: float | None = None
    is_template: bool = False
    suggestions: list[str] = Field(default_factory=list)  # follow-up questions to offer
    related: list[Related] = Field(default_factory=list)  # other documents' sections worth a look, as links
    latency_ms: float = 0.0
    # extractive: quoted from the guidance (the default); generated: written by the LLM, every kept
    # sentence checked against the unit it cites; fallback: generation failed or too much was removed
    mode: AnswerMode = "extractive"
    removed_sentences: int = 0  # generated sentences removed by the citation check
    note: str = ""  # why a fallback happened or what was removed, shown under the answer
    first_token_ms: float = 0.0  # generated answers: time until the endpoint's first text
    care: str = ""  # the care reply given (crisis, distress, safeguarding, employment), if one was

    @property
    def doc_ids(self) -> list[str]:
        seen: list[str] = []
        for c in self.citations:
            if c.doc_id not in seen:
                seen.append(c.doc_id)
        return seen


class Topic(BaseModel):
    """One topic of the taxonomy (knowledge/topics.yaml)."""

    model_config = ConfigDict(extra="forbid")

    description: str  # one line: what a document filed under the topic helps with
    question: str | None = None  # one question the guidance answers well; the topic's button asks it


class Journey(BaseModel):
    """A stage people are at, with questions that start a conversation there (the chat's welcome)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    icon: str = ":material/chat:"  # a Material Symbols name, as Streamlit writes it
    questions: list[str] = Field(min_length=1)
    page: Literal["goals"] | None = None  # a guided page the stage's card also opens (views/goals.py)


class Taxonomy(BaseModel):
    """The content around the documents, from knowledge/topics.yaml: staff add a topic without code."""

    topics: dict[str, Topic]
    journeys: list[Journey] = Field(default_factory=list)
    scope_summary: str = ""  # what Mentor helps with, as the out-of-scope reply lists it

    def descriptions(self) -> dict[str, str]:
        """Topic slug -> its one-line description."""
        return {slug: topic.description for slug, topic in self.topics.items()}


class Problem(BaseModel):
    """One validation problem in a knowledge file."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


class IndexManifest(BaseModel):
    """Saved beside the index and checked on load."""

    format_version: int
    model: str
    dimension: int
    passage_count: int
    sentence_count: int
    knowledge_hash: str
    built_at: dt.datetime
    files: dict[str, str] = Field(default_factory=dict)  # file name -> sha256, to detect a half-written index
    versions: dict[str, str] = Field(default_factory=dict)
    skipped: list[str] = Field(default_factory=list)  # problems of documents left out of this build
    documents: dict[str, str] = Field(default_factory=dict)  # knowledge file name -> sha256 at build time


class BuildReport(BaseModel):
    """What a build did, for the CLI, the staff page and tests."""

    built: bool
    reason: str
    passages: int = 0
    embedded: int = 0  # texts actually run through the model
    cached: int = 0  # texts whose vectors came from the embedding cache
    seconds: float = 0.0
    version_dir: str = ""
    problems: list[Problem] = Field(default_factory=list)


class IndexStatus(BaseModel):
    """Whether the built index matches the knowledge folder and the model."""

    state: Literal["missing", "up_to_date", "stale", "damaged"]
    detail: str = ""
    changed: list[str] = Field(default_factory=list)  # document files added, edited or removed since the build
    manifest: IndexManifest | None = None

    @property
    def label(self) -> str:
        return {"missing": "missing", "up_to_date": "up to date", "stale": "stale", "damaged": "damaged"}[self.state]
