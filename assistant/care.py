"""Messages from people who need more than guidance: a caring reply, decided before retrieval.

A message that suggests a risk to life or self-harm (crisis), serious distress, or harassment, abuse
or misconduct (safeguarding) gets a short, warm reply that points to real help, with
`Answer.status == "support"`. A question about employment rights or a dispute with an employer (the
sensitive near-miss) is declined with the kind of help to seek instead. Such a message is never
searched, never sent to a language model, and only its status is stored.

How it decides, by meaning rather than by words: the message, each of its sentences and each of their
clauses is embedded with MiniLM. A multinomial logistic model reads each piece's whole 384-d vector
together with its best and top-3 mean similarity to each kind's exemplars in knowledge/care.yaml
(staff curate them: one list per kind, with everyday stress and figures of speech as `everyday`).
The piece most likely to need support decides: a crisis clause inside an ordinary question counts.
The model is trained on the exemplars (each without its similarity to itself), the tune split of
evaluation/care.jsonl, the extra labelled messages of evaluation/care-train.jsonl and the ordinary
mentoring questions of evaluation/gold.jsonl's tune split, with the parts of everyday messages as
everyday rows too. The model and its two thresholds are an artefact, assistant/care.json, fitted by
`mentor eval-care evaluation/care.jsonl --split tune --calibrate`, with its provenance and
out-of-fold figures.
The wording of the replies and the contacts in them are knowledge/care.yaml's too.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from assistant.errors import KnowledgeError
from assistant.models import Answer, Problem, Turn
from assistant.text import sha256, split_sentences

CARE_FILE = "care.yaml"  # in the knowledge folder
MODEL_FILE = Path(__file__).resolve().parent / "care.json"
CareKind = Literal["crisis", "distress", "safeguarding", "employment", "everyday"]
KINDS: tuple[str, ...] = get_args(CareKind)
SUPPORT_KINDS = ("crisis", "distress", "safeguarding")  # answered with status "support"
REPLY_KINDS = (*SUPPORT_KINDS, "employment")
MIN_EXEMPLARS = 5
TOP = 3  # the mean of the best TOP similarities is a feature beside the best one
CHECKED_TURNS = 8  # earlier turns checked; later stages see no older turn (generation shows the last 4)
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


# -- knowledge/care.yaml ---------------------------------------------------------------------------
class CareFile(BaseModel):
    """knowledge/care.yaml: contacts, the replies that use them, and the exemplars of each kind."""

    model_config = ConfigDict(extra="forbid")

    contacts: dict[str, str]
    guidance: str | None = None  # the document a safeguarding reply points to
    replies: dict[str, str]
    exemplars: dict[str, list[str]]

    @field_validator("replies")
    @classmethod
    def _every_reply(cls, replies: dict[str, str]) -> dict[str, str]:
        missing = [k for k in REPLY_KINDS if not (replies.get(k) or "").strip()]
        unknown = [k for k in replies if k not in REPLY_KINDS]
        if missing or unknown:
            raise ValueError(f"needs a reply for each of {', '.join(REPLY_KINDS)}"
                             + (f"; missing: {', '.join(missing)}" if missing else "")
                             + (f"; not a kind: {', '.join(unknown)}" if unknown else ""))
        return replies

    @field_validator("exemplars")
    @classmethod
    def _every_kind(cls, exemplars: dict[str, list[str]]) -> dict[str, list[str]]:
        problems = []
        for kind in KINDS:
            found = [e for e in exemplars.get(kind) or [] if str(e).strip()]
            if len(found) < MIN_EXEMPLARS:
                problems.append(f"'{kind}' has {len(found)} (at least {MIN_EXEMPLARS} are needed)")
        unknown = [k for k in exemplars if k not in KINDS]
        if unknown:
            problems.append(f"{', '.join(unknown)} is not a kind (use {', '.join(KINDS)})")
        if problems:
            raise ValueError("exemplars: " + "; ".join(problems))
        return exemplars

    def reply(self, kind: str) -> str:
        return _PLACEHOLDER.sub(lambda m: self.contacts[m.group(1)], self.replies[kind]).strip()

    def fingerprint(self) -> str:
        """sha256 of the exemplars: the fitted model records the set it was fitted with."""
        return sha256(json.dumps({k: self.exemplars[k] for k in KINDS}, sort_keys=True))


def parse_care(text: str, file: str = f"knowledge/{CARE_FILE}", documents: Iterable[str] | None = None) -> CareFile:
    """Read care.yaml's text.

    Raises:
        KnowledgeError: every problem, each naming the field and the fix.
    """
    from assistant.knowledge import parse_yaml

    shape = "it needs contacts:, replies: (crisis, distress, safeguarding, employment) and exemplars: per kind"
    try:
        data = parse_yaml(text)
    except ValueError as exc:
        raise KnowledgeError([Problem(file=file, field="file", message=f"{exc}; {shape}")]) from None
    if not isinstance(data, dict):
        raise KnowledgeError([Problem(file=file, field="file", message=f"is not a mapping; {shape}")])
    try:
        care = CareFile.model_validate(data)
    except ValidationError as exc:
        raise KnowledgeError([Problem(file=file, field=".".join(str(p) for p in err["loc"]) or "file",
                                      message=err["msg"].removeprefix("Value error, "))
                              for err in exc.errors()]) from None
    problems = []
    for kind, reply in care.replies.items():
        for name in _PLACEHOLDER.findall(reply):
            if name not in care.contacts:
                problems.append(Problem(file=file, field=f"replies.{kind}",
                                        message=f"uses {{{name}}}, which is not in contacts: add it there "
                                                f"or use one of {', '.join(sorted(care.contacts))}"))
    if documents is not None and care.guidance and care.guidance not in set(documents):
        problems.append(Problem(file=file, field="guidance",
                                message=f"'{care.guidance}' is not a document id in the knowledge folder; "
                                        "name the document a safeguarding reply points to"))
    if problems:
        raise KnowledgeError(problems)
    return care


def load_care(knowledge_dir: Path, documents: Iterable[str] | None = None) -> CareFile | None:
    """knowledge/care.yaml, or None when the folder has none. Raises KnowledgeError naming each problem."""
    from assistant.knowledge import file_label, read_text

    path = Path(knowledge_dir) / CARE_FILE
    if not os.path.lexists(path):
        return None
    return parse_care(read_text(path), file_label(path), documents)


# -- the fitted model ------------------------------------------------------------------------------
FEATURES = tuple(f"{kind}_{stat}" for kind in KINDS for stat in ("best", "top3"))  # similarity features
FIT_COMMAND = "mentor eval-care evaluation/care.jsonl --split tune --calibrate"


def _pack(a: np.ndarray) -> dict:
    """An array as little-endian float32 in base64: the weight matrix stays a small part of one JSON file."""
    a = np.asarray(a, dtype="<f4")
    return {"shape": list(a.shape), "float32_base64": base64.b64encode(a.tobytes()).decode("ascii")}


def _unpack(packed) -> np.ndarray:
    if isinstance(packed, list):  # a short vector written as numbers
        return np.array(packed, float)
    raw = np.frombuffer(base64.b64decode(packed["float32_base64"]), dtype="<f4")
    return raw.reshape(packed["shape"]).astype(float)


@dataclass
class CareModel:
    """A multinomial logistic model over a segment's MiniLM vector and its exemplar similarities.

    Each input row is a segment's L2-normalised embedding (`dim` numbers) followed by its FEATURES.
    """

    weights: np.ndarray  # (len(KINDS), dim + len(FEATURES))
    bias: np.ndarray  # (len(KINDS),)
    mean: np.ndarray
    std: np.ndarray
    support_threshold: float  # P(crisis) + P(distress) + P(safeguarding) at or above this: support
    employment_threshold: float  # else P(employment) at or above this: the employment decline
    extra: dict = field(default_factory=dict)  # provenance and figures, kept as written

    @property
    def dim(self) -> int:
        """The embedding's dimension the model reads (0: similarity features only)."""
        return self.weights.shape[1] - len(FEATURES)

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        z = ((np.atleast_2d(x) - self.mean) / self.std) @ self.weights.T + self.bias
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)

    def message_probabilities(self, rows: np.ndarray) -> np.ndarray:
        """One message's probabilities from its segments' rows: those of the segment most likely to need
        support (a crisis sentence inside an ordinary question counts), with P(employment) the highest
        of any segment's."""
        p = self.probabilities(rows)
        out = p[int(np.argmax(support_score(p)))].copy()
        out[KINDS.index("employment")] = p[:, KINDS.index("employment")].max()
        return out

    def decide(self, p: np.ndarray) -> str | None:
        """The reply kind for one row of probabilities, or None for a normal answer."""
        support = float(sum(p[KINDS.index(k)] for k in SUPPORT_KINDS))
        if support >= self.support_threshold:
            return max(SUPPORT_KINDS, key=lambda k: p[KINDS.index(k)])
        if float(p[KINDS.index("employment")]) >= self.employment_threshold:
            return "employment"
        return None

    def to_json(self) -> str:
        return json.dumps({
            "kinds": list(KINDS), "inputs": {"embedding_dim": self.dim, "similarities": list(FEATURES)},
            "weights": _pack(self.weights), "bias": np.round(self.bias, 5).tolist(),
            "mean": _pack(self.mean), "std": _pack(self.std),
            "support_threshold": round(self.support_threshold, 4),
            "employment_threshold": round(self.employment_threshold, 4), **self.extra}, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str, source: str = str(MODEL_FILE)) -> "CareModel":
        """Raises ValueError naming what is wrong and how to refit."""
        try:
            data = json.loads(text)
            inputs = data["inputs"]
            if data["kinds"] != list(KINDS) or inputs["similarities"] != list(FEATURES):
                raise ValueError(f"kinds/similarities differ from {list(KINDS)}")
            known = {"kinds", "inputs", "weights", "bias", "mean", "std", "support_threshold", "employment_threshold"}
            model = cls(_unpack(data["weights"]), np.array(data["bias"], float), _unpack(data["mean"]),
                        _unpack(data["std"]), float(data["support_threshold"]),
                        float(data["employment_threshold"]), {k: v for k, v in data.items() if k not in known})
            width = int(inputs["embedding_dim"]) + len(FEATURES)
            if model.weights.shape != (len(KINDS), width) or model.mean.shape != (width,) or model.std.shape != (width,):
                raise ValueError(f"weights have shape {model.weights.shape}, expected {(len(KINDS), width)}")
            return model
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise ValueError(f"{source} is not a care model ({type(exc).__name__}: {exc}); refit it with "
                             f"`{FIT_COMMAND}`") from None



