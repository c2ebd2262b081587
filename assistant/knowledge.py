"""Load and validate the curated Markdown documents and the topic taxonomy.

A bad file must never crash or hang whoever reads the folder: a file is read only when it is a small
regular file, YAML is parsed without aliases and only a few levels deep, and every failure becomes a
Problem that names the file, the field and the fix.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError, field_validator, model_validator

from assistant.chunking import sections
from assistant.errors import KnowledgeError
from assistant.lexicon import INSTRUCTION_TO_MACHINE
from assistant.models import AUDIENCES, INTRODUCTION, Document, FrontMatter, Problem, Taxonomy
from assistant.text import did_you_mean, sha256

TOPICS_FILE = "topics.yaml"
SCOPE_FILE = "scope.yaml"  # subjects the guidance deliberately does not cover (optional)
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_FILE_BYTES = 256 * 1024  # the longest guidance document is about 12 KB
MAX_YAML_DEPTH = 20  # front matter is flat; scope.yaml nests three levels
MAX_HEADING_CHARS = 200
MAX_QUESTION_CHARS = 300  # one intent question of a section, as a person would type it
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)


class _YamlLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """Safe YAML that keeps dates as text, so pydantic reports an impossible date as a field problem."""


_YamlLoader.add_constructor("tag:yaml.org,2002:timestamp", _YamlLoader.construct_scalar)


@dataclass
class KnowledgeBase:
    """Everything loaded from the knowledge folder, valid documents and problems side by side."""

    topics: dict[str, str]
    documents: list[Document] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # for a reviewer's eyes; never blocks a build
    scope: dict[str, NotCovered] = field(default_factory=dict)
    taxonomy: Taxonomy | None = None  # topics.yaml in full: journeys, topic questions, scope summary

    @property
    def ok(self) -> bool:
        return not self.problems

    def by_id(self) -> dict[str, Document]:
        return {d.id: d for d in self.documents}


# -- reading untrusted files -----------------------------------------------------------------------
def file_label(path: Path) -> str:
    """How messages name a file: 'knowledge/x.md' inside a knowledge folder, else the path."""
    path = Path(path)
    return f"knowledge/{path.name}" if path.parent.name == "knowledge" else str(path)


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a device"),
             (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def read_file(path: Path) -> bytes:
    """The bytes of a knowledge file, read only when it is a regular file of at most MAX_FILE_BYTES.

    A folder, pipe, device or broken link named like a knowledge file is refused without being read,
    so it can neither block a reader nor fill its memory (a link to /dev/zero never ends).

    Raises:
        KnowledgeError: one Problem naming the file, what is wrong with it and the fix.
    """
    path = Path(path)

    def refuse(message: str) -> KnowledgeError:
        return KnowledgeError([Problem(file=file_label(path), field="file", message=message)])

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a pipe opens at once instead of waiting for a writer
    except FileNotFoundError:
        if path.is_symlink():
            raise refuse(f"is a link to '{os.readlink(path)}', which does not exist; "
                         "point it at a file or delete it") from None
        raise refuse("does not exist (it was moved or deleted while being read); check the folder") from None
    except OSError as exc:
        raise refuse(f"cannot be read ({exc.strerror}); make it a file you can read") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise refuse(f"is {_kind(info.st_mode)}, not a file, so it was skipped; "
                         "move it out of the knowledge folder or replace it with a file")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        raise refuse(f"is larger than {MAX_FILE_BYTES // 1024} KB ({info.st_size:,} bytes), so it was not read; "
                     "split it into shorter files")
    return data


def read_text(path: Path) -> str:
    """A knowledge file as text (a leading byte-order mark is dropped). Raises KnowledgeError like read_file."""
    data = read_file(path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise KnowledgeError([Problem(file=file_label(path), field="file",
                                      message=f"is not UTF-8 text (byte {exc.start:,} is 0x{data[exc.start]:02x}); "
                                              "save it as UTF-8")]) from None


class _YamlRefused(ValueError):
    """YAML that parses but that this loader will not build: aliases, or nesting too deep."""


def _check_events(text: str, first_line: int) -> None:
    depth = 0
    for event in yaml.parse(text, Loader=_YamlLoader):
        line = event.start_mark.line + first_line
        if isinstance(event, yaml.AliasEvent):
            raise _YamlRefused(f"uses the YAML alias '*{event.anchor}' at line {line}; "
                               "write the value out in full instead")
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise _YamlRefused(f"nests lists or mappings more than {MAX_YAML_DEPTH} levels deep at line {line}; "
                                   "use plain 'field: value' lines")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def parse_yaml(text: str, first_line: int = 1):
    """Parse untrusted YAML without aliases (a few lines of them expand to gigabytes) or deep nesting.

    Args:
        first_line: the file line `text` starts on, so messages point at the right line.

    Raises:
        ValueError: a message that follows the file name, e.g. "is not valid YAML at line 4 (...); ...".
    """
    try:
        _check_events(text, first_line)
        return yaml.load(text, Loader=_YamlLoader)
    except _YamlRefused:
        raise
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + first_line}" if mark else ""
        reason = getattr(exc, "problem", None) or str(exc)
        raise ValueError(f"is not valid YAML{where} ({shorten(reason)}); check quotes and colons there") from None
    except Exception as exc:  # noqa: BLE001 - e.g. '!!int abc': any failure is the file's problem, not a crash
        raise ValueError(f"has a value YAML cannot build ({type(exc).__name__}: {shorten(str(exc))}); "
                         "remove tags such as '!!int' and write plain values") from None


def shorten(text: str, limit: int = 80) -> str:
    """`text` cut to `limit` characters, so a message never repeats a huge value."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


