"""The persisted index: build it atomically, check it on load, report whether it is stale.

Layout of the index folder:
    CURRENT                   name of the live version folder, replaced atomically
    v-<time>-<rand>/          one complete build: manifest.json, passages.jsonl, passages.faiss,
                              sentences.npy, sentence_passage.npy
    embedding-cache.sqlite    vectors by content hash, shared by all builds
    .build.lock               one build at a time, across processes

A build writes a hidden temporary folder, renames it to its version name, and only then points
CURRENT at it, so a crash at any moment leaves the previous index serving.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable, Generic, TypeVar

import numpy as np

from assistant.chunking import CHUNKING_VERSION, passages as chunk_passages
from assistant.config import Settings
from assistant.embedding import EmbeddingCache, Embedder, embed_cached
from assistant.errors import IndexDamaged, IndexNotReady, KnowledgeError
from assistant.files import file_sha256, write_atomic
from assistant.knowledge import KnowledgeBase, knowledge_fingerprint, load_knowledge
from assistant.models import BuildReport, IndexManifest, IndexStatus, Passage, Taxonomy
from assistant.scope import SCOPE_MODEL_FILE, ScopeModel
from assistant.weights import WEIGHTS_FILE, Weights, saved_weights_text

FORMAT_VERSION = 9 + 100 * CHUNKING_VERSION  # 9: a version holds its answer weights; 8: the scope model reads intent; 7: a version holds the vectors of the questions each section answers
POINTER = "CURRENT"
CACHE_FILE = "embedding-cache.sqlite"
FILES = ("passages.jsonl", "passages.faiss", "sentences.npy", "sentence_passage.npy", "scope.npy", "scope.json",
         "documents.npy", "documents.json", "taxonomy.json", SCOPE_MODEL_FILE, "questions.npy", "question_passage.npy", WEIGHTS_FILE)
KEEP_VERSIONS = 2

Progress = Callable[[float, str], None]


@dataclass
class IndexData:
    """A loaded, verified index version."""

    manifest: IndexManifest
    passages: list[Passage]
    faiss_index: object
    sentence_vectors: np.ndarray  # (n_sentences, dim), normalised
    sentence_passage: np.ndarray  # (n_sentences,), row of the passage each sentence belongs to
    path: Path
    scope_vectors: np.ndarray | None = None  # phrasings of subjects the guidance does not cover
    scope_labels: list[str] | None = None  # the subject label of each row of scope_vectors
    doc_vectors: np.ndarray | None = None  # per document: its title, and its title with the summary
    doc_ids: list[str] | None = None  # the document of each row of doc_vectors
    taxonomy: Taxonomy = field(default_factory=lambda: Taxonomy(topics={}))  # topics.yaml as built
    scope_model: ScopeModel = field(default_factory=ScopeModel.default)  # the calibration it was built with
    question_vectors: np.ndarray | None = None  # (n_questions, dim): the questions sections say they answer
    question_passage: np.ndarray | None = None  # (n_questions,): row of the passage each question belongs to
    weights: Weights = field(default_factory=Weights.shipped)  # the fusion weights it was built with

    def intent_scores(self, query_vector: np.ndarray) -> np.ndarray:
        """Each passage's best similarity between the query and the questions its section answers
        (-1 for a passage that declares none): question-to-question matching, which MiniLM does well."""
        best = np.full(len(self.passages), -1.0, dtype="float32")
        if self.question_vectors is not None and len(self.question_vectors):
            starts, rows = self._question_groups
            best[rows] = np.maximum.reduceat(self.question_vectors @ query_vector, starts)
        return best

    @cached_property
    def _question_groups(self) -> tuple[np.ndarray, np.ndarray]:
        """Where each passage's questions start (a build writes them in passage order) and its row:
        the best question per passage is one reduceat, not a Python-speed np.maximum.at."""
        order = self.question_passage
        starts = np.flatnonzero(np.concatenate([[True], order[1:] != order[:-1]])) if len(order) else np.array([], int)
        return starts, order[starts]

    @cached_property
    def passage_doc_rows(self) -> np.ndarray:
        """Index into `document_ids` of each passage's document."""
        row = {doc_id: i for i, doc_id in enumerate(self.document_ids)}
        return np.array([row[p.doc_id] for p in self.passages], dtype="int64")

    @cached_property
    def document_ids(self) -> list[str]:
        return list(dict.fromkeys(self.doc_ids or []))

    @cached_property
    def doc_vector_rows(self) -> np.ndarray:
        """Index into `document_ids` of each row of doc_vectors."""
        row = {doc_id: i for i, doc_id in enumerate(self.document_ids)}
        return np.array([row[d] for d in self.doc_ids or []], dtype="int64")

    def document_scores(self, query_vector: np.ndarray) -> np.ndarray:
        """Each document's best similarity over its rows (title; title and summary)."""
        vectors, starts = self._doc_groups
        if not len(starts):
            return np.full(len(self.document_ids), -1.0, dtype="float32")
        return np.maximum.reduceat(vectors @ query_vector, starts)

    @cached_property
    def _doc_groups(self) -> tuple[np.ndarray, np.ndarray]:
        """doc_vectors with each document's rows together, in document_ids order, and where each document
        starts: the best row per document is one reduceat (np.maximum.at took 66 ms at 2,900 documents)."""
        order = np.argsort(self.doc_vector_rows, kind="stable")
        rows = self.doc_vector_rows[order]
        starts = np.flatnonzero(np.concatenate([[True], rows[1:] != rows[:-1]]))
        return np.ascontiguousarray(self.doc_vectors[order], dtype="float32"), starts

    def dense_scores(self, query_vector: np.ndarray) -> np.ndarray:
        """The cosine of the query with every passage, by passage row (-1 for a row the index lacks).

        One matrix product over the FAISS index's own vectors. Asking FAISS to search for all n passages
        made it sort all n results, which grew to half of ask()'s time (250 ms at 27,000 passages); the
        scores are the same inner products.
        """
        vectors, ids = self._passage_vectors
        out = np.full(self.faiss_index.ntotal, -1.0, dtype="float32")
        out[ids] = vectors @ query_vector.astype("float32").reshape(-1)
        return out

    @cached_property
    def _passage_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """The vectors in the FAISS index (a view of its memory, not a copy) and the passage row of each."""
        import faiss

        flat = faiss.downcast_index(self.faiss_index.index)
        vectors = faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * flat.d).reshape(flat.ntotal, flat.d)
        return vectors, faiss.vector_to_array(self.faiss_index.id_map)

    @cached_property
    def first_rows(self) -> dict[str, int]:
        """The row of each document's first passage."""
        first: dict[str, int] = {}
        for row, passage in enumerate(self.passages):
            first.setdefault(passage.doc_id, row)
        return first

    @cached_property
    def template_rows(self) -> dict[str, list[int]]:
        """Each document's template passages, by row."""
        rows: dict[str, list[int]] = {}
        for row, passage in enumerate(self.passages):
            if passage.is_template:
                rows.setdefault(passage.doc_id, []).append(row)
        return rows

    def precompute(self) -> "IndexData":
        """Build, at load, what questions use that grows with the knowledge, so no question scans every
        passage in Python and the first one does not pay for it."""
        for name in ("_passage_vectors", "_doc_groups", "first_rows", "template_rows", "passage_doc_rows",
                     "sentence_offsets", "section_rows", "doc_sections", "_question_groups"):
            if (name != "_doc_groups" or self.doc_vectors is not None) and \
                    (name != "_question_groups" or self.question_passage is not None):
                getattr(self, name)
        return self

    @cached_property
    def doc_sections(self) -> dict[str, list[str]]:
        """Each document's section keys, in reading order."""
        out: dict[str, list[str]] = {}
        for key in self.section_rows:
            out.setdefault(key.split("#", 1)[0], []).append(key)
        return out

    @cached_property
    def section_rows(self) -> dict[str, list[int]]:
        """The passage rows of each section, in reading order (a long section is cut into pieces)."""
        rows: dict[str, list[int]] = {}
        for row, p in enumerate(self.passages):
            rows.setdefault(p.section_key, []).append(row)
        return rows

    @cached_property
    def sentence_offsets(self) -> np.ndarray:
        """Row of each passage's first sentence in sentence_vectors."""
        counts = np.bincount(self.sentence_passage, minlength=len(self.passages))
        return np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(int)