def load_model(path: Path = MODEL_FILE) -> CareModel:
    return CareModel.from_json(Path(path).read_text(encoding="utf-8"), str(path))


def support_score(p: np.ndarray) -> np.ndarray:
    """P(crisis) + P(distress) + P(safeguarding) for each row of probabilities."""
    return np.atleast_2d(p)[:, [KINDS.index(k) for k in SUPPORT_KINDS]].sum(axis=1)


# -- deciding --------------------------------------------------------------------------------------
@dataclass
class Assessment:
    """What care decided about a message: the reply kind (None: answer normally) and its probabilities."""

    kind: str | None
    probabilities: dict[str, float]
    history: list[Turn]  # the earlier turns later stages may see: recent ones that asked for support left out
    reply: Answer | None = None  # the care reply to give instead of an answer


MAX_SEGMENTS = 32
# Where a sentence splits into clauses: a warning sign is often one clause of a longer sentence
# ("can you help with my review, also i've been cutting again"). This reads punctuation and joining
# words to cut text into pieces; the model, not this, decides what a piece means.
_CLAUSE = re.compile(r"[,;:()]|\s(?:but|and|also|so)\s")


def segments(text: str) -> list[str]:
    """The message, each of its sentences and each clause of three words or more, each embedded and
    read by the model on its own: a crisis line inside an ordinary question still counts."""
    text = " ".join(str(text).split())[:2000]
    sentences = [s for s in split_sentences(text) if len(s.split()) >= 2][:12]
    clauses = [c.strip() for s in (sentences[1:] if len(sentences) > 1 else [text])
               for c in _CLAUSE.split(s) if len(c.split()) >= 3]
    return list(dict.fromkeys([text, *sentences, *clauses]))[:MAX_SEGMENTS]