# -- the taxonomy ----------------------------------------------------------------------------------
def load_topics(knowledge_dir: Path) -> dict[str, str]:
    """The taxonomy's topics: slug -> one-line description (see load_taxonomy).

    Raises:
        KnowledgeError: topics.yaml is missing, unreadable or malformed.
    """
    return load_taxonomy(knowledge_dir).descriptions()


def load_taxonomy(knowledge_dir: Path) -> Taxonomy:
    """knowledge/topics.yaml: the topics, the chat's journeys and the out-of-scope reply's summary.

    The file is either `topics:` (each `slug: {description: ..., question: ...}`), `journeys:` and
    `scope_summary:`, or, in its short form, one `slug: description` line per topic.

    Raises:
        KnowledgeError: every problem, naming the file and the field.
    """
    path = Path(knowledge_dir) / TOPICS_FILE
    file = file_label(path)
    if not os.path.lexists(path):
        raise KnowledgeError([Problem(file=file, field="file",
                                      message="the topic taxonomy is missing; create it with one 'slug: description' line per topic")])
    try:
        data = parse_yaml(read_text(path))
    except ValueError as exc:
        raise KnowledgeError([Problem(file=file, field="yaml", message=str(exc))]) from None
    if not isinstance(data, dict) or not data:
        raise KnowledgeError([Problem(file=file, field="file", message="expected 'slug: description' lines")])
    if "topics" not in data:  # the short form
        data = {"topics": data}
    topics = data.get("topics")
    if not isinstance(topics, dict) or not topics:
        raise KnowledgeError([Problem(file=file, field="topics", message="expected 'slug: description' lines")])
    bad = [k for k in topics if not SLUG.match(str(k))]
    if bad:
        raise KnowledgeError([Problem(file=file, field=shorten(str(k)), message="topic slugs use a-z, 0-9 and hyphens")
                              for k in bad])
    data["topics"] = {str(k): {"description": v} if not isinstance(v, dict) else v for k, v in topics.items()}
    try:
        return Taxonomy.model_validate(data)
    except ValidationError as exc:
        raise KnowledgeError([Problem(file=file, field=shorten(".".join(str(p) for p in err["loc"])),
                                      message=err["msg"].removeprefix("Value error, ")) for err in exc.errors()]) from None


