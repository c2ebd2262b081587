"""Load and validate the curated Markdown documents and the topic taxonomy."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from assistant.errors import KnowledgeError
from assistant.models import Document, Problem
from assistant.text import did_you_mean, sha256

TOPICS_FILE = "topics.yaml"
SCOPE_FILE = "scope.yaml"  # subjects the guidance deliberately does not cover (optional)
AUDIENCES = ("mentee", "mentor", "program-staff")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)


@dataclass
class KnowledgeBase:
    """Everything loaded from the knowledge folder, valid documents and problems side by side."""

    topics: dict[str, str]
    documents: list[Document] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def by_id(self) -> dict[str, Document]:
        return {d.id: d for d in self.documents}

    def raise_for_problems(self) -> None:
        if self.problems:
            raise KnowledgeError(self.problems)


def load_topics(knowledge_dir: Path) -> dict[str, str]:
    """The taxonomy: slug -> one-line description."""
    path = Path(knowledge_dir) / TOPICS_FILE
    if not path.exists():
        raise KnowledgeError([Problem(file=str(path), field="file",
                                      message="the topic taxonomy is missing; create it with one 'slug: description' line per topic")])
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise KnowledgeError([Problem(file=str(path), field="yaml", message=f"not valid YAML ({exc}); fix the line it names")])
    if not isinstance(data, dict) or not data:
        raise KnowledgeError([Problem(file=str(path), field="file", message="expected 'slug: description' lines")])
    bad = [k for k in data if not SLUG.match(str(k))]
    if bad:
        raise KnowledgeError([Problem(file=str(path), field=str(k), message="topic slugs use a-z, 0-9 and hyphens") for k in bad])
    return {str(k): str(v) for k, v in data.items()}


class FrontMatter(BaseModel):
    """The validated YAML header of a document. Context carries the file stem and taxonomy."""

    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    topics: list[str]
    audience: list[str]
    summary: str
    updated: dt.date
    source: str | None = None

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str, info) -> str:
        if not SLUG.match(value):
            raise ValueError(f"'{value}' is not a slug; use lowercase letters, digits and hyphens, like 'finding-a-mentor'")
        stem = (info.context or {}).get("stem")
        if stem and value != stem:
            raise ValueError(f"'{value}' must equal the file name '{stem}'; rename the file to {value}.md or set id: {stem}")
        return value

    @field_validator("title", "summary")
    @classmethod
    def _not_blank(cls, value: str, info) -> str:
        if not value.strip():
            raise ValueError(f"is empty; write a short {info.field_name}")
        return value.strip()

    @field_validator("topics")
    @classmethod
    def _known_topics(cls, value: list[str], info) -> list[str]:
        taxonomy = (info.context or {}).get("topics", {})
        if not 1 <= len(value) <= 3:
            raise ValueError(f"has {len(value)} topics; give 1 to 3 from {TOPICS_FILE}")
        for topic in value:
            if topic not in taxonomy:
                raise ValueError(f"'{topic}' is not a known topic{did_you_mean(topic, taxonomy)}; "
                                 f"use a slug from knowledge/{TOPICS_FILE}")
        if len(set(value)) != len(value):
            raise ValueError("lists a topic twice; remove the repeat")
        return value

    @field_validator("audience")
    @classmethod
    def _known_audience(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError(f"is empty; give one or more of {', '.join(AUDIENCES)}")
        for who in value:
            if who not in AUDIENCES:
                raise ValueError(f"'{who}' is not an audience{did_you_mean(who, AUDIENCES)}; use {', '.join(AUDIENCES)}")
        return value

    @model_validator(mode="before")
    @classmethod
    def _lists(cls, data):
        # Accept a single topic or audience written as a plain string.
        if isinstance(data, dict):
            for key in ("topics", "audience"):
                if isinstance(data.get(key), str):
                    data[key] = [data[key]]
        return data


def _pydantic_problems(file: str, exc: ValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "front matter"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            msg = f"is missing; add '{loc}:' to the front matter"
        elif err["type"] == "extra_forbidden":
            msg = (f"is not a known field{did_you_mean(loc, FrontMatter.model_fields)}; "
                   f"allowed fields: {', '.join(FrontMatter.model_fields)}")
        elif loc == "updated":
            msg = f"{err['input']!r} is not a date; write it as YYYY-MM-DD, like 2026-11-20"
        problems.append(Problem(file=file, field=loc, message=msg))
    return problems


def split_front_matter(text: str) -> tuple[str, str] | None:
    """(YAML text, body) of a document, or None when it has no '---' front matter block."""
    match = _FRONT_MATTER.match(text)
    return (match.group(1), text[match.end():].strip()) if match else None


def parse_document(path: Path, topics: dict[str, str], text: str | None = None) -> tuple[Document | None, list[Problem]]:
    """Parse one Markdown file. Returns the document, or None and every problem found."""
    path = Path(path)
    file = f"knowledge/{path.name}" if path.parent.name == "knowledge" else str(path)
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            return None, [Problem(file=file, field="file", message="is not UTF-8 text; save it as UTF-8")]
    parts = split_front_matter(text)
    if parts is None:
        return None, [Problem(file=file, field="front matter",
                              message="is missing; start the file with a '---' line, the YAML fields, then another '---' line")]
    header, body = parts
    try:
        meta = yaml.safe_load(header)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 2}" if where else ""
        return None, [Problem(file=file, field="front matter",
                              message=f"is not valid YAML{line} ({getattr(exc, 'problem', exc)}); check quotes and colons there")]
    if not isinstance(meta, dict):
        return None, [Problem(file=file, field="front matter", message="must be 'field: value' lines")]
    problems: list[Problem] = []
    fm = None
    try:
        fm = FrontMatter.model_validate(meta, context={"stem": path.stem, "topics": topics})
    except ValidationError as exc:
        problems.extend(_pydantic_problems(file, exc))
    if not body:
        problems.append(Problem(file=file, field="body", message="is empty; write the guidance below the front matter"))
    if problems or fm is None:
        return None, problems
    return Document(**fm.model_dump(), body=body, path=str(path)), []


def document_files(knowledge_dir: Path) -> list[Path]:
    return sorted(p for p in Path(knowledge_dir).glob("*.md") if not p.name.startswith((".", "_")))


def load_knowledge(knowledge_dir: Path) -> KnowledgeBase:
    """Load every document, collecting all problems rather than stopping at the first."""
    knowledge_dir = Path(knowledge_dir)
    if not knowledge_dir.is_dir():
        raise KnowledgeError([Problem(file=str(knowledge_dir), field="folder",
                                      message="does not exist; create it or set MENTOR_KNOWLEDGE_DIR")])
    kb = KnowledgeBase(topics=load_topics(knowledge_dir))
    seen: dict[str, str] = {}
    for path in document_files(knowledge_dir):
        doc, problems = parse_document(path, kb.topics)
        kb.problems.extend(problems)
        if doc is None:
            continue
        if doc.id in seen:
            kb.problems.append(Problem(file=f"knowledge/{path.name}", field="id",
                                       message=f"'{doc.id}' is already used by {seen[doc.id]}; ids must be unique"))
            continue
        seen[doc.id] = path.name
        kb.documents.append(doc)
    if not kb.documents and not kb.problems:
        kb.problems.append(Problem(file=str(knowledge_dir), field="folder", message="has no .md documents; add one"))
    return kb


def knowledge_fingerprint(knowledge_dir: Path) -> tuple[str, dict[str, str]]:
    """A hash of the whole knowledge folder, and one per document file, from the bytes on disk."""
    knowledge_dir = Path(knowledge_dir)
    per_file: dict[str, str] = {}
    for path in [knowledge_dir / TOPICS_FILE, knowledge_dir / SCOPE_FILE, *document_files(knowledge_dir)]:
        if path.exists():
            per_file[path.name] = sha256(path.read_bytes().decode("utf-8", "replace"))
    overall = sha256("\n".join(f"{k}:{v}" for k, v in sorted(per_file.items())))
    return overall, per_file


class NotCovered(BaseModel):
    """A subject the guidance does not cover, with phrasings used to recognise questions about it."""

    model_config = ConfigDict(extra="forbid")

    label: str
    examples: list[str]


def load_scope(knowledge_dir: Path) -> dict[str, NotCovered]:
    """The declared out-of-scope subjects from knowledge/scope.yaml; none when the file is absent."""
    path = Path(knowledge_dir) / SCOPE_FILE
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return {str(k): NotCovered.model_validate(v) for k, v in data.items()}
    except (yaml.YAMLError, ValidationError, AttributeError) as exc:
        raise KnowledgeError([Problem(file=f"knowledge/{SCOPE_FILE}", field="file",
                                      message=f"is not valid ({type(exc).__name__}: {exc}); each entry needs "
                                              "'label:' and a list of 'examples:'")]) from exc