class Care:
    """The exemplars and the model, with the exemplars' vectors made once per process.

    `embed` turns texts into L2-normalised vectors (the Assistant passes its cached query embedder).
    """

    def __init__(self, care: CareFile, model: CareModel, embed: Callable[[list[str]], np.ndarray],
                 embed_exemplars: Callable[[list[str]], np.ndarray] | None = None):
        self.file = care
        self.model = model
        self.embed = embed
        self.embed_exemplars = embed_exemplars or embed
        self._vectors: dict[str, np.ndarray] | None = None
        self._lock = threading.Lock()

    @property
    def vectors(self) -> dict[str, np.ndarray]:
        if self._vectors is None:
            with self._lock:
                if self._vectors is None:
                    self._vectors = {k: self.embed_exemplars([str(e) for e in self.file.exemplars[k]]) for k in KINDS}
        return self._vectors

    def similarities(self, vectors: np.ndarray, leave_out: tuple[str, int] | None = None) -> np.ndarray:
        """FEATURES for each row of `vectors`: for each kind, the best similarity to its exemplars and the
        mean of the TOP best; `leave_out` (kind, index) drops one exemplar, for an exemplar's own row."""
        rows = []
        for kind in KINDS:
            sims = np.atleast_2d(vectors) @ self.vectors[kind].T  # rows x exemplars
            if leave_out is not None and leave_out[0] == kind:
                sims = np.delete(sims, leave_out[1], axis=1)
            top = np.sort(sims, axis=1)[:, -TOP:]
            rows += [sims.max(axis=1), top.mean(axis=1)]
        return np.stack(rows, axis=1)

    def rows_many(self, texts: list[str]) -> list[np.ndarray]:
        """For each text, one model input row per segment (segments(text) order, the whole message
        first): the segment's embedding, then its FEATURES. All segments are embedded in one batch."""
        parts = [segments(t) for t in texts]
        unique = list(dict.fromkeys(s for p in parts for s in p))
        found = dict(zip(unique, self.embed(unique))) if unique else {}
        out = []
        for p in parts:
            if not p:
                out.append(np.zeros((0, self.width)))
                continue
            vectors = np.stack([found[s] for s in p])
            out.append(np.hstack([vectors, self.similarities(vectors)]))
        return out

    @property
    def width(self) -> int:
        return next(iter(self.vectors.values())).shape[1] + len(FEATURES)

    def features(self, text: str) -> np.ndarray:
        """The FEATURES of the whole message (its first row, without the embedding)."""
        return self.rows_many([text])[0][0, -len(FEATURES):]

    def exemplar_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """Every exemplar as a labelled training row (input row, kind index), its similarity to itself
        left out, so it reads like a new message of its kind rather than a perfect match."""
        rows, labels = [], []
        for kind_index, own in enumerate(KINDS):
            for index, vector in enumerate(self.vectors[own]):
                rows.append(np.concatenate([vector, self.similarities(vector, (own, index))[0]]))
                labels.append(kind_index)
        return np.array(rows), np.array(labels)

    def message_probabilities_many(self, texts: list[str]) -> np.ndarray:
        return np.array([self.model.message_probabilities(r) if len(r) else np.eye(len(KINDS))[-1]
                         for r in self.rows_many(texts)])

    def classify(self, text: str) -> tuple[str | None, dict[str, float]]:
        p = self.message_probabilities_many([text])[0]
        return self.model.decide(p), {k: round(float(v), 4) for k, v in zip(KINDS, p)}

    def assess(self, question: str, history: list[Turn], started: float | None = None) -> Assessment:
        """Decide about `question` in its conversation: on its own, joined to the turn before it (a
        reply to "are you safe?" reads with it), and the recent earlier turns one by one, which are
        left out of what later stages see when they asked for support."""
        recent = history[-CHECKED_TURNS:]
        kind, probabilities = self.classify(question)
        earlier = [t.content for t in recent if t.role == "user" and t.content.strip()]
        if kind is None and earlier:
            joined, joined_p = self.classify(f"{earlier[-1]} {question}")
            if joined in SUPPORT_KINDS:
                kind, probabilities = joined, joined_p
        kept: list[Turn] = []
        skip_reply = False
        for turn in recent:
            if turn.role == "user":
                skip_reply = bool(turn.content.strip()) and self.classify(turn.content)[0] in SUPPORT_KINDS
                if not skip_reply:
                    kept.append(turn)
            elif not skip_reply:
                kept.append(turn)
        reply = None
        if kind is not None:
            spent = (time.perf_counter() - started) * 1000 if started is not None else 0.0
            reply = self.answer(kind, question, probabilities, spent)
        return Assessment(kind, probabilities, kept, reply)

    def answer(self, kind: str, question: str, probabilities: dict[str, float], latency_ms: float = 0.0) -> Answer:
        """The reply for `kind`: status support, or out_of_scope naming the help for employment questions."""
        status = "out_of_scope" if kind == "employment" else "support"
        return Answer(status=status, text=self.file.reply(kind), question=question, latency_ms=latency_ms,
                      confidence=round(max(probabilities.values()), 4), care=kind)