# -- documents -------------------------------------------------------------------------------------
class CheckedFrontMatter(FrontMatter):
    """The front matter with the rules a document must meet. Context carries the file stem and taxonomy."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str, info) -> str:
        if not SLUG.match(value):
            raise ValueError(f"'{shorten(value)}' is not a slug; use lowercase letters, digits and hyphens, "
                             "like 'finding-a-mentor'")
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
                raise ValueError(f"'{shorten(topic)}' is not a known topic{did_you_mean(topic, taxonomy)}; "
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
                raise ValueError(f"'{shorten(who)}' is not an audience{did_you_mean(who, AUDIENCES)}; "
                                 f"use {', '.join(AUDIENCES)}")
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


_DATE = TypeAdapter(CheckedFrontMatter.model_fields["updated"].annotation)


def as_date(value) -> dt.date | None:
    """`updated` as a date when the front matter holds a valid one (as CheckedFrontMatter reads it), else None."""
    try:
        return _DATE.validate_python(value)
    except ValidationError:
        return None


def _pydantic_problems(file: str, exc: ValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = shorten(".".join(str(p) for p in err["loc"])) or "front matter"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            msg = f"is missing; add '{loc}:' to the front matter"
        elif err["type"] == "extra_forbidden":
            msg = (f"is not a known field{did_you_mean(loc, CheckedFrontMatter.model_fields)}; "
                   f"allowed fields: {', '.join(CheckedFrontMatter.model_fields)}")
        elif loc == "updated":
            msg = f"{shorten(repr(err['input']))} is not a date; write it as YYYY-MM-DD, like 2026-11-20"
        problems.append(Problem(file=file, field=loc, message=msg))
    return problems


def split_front_matter(text: str) -> tuple[str, str] | None:
    """(YAML text, body) of a document, or None when it has no '---' front matter block."""
    match = _FRONT_MATTER.match(text)
    return (match.group(1), text[match.end():].strip()) if match else None


def _heading_problems(file: str, doc_id: str, body: str) -> list[Problem]:
    # The headings exactly as chunking finds them (code fences included); a heading is quoted in every
    # citation of its section, so a paragraph typed after '#' would fill the reader's screen.
    outline = Document.model_construct(id=doc_id, title="", body=body)
    long = dict.fromkeys(h for s in sections(outline) for h in s.heading_path[1:] if len(h) > MAX_HEADING_CHARS)
    return [Problem(file=file, field="body",
                    message=f"the heading '{shorten(' '.join(h.split()), 40)}' has {len(h):,} characters; keep "
                            f"headings to {MAX_HEADING_CHARS} and put the rest in the text below them") for h in long]


def section_keys(doc_id: str, body: str) -> list[str]:
    """The `questions` key of each section with text, in order: its heading, or "Introduction"."""
    outline = Document.model_construct(id=doc_id, title="", body=body)
    return list(dict.fromkeys(s.heading_path[-1] if len(s.heading_path) > 1 else INTRODUCTION for s in sections(outline)))


def _question_problems(file: str, questions: dict[str, list[str]]) -> list[Problem]:
    """Questions that cannot be indexed: blank, or longer than anyone types."""
    return [Problem(file=file, field="questions", message=(
                f"'{shorten(key, 40)}' has a question of {len(q)} characters; write each as a person "
                f"would type it, 1 to {MAX_QUESTION_CHARS} characters"))
            for key, asked in questions.items() for q in asked if not q.strip() or len(q) > MAX_QUESTION_CHARS]


def question_warnings(doc: Document) -> list[Problem]:
    """Warnings about the `questions` a document declares: a key that names no section (a renamed
    heading: its questions are not indexed) and a section with none (matched on its words only)."""
    file = file_label(Path(doc.path)) if doc.path else f"{doc.id}.md"
    keys = section_keys(doc.id, doc.body)
    unknown = [Problem(file=file, field="questions", message=(
                   f"'{shorten(key, 60)}' is not a section heading of this document{did_you_mean(key, keys)}; "
                   f"use a heading exactly as written, or '{INTRODUCTION}' for the text before the first heading"))
               for key in doc.questions if key not in keys]
    missing = [Problem(file=file, field="questions",
                       message=f"the section '{shorten(key, 60)}' lists no questions it answers; add 2-4 under "
                               f"questions: {key}, in the words a person would use")
               for key in dict.fromkeys(keys) if not doc.questions.get(key)]
    return unknown + missing


def parse_document(path: Path, topics: dict[str, str], text: str | None = None) -> tuple[Document | None, list[Problem]]:
    """Parse one Markdown file. Returns the document, or None and every problem found.

    The document's body is `safe_markdown` of the file's: an image in it shows as a link.
    """
    path = Path(path)
    file = file_label(path)
    if text is None:
        try:
            text = read_text(path)
        except KnowledgeError as exc:
            return None, exc.problems
    parts = split_front_matter(text)
    if parts is None:
        return None, [Problem(file=file, field="front matter",
                              message="is missing; start the file with a '---' line, the YAML fields, then another '---' line")]
    header, body = parts
    try:
        meta = parse_yaml(header, first_line=2)
    except ValueError as exc:
        return None, [Problem(file=file, field="front matter", message=str(exc))]
    if not isinstance(meta, dict):
        return None, [Problem(file=file, field="front matter", message="must be 'field: value' lines")]
    problems: list[Problem] = []
    fm = None
    try:
        fm = CheckedFrontMatter.model_validate(meta, context={"stem": path.stem, "topics": topics})
    except ValidationError as exc:
        problems.extend(_pydantic_problems(file, exc))
    if not body:
        problems.append(Problem(file=file, field="body", message="is empty; write the guidance below the front matter"))
    problems.extend(_heading_problems(file, path.stem, body))
    if fm is not None:
        problems.extend(_question_problems(file, fm.questions))
    if problems or fm is None:
        return None, problems
    return Document(**fm.model_dump(), body=safe_markdown(body), path=str(path)), []


def document_files(knowledge_dir: Path) -> list[Path]:
    return sorted(p for p in Path(knowledge_dir).glob("*.md") if not p.name.startswith((".", "_")))


def load_knowledge(knowledge_dir: Path) -> KnowledgeBase:
    """Load every document, collecting all problems rather than stopping at the first.

    Never raises: a missing folder or a broken topics.yaml is the one problem of an empty KnowledgeBase.
    """
    knowledge_dir = Path(knowledge_dir)
    if not knowledge_dir.is_dir():
        missing = Problem(file=str(knowledge_dir), field="folder",
                          message="does not exist; create it or set MENTOR_KNOWLEDGE_DIR")
        return KnowledgeBase(topics={}, problems=[missing])
    try:
        taxonomy = load_taxonomy(knowledge_dir)
        kb = KnowledgeBase(topics=taxonomy.descriptions(), taxonomy=taxonomy)
    except KnowledgeError as exc:
        return KnowledgeBase(topics={}, problems=exc.problems)
    try:
        kb.scope = load_scope(knowledge_dir)
    except KnowledgeError as exc:
        kb.problems.extend(exc.problems)
    seen: dict[str, str] = {}
    for path in document_files(knowledge_dir):
        try:
            text = read_text(path)
        except KnowledgeError as exc:
            kb.problems.extend(exc.problems)
            continue
        kb.warnings.extend(review_text(file_label(path), text))
        doc, problems = parse_document(path, kb.topics, text=text)
        kb.problems.extend(problems)
        if doc is None:
            continue
        kb.warnings.extend(question_warnings(doc))
        if doc.id in seen:
            kb.problems.append(Problem(file=file_label(path), field="id",
                                       message=f"'{doc.id}' is already used by {seen[doc.id]}; ids must be unique"))
            continue
        seen[doc.id] = path.name
        kb.documents.append(doc)
    if not kb.documents and not kb.problems:
        kb.problems.append(Problem(file=str(knowledge_dir), field="folder", message="has no .md documents; add one"))
    _check_care(knowledge_dir, kb)
    return kb


def _check_care(knowledge_dir: Path, kb: KnowledgeBase) -> None:
    """knowledge/care.yaml (assistant/care.py): its problems, and a warning when it is missing or the
    fitted model no longer matches its exemplars."""
    from assistant.care import CARE_FILE, load_care, model_warning

    file = f"knowledge/{CARE_FILE}"
    try:
        care = load_care(knowledge_dir, documents=[d.id for d in kb.documents])
    except KnowledgeError as exc:
        kb.problems.extend(exc.problems)
        return
    if care is None:
        kb.warnings.append(Problem(file=file, field="file", message=(
            "is missing, so messages suggesting crisis, distress or harassment get ordinary answers; "
            "restore it from git")))
    elif (warning := model_warning(care)) is not None:
        kb.warnings.append(Problem(file=file, field="exemplars", message=warning))


def knowledge_fingerprint(knowledge_dir: Path) -> tuple[str, dict[str, str]]:
    """A hash of the whole knowledge folder, and one per document file, from the bytes on disk.

    A file that cannot be read is hashed by its problem, so fixing it changes the fingerprint.
    """
    knowledge_dir = Path(knowledge_dir)
    per_file: dict[str, str] = {}
    for path in [knowledge_dir / TOPICS_FILE, knowledge_dir / SCOPE_FILE, *document_files(knowledge_dir)]:
        if os.path.lexists(path):
            try:
                per_file[path.name] = sha256(read_file(path).decode("utf-8", "replace"))
            except KnowledgeError as exc:
                per_file[path.name] = sha256(str(exc))
    overall = sha256("\n".join(f"{k}:{v}" for k, v in sorted(per_file.items())))
    return overall, per_file


# -- subjects the guidance does not cover ----------------------------------------------------------
class NotCovered(BaseModel):
    """A subject the guidance does not cover, with phrasings used to recognise questions about it."""

    model_config = ConfigDict(extra="forbid")

    label: str
    examples: list[str]


def load_scope(knowledge_dir: Path) -> dict[str, NotCovered]:
    """The declared out-of-scope subjects from knowledge/scope.yaml; none when the file is absent.

    Raises:
        KnowledgeError: every problem in the file, each naming the subject and field.
    """
    path = Path(knowledge_dir) / SCOPE_FILE
    if not os.path.lexists(path):
        return {}
    file = file_label(path)
    shape = "each entry is a subject with 'label:' and a list of 'examples:'"
    try:
        data = parse_yaml(read_text(path))
    except ValueError as exc:
        raise KnowledgeError([Problem(file=file, field="file", message=f"{exc}; {shape}")]) from None
    if data is None:  # only comments: no subject is excluded
        return {}
    if not isinstance(data, dict):
        raise KnowledgeError([Problem(file=file, field="file", message=f"is not a list of subjects; {shape}")])
    scope, problems = {}, []
    for key, value in data.items():
        try:
            scope[str(key)] = NotCovered.model_validate(value)
        except ValidationError as exc:
            problems += [Problem(file=file, field=shorten(".".join(str(p) for p in (key, *err["loc"]))),
                                 message=f"{err['msg']}; {shape}") for err in exc.errors()]
    if problems:
        raise KnowledgeError(problems)
    return scope


# -- review aids and safe rendering ----------------------------------------------------------------
_REVIEW = {  # kind: (pattern, message); each kind is reported once per file, at its first line
    "instruction": (INSTRUCTION_TO_MACHINE,
                    "reads like an instruction to a machine ('{}'); answers quote documents word for word, "
                    "so reword it as advice for people"),
    "html": (re.compile(r"</?[a-z][a-z0-9-]*(?:\s[^<>\n]*)?/?>", re.I),
             "has raw HTML ({}), which readers see as text; use Markdown instead"),
    "image": (re.compile(r"!\[[^\]\n]*\]\(\s*<?((?:[a-z][a-z0-9+.-]*:)?//[^\s)>]*)", re.I),
              "shows a remote image ({}); Mentor shows it as a link, because loading it would tell that host "
              "who reads the guidance. Remove it, or write it as a link"),
    "link": (re.compile(r"https?://[^\s)>\]]+", re.I),
             "links to a remote page ({}); check the address is one you trust, as Mentor otherwise works offline"),
}


def review_text(file: str, text: str) -> list[Problem]:
    """Warnings for a reviewer: instruction-like text, raw HTML, remote images and links.

    They never block a build (staff are trusted, and each may be deliberate); `mentor kb validate`
    prints them.
    """
    found: dict[str, tuple[int, str]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        for kind, (pattern, _) in _REVIEW.items():
            subject = _REVIEW["image"][0].sub("", line) if kind == "link" else line  # an image is not also a link
            match = None if kind in found else pattern.search(subject)
            if match:
                found[kind] = (number, match.group(match.lastindex or 0))
    return [Problem(file=file, field=f"line {found[kind][0]}", message=message.format(shorten(found[kind][1], 60)))
            for kind, (_, message) in _REVIEW.items() if kind in found]


_IMAGE = re.compile(r"(?<!\\)!\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\](?=([(\[])?)")
_REFERENCE = re.compile(r"^ {0,3}\[([^\]\n]+)\]:", re.M)
_CODE_SPAN = re.compile(r"(`+).+?\1")


def safe_markdown(text: str) -> str:
    """Markdown in which every image is a plain link, so a reader's browser fetches nothing.

    An image's address is chosen by whoever wrote the document: loading it would tell that host the
    reader's IP address, and break working offline. Code is left as written.
    """
    if "![" not in text:
        return text
    references = {label.lower() for label in _REFERENCE.findall(text)}

    def unimage(part: str) -> str:
        return _IMAGE.sub(lambda m: f"[{m.group(1) or 'image'}]" if m.group(2) or m.group(1).lower() in references
                          else m.group(0), part)

    out, fenced = [], False
    for line in text.split("\n"):
        if re.match(r"^\s*(```|~~~)", line):
            fenced = not fenced
        elif not fenced:
            pieces, last = [], 0
            for span in _CODE_SPAN.finditer(line):
                pieces += [unimage(line[last:span.start()]), span.group(0)]
                last = span.end()
            line = "".join(pieces) + unimage(line[last:])
        out.append(line)
    return "\n".join(out)