def current_version(index_dir: Path) -> Path | None:
    pointer = Path(index_dir) / POINTER
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return Path(index_dir) / name if name else None


def pointer_stamp(index_dir: Path) -> int:
    """Changes whenever a new build goes live; cheap enough to check on every question."""
    try:
        return os.stat(Path(index_dir) / POINTER).st_mtime_ns
    except FileNotFoundError:
        return 0


def read_manifest(version_dir: Path) -> IndexManifest:
    try:
        return IndexManifest.model_validate_json((version_dir / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise IndexDamaged(f"{version_dir}/manifest.json is missing") from exc
    except OSError as exc:
        raise IndexDamaged(f"{version_dir}/manifest.json cannot be read ({exc.strerror})") from exc
    except ValueError as exc:
        raise IndexDamaged(f"{version_dir}/manifest.json is not a valid manifest ({exc.__class__.__name__})") from exc


def verify_version(version_dir: Path) -> IndexManifest:
    """The manifest of a version folder whose files all match the checksums it records.

    Status and load both call this, so `mentor index status` never calls "up to date" an index that
    would fail to load.

    Raises:
        IndexDamaged: the manifest or a file is missing, unreadable, or not what the build wrote.
    """
    manifest = read_manifest(version_dir)
    for name in FILES:
        path = version_dir / name
        try:
            digest = file_sha256(path)
        except FileNotFoundError:
            raise IndexDamaged(f"{path} is missing") from None
        except OSError as exc:
            raise IndexDamaged(f"{path} cannot be read ({exc.strerror})") from None
        if manifest.files.get(name) != digest:
            raise IndexDamaged(f"{path} does not match its checksum in the manifest (half-written or edited)")
    return manifest


def index_status(settings: Settings, model_id: str | None = None) -> IndexStatus:
    """Compare the live index with the knowledge folder and the configured model, verifying its files but
    without loading them."""
    version = current_version(settings.index_dir)
    if version is None:
        return IndexStatus(state="missing", detail=f"no index in {settings.index_dir}")
    try:
        manifest = verify_version(version)
    except IndexDamaged as exc:
        return IndexStatus(state="damaged", detail=exc.detail)
    if manifest.format_version != FORMAT_VERSION:
        return IndexStatus(state="stale", detail=f"index format {manifest.format_version}, this version reads {FORMAT_VERSION}",
                           manifest=manifest)
    model_id = model_id or settings.model
    if manifest.model != model_id:
        return IndexStatus(state="stale", detail=f"built with model '{manifest.model}', settings say '{model_id}'",
                           manifest=manifest)
    calibration = Path(settings.index_dir) / SCOPE_MODEL_FILE
    if calibration.exists() and file_sha256(calibration) != manifest.files.get(SCOPE_MODEL_FILE):
        return IndexStatus(state="stale", detail=f"the scope model in {calibration} changed since the build",
                           manifest=manifest)
    weights = Path(settings.index_dir) / WEIGHTS_FILE
    if weights.exists() and file_sha256(weights) != manifest.files.get(WEIGHTS_FILE):
        return IndexStatus(state="stale", detail=f"the answer weights in {weights} changed since the build",
                           manifest=manifest)
    overall, per_file = knowledge_fingerprint(settings.knowledge_dir)
    if overall != manifest.knowledge_hash:
        changed = sorted(name for name in set(per_file) | set(manifest.documents)
                         if per_file.get(name) != manifest.documents.get(name))
        return IndexStatus(state="stale", detail=f"{len(changed)} knowledge file(s) changed since the build",
                           changed=changed, manifest=manifest)
    return IndexStatus(state="up_to_date", detail=f"{manifest.passage_count} passages, built {manifest.built_at:%Y-%m-%d %H:%M} UTC",
                       manifest=manifest)


def load_index(index_dir: Path) -> IndexData:
    """Load and verify the live version. Raises IndexDamaged when anything is missing or altered."""
    import faiss

    version = current_version(index_dir)
    if version is None:
        raise IndexDamaged(f"no index in {index_dir}")
    manifest = verify_version(version)
    try:
        passages = [Passage.model_validate_json(line)
                    for line in (version / "passages.jsonl").read_text(encoding="utf-8").splitlines() if line]
        index = faiss.read_index(str(version / "passages.faiss"))
        sentence_vectors = np.load(version / "sentences.npy")
        sentence_passage = np.load(version / "sentence_passage.npy")
        scope_vectors = np.load(version / "scope.npy")
        scope_labels = json.loads((version / "scope.json").read_text(encoding="utf-8"))
        doc_vectors = np.load(version / "documents.npy")
        doc_ids = json.loads((version / "documents.json").read_text(encoding="utf-8"))
        taxonomy = Taxonomy.model_validate_json((version / "taxonomy.json").read_text(encoding="utf-8"))
        scope_model = ScopeModel.from_json((version / SCOPE_MODEL_FILE).read_text(encoding="utf-8"))
        question_vectors = np.load(version / "questions.npy")
        question_passage = np.load(version / "question_passage.npy")
        weights = Weights.from_json((version / WEIGHTS_FILE).read_text(encoding="utf-8"), str(version / WEIGHTS_FILE))
    except Exception as exc:  # noqa: BLE001 - any parse failure means the same thing
        raise IndexDamaged(f"{version} could not be read ({type(exc).__name__}: {exc})") from exc
    if index.ntotal != len(passages) or len(passages) != manifest.passage_count:
        raise IndexDamaged(f"{version} holds {index.ntotal} vectors for {len(passages)} passages")
    if sentence_vectors.shape[0] != sentence_passage.shape[0]:
        raise IndexDamaged(f"{version} sentence arrays disagree")
    if question_vectors.shape[0] != question_passage.shape[0]:
        raise IndexDamaged(f"{version} question arrays disagree")
    return IndexData(manifest=manifest, passages=passages, faiss_index=index, sentence_vectors=sentence_vectors,
                     sentence_passage=sentence_passage, path=version,
                     scope_vectors=scope_vectors, scope_labels=scope_labels, doc_vectors=doc_vectors, doc_ids=doc_ids,
                     taxonomy=taxonomy, scope_model=scope_model, question_vectors=question_vectors,
                     question_passage=question_passage, weights=weights).precompute()


def _versions() -> dict[str, str]:
    import faiss
    import sentence_transformers

    return {"faiss": faiss.__version__, "sentence_transformers": sentence_transformers.__version__}


def build_index(settings: Settings, embedder: Embedder, *, allow_partial: bool = False,
                progress: Progress | None = None, kb: KnowledgeBase | None = None) -> BuildReport:
    """Build a new index version from the knowledge folder and make it live.

    Args:
        allow_partial: build from the valid documents when some are broken (used when there is no
            good index to fall back on); otherwise any problem raises KnowledgeError and nothing changes.
        progress: called with (fraction, message) as the build goes.
    """
    from filelock import FileLock

    started = time.perf_counter()
    report = progress or (lambda fraction, message: None)
    index_dir = Path(settings.index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(str(index_dir / ".build.lock"), timeout=600):
        _remove_leftovers(index_dir)
        report(0.02, "Reading the knowledge folder")
        fingerprint, per_file = knowledge_fingerprint(settings.knowledge_dir)
        kb = kb or load_knowledge(settings.knowledge_dir)
        if kb.problems and (not allow_partial or not kb.documents):
            raise KnowledgeError(kb.problems)
        scope_model = _saved_scope_model(index_dir)
        try:
            weights = saved_weights_text(index_dir)
        except ValueError as exc:
            raise IndexNotReady(str(exc)) from None
        content = _embed_knowledge(kb, embedder, EmbeddingCache(index_dir / CACHE_FILE), report)
        report(0.9, "Writing the index")
        tmp = index_dir / f".tmp-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            _write_files(tmp, content, kb, scope_model)
            (tmp / WEIGHTS_FILE).write_text(weights, encoding="utf-8")
            manifest = IndexManifest(
                format_version=FORMAT_VERSION, model=embedder.model_id, dimension=content.dimension,
                passage_count=len(content.passages), sentence_count=len(content.sentences), knowledge_hash=fingerprint,
                built_at=dt.datetime.now(dt.timezone.utc), files={name: file_sha256(tmp / name) for name in FILES},
                versions=_versions(), skipped=[str(p) for p in kb.problems], documents=per_file,
            )
            (tmp / "manifest.json").write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
            for name in (*FILES, "manifest.json"):
                with open(tmp / name, "rb") as fh:
                    os.fsync(fh.fileno())
            version = index_dir / f"v-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:6]}"
            os.rename(tmp, version)
            write_atomic(index_dir / POINTER, version.name)  # the atomic switch
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        prune_versions(index_dir, keep=version)
        report(1.0, "Index ready")
    return BuildReport(built=True, reason="built", passages=len(content.passages), embedded=content.embedded,
                       cached=content.cached, seconds=time.perf_counter() - started, version_dir=str(version),
                       problems=kb.problems)


@dataclass
class _Embedded:
    """What a build embeds: passages, their sentences, the not-covered subjects and document titles."""

    passages: list[Passage]
    sentences: list[tuple[int, str]]  # (passage row, sentence)
    not_covered: list[tuple[str, str]]  # (subject label, a phrasing of it)
    passage_vectors: np.ndarray
    sentence_vectors: np.ndarray
    scope_vectors: np.ndarray
    doc_vectors: np.ndarray
    questions: list[tuple[int, str]]  # (passage row, a question its section answers)
    question_vectors: np.ndarray
    embedded: int  # texts embedded now
    cached: int  # texts found in the embedding cache

    @property
    def dimension(self) -> int:
        return int(self.passage_vectors.shape[1])


class EmbedProgress:
    """Reports a build's embedding as it goes: passages, texts done of those to embed, texts per
    second and the time left, as fractions between `start` and `end` of the whole build."""

    def __init__(self, report: Progress, todo: int, passages: int, start: float = 0.1, end: float = 0.9,
                 clock: Callable[[], float] = time.perf_counter):
        self.report, self.todo, self.passages, self.start, self.end = report, todo, passages, start, end
        self.clock, self.began, self.done = clock, clock(), 0

    def __call__(self, embedded: int) -> None:
        self.done += embedded
        elapsed = max(self.clock() - self.began, 1e-9)
        rate = self.done / elapsed
        left = (self.todo - self.done) / rate if rate else 0.0
        fraction = self.start + (self.end - self.start) * min(self.done / max(self.todo, 1), 1.0)
        self.report(fraction, f"{self.passages:,} passages: embedded {self.done:,} of {self.todo:,} texts, "
                              f"{rate:.0f} texts/s, {_duration(left)} left")


def _duration(seconds: float) -> str:
    """A time left as people read it: '2 min 10 s', '12 s'."""
    seconds = max(0, round(seconds))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def _embed_knowledge(kb: KnowledgeBase, embedder: Embedder, cache: EmbeddingCache, report: Progress) -> _Embedded:
    passages = [p for doc in kb.documents for p in chunk_passages(doc)]
    sentences = [(row, unit) for row, p in enumerate(passages) for unit in p.sentences]
    not_covered = [(item.label, text) for item in kb.scope.values() for text in [item.label, *item.examples]]
    # Two rows per document: its title alone (a general question matches a title best) and its
    # title with the summary (a specific one matches the summary); a document scores the better.
    doc_texts = [text for d in kb.documents for text in (d.title, f"{d.title}. {d.summary}")]
    questions = [(row, q) for row, p in enumerate(passages) for q in p.questions]
    groups = [[p.embed_text for p in passages], [u for _, u in sentences], [t for _, t in not_covered], doc_texts,
              [q for _, q in questions]]
    keys = {EmbeddingCache.key(embedder.model_id, t) for group in groups for t in group}
    todo = len(keys) - len(cache.get_many(list(keys)))
    report(0.1, f"{len(passages):,} passages, {len(sentences):,} sentences, {len(questions):,} questions: "
                f"{todo:,} texts to embed, {len(keys) - todo:,} already in the cache")
    if todo:
        embedder.model  # noqa: B018 - load the model now, so the rate and time left count embedding only
    step = EmbedProgress(report, todo, len(passages))
    results = [embed_cached(embedder, cache, group, on_embedded=step) for group in groups]
    passage_vectors, sentence_vectors, scope_vectors, doc_vectors, question_vectors = (vectors for vectors, _, _ in results)
    dim = passage_vectors.shape[1]
    return _Embedded(passages, sentences, not_covered, passage_vectors, sentence_vectors,
                     scope_vectors.reshape(len(not_covered), dim), doc_vectors, questions,
                     question_vectors.reshape(len(questions), dim),
                     sum(n for _, n, _ in results), sum(n for _, _, n in results))


def _write_files(folder: Path, content: _Embedded, kb: KnowledgeBase, scope_model: str) -> None:
    """Every file of FILES, into a version folder that is not live yet."""
    import faiss

    index = faiss.IndexIDMap2(faiss.IndexFlatIP(content.dimension))
    index.add_with_ids(content.passage_vectors, np.arange(len(content.passages), dtype="int64"))
    faiss.write_index(index, str(folder / "passages.faiss"))
    with open(folder / "passages.jsonl", "w", encoding="utf-8") as fh:
        for p in content.passages:
            fh.write(p.model_dump_json() + "\n")
    np.save(folder / "sentences.npy", content.sentence_vectors)
    np.save(folder / "sentence_passage.npy", np.array([row for row, _ in content.sentences], dtype="int32"))
    np.save(folder / "scope.npy", content.scope_vectors)
    (folder / "scope.json").write_text(json.dumps([label for label, _ in content.not_covered]), encoding="utf-8")
    np.save(folder / "documents.npy", content.doc_vectors)
    (folder / "documents.json").write_text(json.dumps([d.id for d in kb.documents for _ in range(2)]),
                                           encoding="utf-8")
    taxonomy = kb.taxonomy or Taxonomy(topics={slug: {"description": d} for slug, d in kb.topics.items()})
    (folder / "taxonomy.json").write_text(taxonomy.model_dump_json(), encoding="utf-8")
    (folder / SCOPE_MODEL_FILE).write_text(scope_model, encoding="utf-8")
    np.save(folder / "questions.npy", content.question_vectors.astype("float32"))
    np.save(folder / "question_passage.npy", np.array([row for row, _ in content.questions], dtype="int64"))


def _saved_scope_model(index_dir: Path) -> str:
    """The text of the calibration saved beside the index (copied verbatim, so its sha256 matches the
    version's), or the shipped model's."""
    path = index_dir / SCOPE_MODEL_FILE
    if not path.exists():
        return ScopeModel.default().to_json()
    text = path.read_text(encoding="utf-8")
    try:
        ScopeModel.from_json(text, str(path))
    except ValueError as exc:
        raise IndexNotReady(str(exc)) from None
    return text


def _remove_leftovers(index_dir: Path) -> None:
    """Remove what interrupted builds left behind. Only called under the build lock, so no build is
    writing any of it."""
    for leftover in index_dir.glob(".tmp-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    for pointer in index_dir.glob(f".{POINTER}.*"):
        pointer.unlink(missing_ok=True)


def prune_versions(index_dir: Path, keep: Path) -> None:
    """Remove old versions; keep the newest few for readers mid-load."""
    versions = sorted((p for p in index_dir.glob("v-*") if p.is_dir()), key=lambda p: p.name)
    for old in versions[:-KEEP_VERSIONS]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


def ensure_index(settings: Settings, embedder: Embedder) -> tuple[IndexData, BuildReport | None, list[str]]:
    """Load the live index, (re)building it first when it is missing, stale or damaged.

    Returns the index, the build report if a build ran, and warnings for the operator. When the
    knowledge has problems and a good index exists, that index keeps serving.
    """
    status = index_status(settings, embedder.model_id)
    warnings: list[str] = []
    if status.state == "up_to_date":
        try:
            return load_index(settings.index_dir), None, warnings
        except IndexDamaged as exc:
            status = IndexStatus(state="damaged", detail=exc.detail)
    if not settings.auto_rebuild:
        raise IndexNotReady(f"the index in {settings.index_dir} is {status.label}: {status.detail}. "
                            "Run `mentor index build`, or set MENTOR_AUTO_REBUILD=true to rebuild on load.")
    kb = load_knowledge(settings.knowledge_dir)
    same_model = status.manifest is not None and status.manifest.model == embedder.model_id \
        and status.manifest.format_version == FORMAT_VERSION
    if kb.problems and status.state == "stale" and same_model:
        try:
            data = load_index(settings.index_dir)
            warnings.append(f"kept the last good index: {len(kb.problems)} knowledge problem(s); "
                            f"run `mentor kb validate`. First: {kb.problems[0]}")
            return data, None, warnings
        except IndexDamaged:
            pass
    report = build_index(settings, embedder, allow_partial=True, kb=kb)
    if report.problems:
        warnings.append(f"built without {len(report.problems)} broken document(s); run `mentor kb validate`")
    return load_index(settings.index_dir), report, warnings


Served = TypeVar("Served")


class LocalBuilder:
    """How a LiveIndex gets its versions when it is alone: built in this process, in its index folder.

    Another builder has the same two methods: store/publish.py's SharedBuilder builds once for every
    instance on PostgreSQL and follows what the others publish.
    """

    def prepare(self, settings: Settings, embedder: Embedder) -> None:
        """Before the first load: nothing to fetch."""

    def build(self, settings: Settings, embedder: Embedder, progress: Progress | None = None) -> BuildReport:
        return build_index(settings, embedder, progress=progress)


class LiveIndex(Generic[Served]):
    """The index version being served, and whatever is made from it (a retriever, a speller).

    `current` checks the CURRENT pointer's mtime (one `stat`) and swaps in a build that another
    process (the CLI, the staff page) made live, without a restart. A swap replaces the served object
    whole, so a question in flight keeps the version it started with.

    Its `builder` (LocalBuilder, or store/publish.py's SharedBuilder) prepares the index folder before
    the first load and builds new versions.

    Example:
        >>> live = LiveIndex(settings, embedder, make=lambda data: Retriever(data, "hybrid"))
        >>> live.current.search(...)
    """

    def __init__(self, settings: Settings, embedder: Embedder, make: Callable[[IndexData], Served],
                 builder: LocalBuilder | None = None):
        self.settings = settings
        self.embedder = embedder
        self.make = make
        self.builder = builder or LocalBuilder()
        self.warnings: list[str] = []
        self.last_build: BuildReport | None = None
        self._served: Served | None = None
        self._stamp = 0
        self._lock = threading.RLock()

    def load(self) -> None:
        """Load the live index, (re)building it when missing, stale or damaged (unless auto_rebuild is off)."""
        with self._lock:
            self.builder.prepare(self.settings, self.embedder)
            data, report, warnings = ensure_index(self.settings, self.embedder)
            self._swap(data)
            self.last_build = report or self.last_build
            self.warnings = warnings

    def reload(self) -> None:
        """Swap in the live index version."""
        with self._lock:
            self._swap(load_index(self.settings.index_dir))

    def rebuild(self, progress: Progress | None = None) -> BuildReport:
        """Build a new version from the knowledge folder and swap it in. Broken documents raise KnowledgeError."""
        report = self.builder.build(self.settings, self.embedder, progress=progress)
        self.reload()
        self.last_build = report
        return report

    @property
    def current(self) -> Served:
        if self._served is None:
            self.load()
        elif pointer_stamp(self.settings.index_dir) != self._stamp:
            try:
                self.reload()
            except Exception as exc:  # noqa: BLE001 - keep serving the version we have
                self.warnings.append(f"could not load the new index ({exc}); still serving the previous one")
                self._stamp = pointer_stamp(self.settings.index_dir)
        return self._served

    def _swap(self, data: IndexData) -> None:
        self._served = self.make(data)
        self._stamp = pointer_stamp(self.settings.index_dir)