class CareWatch:
    """Care for a knowledge folder, re-read when care.yaml changes (one `stat` per question).

    A missing file, a broken one or a missing model leaves care off and says so in `warnings`; a broken
    file after a good one keeps the good one.
    """

    def __init__(self, knowledge_dir: Path, embed: Callable[[list[str]], np.ndarray],
                 embed_exemplars: Callable[[list[str]], np.ndarray] | None = None, model_path: Path = MODEL_FILE):
        self.path = Path(knowledge_dir) / CARE_FILE
        self.embed = embed
        self.embed_exemplars = embed_exemplars
        self.model_path = model_path
        self.warnings: list[str] = []
        self._care: Care | None = None
        self._stamp: tuple | None = None
        self._lock = threading.Lock()

    def current(self) -> Care | None:
        try:
            st = self.path.stat()
            stamp = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = None
        if stamp == self._stamp:
            return self._care
        with self._lock:
            if stamp != self._stamp:
                self._reload(stamp)
        return self._care

    def _reload(self, stamp) -> None:
        self._stamp = stamp
        self.warnings = []
        off = ("messages suggesting crisis, distress or harassment get ordinary answers until it is fixed "
               "(`mentor kb validate`)")
        try:
            care = load_care(self.path.parent)
            if care is None:
                self._care = None
                self.warnings.append(f"knowledge/{CARE_FILE} is missing: {off}")
                return
            self._care = Care(care, load_model(self.model_path), self.embed, self.embed_exemplars)
        except (KnowledgeError, ValueError, OSError) as exc:
            kept = " The last good version is kept." if self._care is not None else ""
            self.warnings.append(f"knowledge/{CARE_FILE} could not be used ({exc}): {off}.{kept}")


    def warm(self) -> None:
        """Read care.yaml and embed its exemplars now, so the first question does not pay for it."""
        care = self.current()
        if care is not None:
            care.vectors  # noqa: B018 - computed on first use

    def assess(self, question: str, history: list[Turn], started: float | None = None) -> Assessment:
        """Care's decision about a message; with care off, none (and the history unchanged)."""
        care = self.current()
        if care is None or not isinstance(question, str):
            return Assessment(None, {}, list(history))
        return care.assess(question, list(history), started)


def model_warning(care: CareFile, model_path: Path = MODEL_FILE) -> str | None:
    """Why the fitted model may not match the exemplars (for `mentor kb validate`), or None."""
    try:
        model = load_model(model_path)
    except (OSError, ValueError) as exc:
        return str(exc)
    fitted = model.extra.get("provenance", {}).get("exemplars_sha256")
    if fitted != care.fingerprint():
        return ("the exemplars changed since the care model was fitted; refit it with `mentor eval-care "
                "evaluation/care.jsonl --split tune --calibrate` and check `--split test`")
    return None
