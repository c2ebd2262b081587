"""Editing guidance documents safely: open with a hash, validate a draft, save atomically, trash, restore.

Used by the staff page and `mentor kb new`. A draft is checked with the same parser as
`mentor kb validate`, so the messages are the same everywhere. A save is refused when the file
changed on disk since it was opened (two staff editing one document), and is written to a
temporary file that replaces the document in one step, so a reader never sees half a file.

Reads and writes go through a document store (assistant/documents.py): the knowledge folder by
default, or PostgreSQL, where a save is a new revision based on the one that was opened and every
earlier revision can be restored.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import Field

from assistant.store.documents import DatabaseStore, FileStore, Revision, conflict
from assistant.errors import KnowledgeError
from assistant.knowledge import (SLUG, section_keys, as_date, document_files, load_knowledge, load_topics, parse_document,
                                 parse_yaml, read_file, read_text, split_front_matter)
from assistant.models import Document, DraftFrontMatter, FrontMatter, Problem
from assistant.text import did_you_mean, sha256, slugify

TRASH_DIR = ".trash"
Store = FileStore | DatabaseStore
FIELDS = tuple(FrontMatter.model_fields)

# The skeleton of a new document. A body that still holds these lines is not ready to publish.
INTRO_PLACEHOLDER = "Replace this paragraph: who this guidance is for, and what they can do after reading it."
SECTION_PLACEHOLDER = "Replace this with the guidance: short paragraphs, or a list of concrete steps."
PLACEHOLDERS = (INTRO_PLACEHOLDER, SECTION_PLACEHOLDER)


class Draft(DraftFrontMatter):
    """A document as the editor holds it: front-matter fields and the Markdown body, not yet valid."""

    body: str = ""
    extra: dict = Field(default_factory=dict)  # front-matter fields the editor does not know; dropped on save

    @property
    def doc_id(self) -> str:
        """The id, or one made from the title when the id is left blank."""
        return self.id.strip() or (slugify(self.title) if self.title.strip() else "")


@dataclass
class OpenedDocument:
    """A document opened for editing, with the hash of its bytes at that moment."""

    draft: Draft
    hash: str
    path: Path
    problems: list[Problem] = field(default_factory=list)  # as `mentor kb validate` reports them


@dataclass
class SaveResult:
    document: Document
    path: Path
    hash: str
    created: bool


class DocumentRow(DraftFrontMatter):
    """One line of the staff document list; broken documents are listed too, with their problems."""

    body: str
    file: str
    problems: list[str] = Field(default_factory=list)


def file_hash(path: Path) -> str | None:
    """sha256 of the file's bytes, or None when it does not exist.

    Raises:
        KnowledgeError: something other than a small regular file is there (see knowledge.read_file).
    """
    return sha256(read_file(path)) if os.path.lexists(path) else None


def _document_path(knowledge_dir: Path, doc_id: str) -> Path:
    # The id becomes a file name: only a slug may, so "../x" can never leave the folder.
    if not SLUG.match(doc_id or ""):
        raise ValueError(f"'{doc_id}' is not a document id; ids are slugs like 'finding-a-mentor'")
    return Path(knowledge_dir) / f"{doc_id}.md"


def _split(text: str) -> tuple[dict, str]:
    """Front matter (leniently: whatever YAML can read) and body, so broken documents still open."""
    parts = split_front_matter(text)
    if parts is None:
        return {}, text.strip()
    header, body = parts
    try:
        meta = parse_yaml(header)
    except ValueError:
        meta = None
    return (meta if isinstance(meta, dict) else {}), body


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


def _as_questions(value) -> dict[str, list[str]]:
    """The `questions` mapping as far as it can be read, so a broken one still opens in the editor."""
    if not isinstance(value, dict):
        return {}
    return {str(k): _as_list(v) for k, v in value.items()}


def _draft_from_text(stem: str, text: str) -> Draft:
    meta, body = _split(text)
    return Draft(
        id=str(meta.get("id") or stem), title=str(meta.get("title") or ""), topics=_as_list(meta.get("topics")),
        audience=_as_list(meta.get("audience")), summary=str(meta.get("summary") or ""), body=body,
        source=str(meta["source"]) if meta.get("source") else None,
        updated=as_date(meta.get("updated")),
        questions=_as_questions(meta.get("questions")),
        extra={k: v for k, v in meta.items() if k not in FIELDS},
    )


def list_documents(knowledge_dir: Path, topics: dict[str, str] | None = None) -> list[DocumentRow]:
    """Every document in the folder, valid or not, sorted by id."""
    knowledge_dir = Path(knowledge_dir)
    topics = topics if topics is not None else load_topics(knowledge_dir)
    rows = []
    for path in document_files(knowledge_dir):
        try:
            text = read_text(path)
            _, problems = parse_document(path, topics, text=text)
        except KnowledgeError as exc:  # not a readable file: listed with the reason, so staff can see it
            text, problems = "", exc.problems
        draft = _draft_from_text(path.stem, text)
        rows.append(DocumentRow(id=path.stem, title=draft.title or path.stem, topics=draft.topics,
                                audience=draft.audience, summary=draft.summary, updated=draft.updated,
                                body=draft.body, file=f"knowledge/{path.name}",
                                problems=[f"{p.field}: {p.message}" for p in problems]))
    return rows


def filter_documents(rows: list[DocumentRow], *, topics=(), audience=(), updated_since: dt.date | None = None,
                     updated_before: dt.date | None = None, text: str = "") -> list[DocumentRow]:
    """Rows matching every given filter: any of `topics`, any of `audience`, an `updated` range, and
    all words of `text` (case-insensitive) in the id, title, summary or body."""
    words = text.lower().split()
    out = []
    for row in rows:
        if topics and not set(topics) & set(row.topics):
            continue
        if audience and not set(audience) & set(row.audience):
            continue
        if updated_since and (row.updated is None or row.updated < updated_since):
            continue
        if updated_before and (row.updated is None or row.updated > updated_before):
            continue
        haystack = f"{row.id}\n{row.title}\n{row.summary}\n{row.body}".lower()
        if not all(w in haystack for w in words):
            continue
        out.append(row)
    return out


def open_document(knowledge_dir: Path, doc_id: str, topics: dict[str, str] | None = None, *,
                  store: Store | None = None) -> OpenedDocument:
    """Read a document for editing, remembering the hash (or, in the database, the revision) of what was read.

    Raises:
        FileNotFoundError: there is no knowledge/<doc_id>.md.
        KnowledgeError: something other than a small regular file is there (see knowledge.read_file).
    """
    path = _document_path(knowledge_dir, doc_id)
    raw, token = (store or FileStore(knowledge_dir)).read(path.name)
    text = raw.decode("utf-8-sig", "replace")  # not UTF-8: open it anyway, so it can be fixed here
    topics = topics if topics is not None else load_topics(knowledge_dir)
    _, problems = parse_document(path, topics, text=text)
    return OpenedDocument(draft=_draft_from_text(path.stem, text), hash=token, path=path, problems=problems)


def _yaml_scalar(value) -> str:
    """A YAML value in the house style: plain when it reads back unchanged, else double-quoted; flow lists."""
    if isinstance(value, list):
        text = "[" + ", ".join(_yaml_scalar(str(v)) for v in value) + "]"
        return text if _reads_back(text, value) else json.dumps(value, ensure_ascii=False)
    value = str(value)
    return value if value and _reads_back(value, value) else json.dumps(value, ensure_ascii=False)


def _reads_back(text: str, value) -> bool:
    try:
        return parse_yaml(f"k: {text}") == {"k": value}
    except ValueError:
        return False


def render_document(draft: Draft, updated: dt.date | None = None) -> str:
    """The file text for a draft: YAML front matter in the house order, then the body."""
    lines = [
        f"id: {_yaml_scalar(draft.doc_id)}",
        f"title: {_yaml_scalar(draft.title.strip())}",
        f"topics: {_yaml_scalar(list(draft.topics))}",
        f"audience: {_yaml_scalar(list(draft.audience))}",
        f"summary: {_yaml_scalar(' '.join(draft.summary.split()))}",
        f"updated: {(updated or draft.updated or dt.date.today()).isoformat()}",
    ]
    if draft.source and draft.source.strip():
        lines.append(f"source: {_yaml_scalar(draft.source.strip())}")
    if draft.questions:
        lines.append("questions:")
        for heading, asked in draft.questions.items():
            lines.append(f"  {_yaml_scalar(heading)}:")
            lines.extend(f"    - {_yaml_scalar(q)}" for q in asked)
    body = draft.body.replace("\r\n", "\n").strip()
    return "---\n" + "\n".join(lines) + "\n---\n\n" + body + "\n"


def validate_draft(knowledge_dir: Path, draft: Draft, topics: dict[str, str] | None = None, *,
                   new: bool = False, today: dt.date | None = None) -> list[Problem]:
    """Every problem with a draft, worded exactly as `mentor kb validate` words them.

    Args:
        new: the draft is a new document, so its id must not be taken.
    """
    knowledge_dir = Path(knowledge_dir)
    topics = topics if topics is not None else load_topics(knowledge_dir)
    doc_id = draft.doc_id
    name = f"{doc_id or 'untitled'}.md"
    label = f"knowledge/{name}" if knowledge_dir.name == "knowledge" else str(knowledge_dir / name)
    if not doc_id:
        return [Problem(file=label, field="title", message="is empty; write a short title")]
    if not SLUG.match(doc_id):
        return [Problem(file=label, field="id", message=f"'{doc_id}' is not a slug; use lowercase letters, digits "
                                                        f"and hyphens, like '{slugify(doc_id)}'")]
    path = knowledge_dir / name
    _, problems = parse_document(path, topics, text=render_document(draft, today))
    if new and os.path.lexists(path):
        problems.insert(0, Problem(file=label, field="id", message=f"'{doc_id}' is already used by {label}; "
                                                                    "choose another id or edit that document"))
    if any(p in draft.body for p in PLACEHOLDERS):
        problems.append(Problem(file=label, field="body", message="still has the template's 'Replace this' text; "
                                                                  "write the guidance in its place"))
    return problems


def _edit_lock(knowledge_dir: Path):
    from filelock import FileLock

    # Outside the knowledge folder, so it never shows up in git; one per knowledge folder.
    key = sha256(str(Path(knowledge_dir).resolve()))[:16]
    return FileLock(str(Path(tempfile.gettempdir()) / f"mentor-edit-{key}.lock"), timeout=30)


def save_document(knowledge_dir: Path, draft: Draft, topics: dict[str, str] | None = None, *,
                  expected_hash: str | None, today: dt.date | None = None, store: Store | None = None,
                  author: str = "staff") -> SaveResult:
    """Validate a draft and write it atomically, with `updated` set to today.

    Args:
        expected_hash: the hash from open_document; None for a new document (which must not exist yet).
        store: where to save (default: the knowledge folder); in the database the save is a new revision.
        author: who saved it, for the revision history.

    Raises:
        KnowledgeError: the draft has problems; nothing was written.
        EditConflict: the file changed (or appeared, or vanished) since it was opened; nothing was written.
    """
    knowledge_dir = Path(knowledge_dir)
    topics = topics if topics is not None else load_topics(knowledge_dir)
    today = today or dt.date.today()
    new = expected_hash is None
    with _edit_lock(knowledge_dir):
        problems = validate_draft(knowledge_dir, draft, topics, new=new, today=today)
        if problems:
            raise KnowledgeError(problems)
        path = _document_path(knowledge_dir, draft.doc_id)
        text = render_document(draft, today)
        token = (store or FileStore(knowledge_dir)).write(path.name, text, expected=expected_hash, author=author)
    document, _ = parse_document(path, topics, text=text)
    return SaveResult(document=document, path=path, hash=token, created=new)


def delete_document(store: Store, doc_id: str, expected_hash: str | None = None, author: str = "staff") -> str:
    """Delete a document from either store; returns what happened, as a sentence for the person who asked.

    Raises:
        FileNotFoundError: there is no such document.
        EditConflict: `expected_hash` is given and the document changed since it was opened.
    """
    path = _document_path(store.folder, doc_id)
    with _edit_lock(store.folder):
        where = store.delete(path.name, expected=expected_hash, author=author)
    if isinstance(store, FileStore):
        return f"Moved knowledge/{path.name} to knowledge/{TRASH_DIR}/{Path(where).name}."
    return f"Deleted knowledge/{path.name}: {where}."


def knowledge_name(doc: str) -> str:
    """The file a history or restore names: a document id, or topics.yaml / scope.yaml.

    Raises:
        ValueError: anything else, so no other path is ever read or written.
    """
    if doc in ("topics.yaml", "scope.yaml"):
        return doc
    doc_id = doc.removesuffix(".md")
    if not SLUG.match(doc_id or ""):
        raise ValueError(f"'{doc}' is not a document id or a knowledge file; use an id like 'finding-a-mentor', "
                         "or topics.yaml, or scope.yaml")
    return f"{doc_id}.md"


def document_history(store: Store, doc: str) -> list[Revision]:
    """The versions of a document (or topics.yaml, scope.yaml) that can be restored, oldest first.

    In the database: every revision, the current one last. In file mode: the copies in knowledge/.trash/
    (saves there keep no earlier versions).
    """
    return store.history(knowledge_name(doc))


def restore_document(store: Store, doc: str, revision: int, *, expected_hash: str | None | bool = False,
                     author: str = "staff") -> str:
    """Make an earlier version current again (in the database as a new revision: history is never rewritten).

    The restored text is validated with today's other files first, so a version that no longer fits
    (a topic since removed) is refused with the usual problems and nothing is written. Returns the new token.

    Args:
        expected_hash: the version the person was looking at (EditConflict when it changed since;
            None: the document must be deleted now); False: don't check.

    Raises:
        LookupError: no such revision. KnowledgeError: the version is not valid today. EditConflict.
    """
    name = knowledge_name(doc)
    body = store.revision_text(name, revision)
    if body is None:
        raise LookupError(f"revision {revision} of knowledge/{name} is its deletion; restore the revision before it")
    with _edit_lock(store.folder), tempfile.TemporaryDirectory() as tmp:
        trial = Path(tmp) / "knowledge"
        trial.mkdir()
        for other, text in store.snapshot().items():
            (trial / other).write_text(text, encoding="utf-8")
        (trial / name).write_text(body, encoding="utf-8")
        kb = load_knowledge(trial)
        problems = kb.problems if name.endswith(".yaml") else [p for p in kb.problems if p.file.endswith(f"/{name}")]
        if problems:
            raise KnowledgeError(problems)
        now = store.token(name)
        if expected_hash is not False and now != expected_hash:
            raise conflict(name, now)
        return store.write(name, body, expected=now, author=author, note=f"restored revision {revision}")


def new_draft(title: str = "", topics=(), audience=(), summary: str = "", questions=()) -> Draft:
    """A skeleton for a new document. With `questions` (from a content gap), one section per question."""
    sections = [q.strip().lstrip("#>-* ").strip() for q in questions if q and q.strip()][:3]
    body = [INTRO_PLACEHOLDER, ""]
    for heading in sections or ["A heading people would recognise"]:
        body += [f"## {' '.join(heading.split())}", SECTION_PLACEHOLDER, ""]
    return Draft(title=title, topics=list(topics), audience=list(audience), summary=summary,
                 body="\n".join(body).strip(),
                 questions={" ".join(h.split()): [" ".join(h.split())] for h in sections})


# -- the questions a section answers (front matter `questions:`) ----------------------------------
MAX_ATTACHED_QUESTION_CHARS = 300  # one question as a person would type it


def attach_question(knowledge_dir: Path, doc_id: str, section: str, question: str,
                    topics: dict[str, str] | None = None, *, store: Store | None = None, author: str = "staff",
                    today: dt.date | None = None) -> SaveResult | None:
    """Add a question people asked to the `questions:` of the section that should answer it.

    Saved like any edit: validated, refused when the document changed since it was read, and (in the
    database) a new revision. It is answerable once the index is rebuilt. Returns None when the section
    already lists the question.

    Raises:
        FileNotFoundError: there is no such document.
        ValueError: the section is not one of the document's, or the question is empty or too long.
        KnowledgeError: the document has problems to fix first; nothing was written.
        EditConflict: someone saved the document meanwhile; nothing was written.
    """
    text = " ".join(question.split())
    if not text or len(text) > MAX_ATTACHED_QUESTION_CHARS:
        raise ValueError(f"the question has {len(text)} characters; write it as a person would type it, "
                         f"1 to {MAX_ATTACHED_QUESTION_CHARS} characters")
    opened = open_document(knowledge_dir, doc_id, topics, store=store)
    keys = section_keys(doc_id, opened.draft.body)
    if section not in keys:
        raise ValueError(f"'{section}' is not a section of knowledge/{doc_id}.md{did_you_mean(section, keys)}; "
                         f"its sections are: {', '.join(keys)}")
    asked = list(opened.draft.questions.get(section, []))
    if text.casefold() in {q.casefold() for q in asked}:
        return None
    questions = {**opened.draft.questions, section: [*asked, text]}
    draft = opened.draft.model_copy(update={"questions": questions})
    return save_document(knowledge_dir, draft, topics, expected_hash=opened.hash, today=today, store=store,
                         author=author)
