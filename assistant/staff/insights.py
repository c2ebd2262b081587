"""What to write next, from what people asked: content gaps, citations, feedback over time, CSV export.

A content gap is a question the guidance did not serve well: declined as out of scope, answered
with low confidence, or answered and rated thumbs down. Gap questions are embedded with the
Assistant's model and grouped into themes by average-linkage clustering on cosine similarity, so
"how do I negotiate my salary" and "asking for a pay rise" land in one theme to write about.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import Stemmer

from assistant.text import stopwords, words

LOW_CONFIDENCE_MARGIN = 0.1  # answered, but within this much of min_confidence: the guidance barely covered it
# Average cosine similarity at which two groups of questions are one theme. With MiniLM, rewordings
# of one need ("negotiate a higher salary" / "ask for a pay rise") average 0.45-0.55 and unrelated
# questions stay below 0.3.
THEME_THRESHOLD = 0.35
MAX_GAP_QUESTIONS = 2000  # the most recent distinct questions clustered; keeps a page load in seconds
# A document counts as related to a theme from this cosine similarity between the theme's centre and
# the document's title and summary. With MiniLM, "my mentor keeps cancelling" scores 0.65 with the
# cancelling document, while themes the guidance does not touch (salaries, CVs) stay near 0.3.
RELATED_MIN = 0.5
# Words that say nothing about a theme (on top of the short BM25 stop list): redaction markers,
# pronouns, question and filler words, and "mentor", which nearly every question here contains.
_NOT_THEME_WORDS = set("""
    email url phone  i me my mine we us our ours you your yours they them their he him his she her its
    how what why when where who whom which can could should would does did doing done has had have
    about above after again all also any anyone anything because been before being both each even ever
    from get gets getting got just keep like lot make many more most much never now off one only other
    over own really same some someone something still than then there these those through too under
    very way ways well while yet tips best good need want help know think
    mentor mentors mentoring mentee mentees
""".split())


@dataclass
class GapQuestion:
    """A distinct question the guidance did not serve well, with how often and why."""

    text: str
    count: int
    reasons: Counter
    first_seen: dt.datetime
    last_seen: dt.datetime


@dataclass
class Theme:
    """Similar gap questions: what to write one document about."""

    label: str  # the words its questions share most, e.g. "salary · negotiate"
    title: str  # the most central question, a starting title for a draft
    count: int  # questions asked, repeats included
    questions: list[GapQuestion]  # most central first
    reasons: Counter
    related: list[tuple[str, float]] = field(default_factory=list)  # (doc id, similarity) of close documents
    topics: list[str] = field(default_factory=list)  # primary topics of the related documents, best first
    last_seen: dt.datetime | None = None

    @property
    def examples(self) -> list[str]:
        return [q.text for q in self.questions[:5]]


def _key(text: str) -> str:
    return " ".join(text.lower().split()).rstrip("?.! ")


def gap_questions(storage, since: dt.datetime | None = None, min_confidence: float = 0.5,
                  low_confidence: float | None = None) -> list[GapQuestion]:
    """Distinct gap questions since `since`, most asked first.

    Args:
        min_confidence: the setting of that name; answers below min_confidence + LOW_CONFIDENCE_MARGIN
            count as low confidence unless `low_confidence` says otherwise.
    """
    low = low_confidence if low_confidence is not None else min(1.0, min_confidence + LOW_CONFIDENCE_MARGIN)
    found: dict[str, GapQuestion] = {}
    counted: set[int] = set()

    def add(text: str | None, reason: str, at: dt.datetime):
        if not text or not text.strip():
            return  # question_logging=off: nothing to learn from
        key = _key(text)
        gap = found.get(key)
        if gap is None:
            found[key] = GapQuestion(" ".join(text.split()), 1, Counter({reason: 1}), at, at)
        else:
            gap.count += 1
            gap.reasons[reason] += 1
            gap.first_seen, gap.last_seen = min(gap.first_seen, at), max(gap.last_seen, at)

    for row in storage.interactions.rows(since):
        if row["status"] == "out_of_scope":
            add(row["question"], "out of scope", row["created_at"])
            counted.add(row["id"])
        elif row["status"] == "answered" and row["confidence"] < low:
            add(row["question"], "low confidence", row["created_at"])
            counted.add(row["id"])
    for row in storage.feedback.rows(since):
        if row["rating"] != 0:
            continue
        if row["interaction_id"] in counted:  # already a gap: note the rating, don't count the question twice
            gap = found.get(_key(row["question"] or ""))
            if gap is not None:
                gap.reasons["thumbs down"] += 1
            continue
        add(row["question"], "thumbs down", row["created_at"])
    return sorted(found.values(), key=lambda g: (-g.count, -g.last_seen.timestamp()))


def cluster(vectors: np.ndarray, threshold: float = THEME_THRESHOLD) -> list[list[int]]:
    """Group normalised vectors by average-linkage agglomerative clustering on cosine similarity
    (scipy's `linkage`): groups merge while their average pairwise similarity is at least `threshold`.
    Returns the groups as row indices, largest first.
    """
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist

    n = len(vectors)
    if n < 2:
        return [[0]] if n else []
    distances = np.clip(pdist(np.asarray(vectors, dtype=np.float64), "cosine"), 0.0, 2.0)
    labels = fcluster(linkage(distances, method="average"), t=1.0 - threshold, criterion="distance")
    groups: dict[int, list[int]] = {}
    for row, label in enumerate(labels):
        groups.setdefault(int(label), []).append(row)
    return sorted(groups.values(), key=lambda m: (-len(m), m[0]))


def _label(questions: list[GapQuestion], n: int = 3) -> str:
    """The words most of a theme's questions use ("ask" and "asking" count as one), central ones first."""
    stemmer = Stemmer.Stemmer("english")
    stop = stopwords() | _NOT_THEME_WORDS
    asked: Counter = Counter()
    shown: dict[str, str] = {}
    for q in questions:  # most central first, so ties go to the words of the central questions
        for w in dict.fromkeys(w.lower().strip("'’-") for w in words(q.text)):
            if len(w) > 2 and w not in stop and not w.isdigit():
                stem = stemmer.stemWord(w)
                shown.setdefault(stem, w)
                asked[stem] += q.count
    ranked = sorted(asked, key=lambda stem: -asked[stem])  # stable: keeps first-seen order on ties
    return " · ".join(shown[stem] for stem in ranked[:n]) or questions[0].text[:40]


def gap_themes(storage, embedder, since: dt.datetime | None = None, *, min_confidence: float = 0.5,
               low_confidence: float | None = None, threshold: float = THEME_THRESHOLD,
               documents=None) -> list[Theme]:
    """Gap questions grouped into themes, most asked first.

    Args:
        embedder: the Assistant's Embedder (anything with encode(texts) -> normalised vectors).
        documents: the knowledge base's Documents; when given, each theme lists the documents close to
            it (perhaps worth extending rather than writing anew) and suggests their topics.
    """
    gaps = gap_questions(storage, since, min_confidence, low_confidence)
    gaps = sorted(gaps, key=lambda g: -g.last_seen.timestamp())[:MAX_GAP_QUESTIONS]
    if not gaps:
        return []
    vectors = np.asarray(embedder.encode([g.text for g in gaps]), dtype=np.float32)
    documents = list(documents or [])
    doc_vectors = (np.asarray(embedder.encode([f"{d.title}. {d.summary}" for d in documents]), dtype=np.float32)
                   if documents else None)
    themes = []
    for group in cluster(vectors, threshold):
        centroid = vectors[group].mean(axis=0)
        centrality = vectors[group] @ centroid
        ordered = [gaps[group[k]] for k in np.argsort(-centrality, kind="stable")]
        reasons: Counter = Counter()
        for q in ordered:
            reasons.update(q.reasons)
        related: list[tuple[str, float]] = []
        topics: Counter = Counter()
        if doc_vectors is not None:
            scores = doc_vectors @ (centroid / (np.linalg.norm(centroid) or 1.0))
            for k in np.argsort(-scores)[:3]:
                if scores[k] >= RELATED_MIN:
                    related.append((documents[k].id, round(float(scores[k]), 3)))
                    topics[documents[k].topics[0]] += 1
        themes.append(Theme(label=_label(ordered), title=ordered[0].text, count=sum(q.count for q in ordered),
                            questions=ordered, reasons=reasons, related=related,
                            topics=[t for t, _ in topics.most_common(2)],
                            last_seen=max(q.last_seen for q in ordered)))
    return sorted(themes, key=lambda t: (-t.count, -(t.last_seen.timestamp() if t.last_seen else 0)))


# -- answers to look at: thumbs-down comments and doubtful answers -------------------------------
# An answer that cites this many documents or more stitched its points together from several places:
# often a sign that no one section answers the question. (max_citations is 4 by default.)
SPREAD_DOCUMENTS = 3
# An answer whose lead match (Answer.lead_match) is below this threshold opened with a section that
# barely matches the question. The threshold is fitted on labelled answers, not chosen here: see
# LEAD_MATCH_FILE, written by `mentor eval evaluation/gold.jsonl --split tune --fit-lead-match`.
LEAD_MATCH_FILE = Path(__file__).with_name("lead-match.json")


@lru_cache(maxsize=1)
def lead_match_threshold() -> float:
    """The lead match below which an answer is doubtful, as fitted (LEAD_MATCH_FILE, with its provenance)."""
    return float(json.loads(LEAD_MATCH_FILE.read_text(encoding="utf-8"))["below"])


@dataclass
class Reviewed:
    """One answer, as staff judge it: the question, the answer's first line and the sections it cited."""

    created_at: dt.datetime
    question: str | None  # None when question_logging was off
    answer_lead: str | None  # None for rows stored before it was kept, or with question_logging off
    sources: list[tuple[str, str]]  # (doc id, section), in citation order; sections unknown for old rows: ""
    status: str = "answered"
    confidence: float | None = None
    comment: str | None = None  # thumbs-down only
    reasons: list[str] = field(default_factory=list)  # doubtful only: why it is listed
    interaction_id: int | None = None

    @property
    def documents(self) -> list[str]:
        return list(dict.fromkeys(doc for doc, _ in self.sources))


def _sources(interaction: dict | None, doc_ids: list[str]) -> list[tuple[str, str]]:
    if interaction and interaction.get("cited_sections"):
        return [(doc, section) for doc, section in interaction["cited_sections"]]
    return [(doc, "") for doc in doc_ids]


def thumbs_down(storage, since: dt.datetime | None = None) -> list[Reviewed]:
    """Every thumbs-down rating since `since`, newest first, with its comment (if any), its question,
    the first line of the answer rated and the sections that answer cited."""
    asked = {row["id"]: row for row in storage.interactions.rows(since)}
    out = []
    for row in storage.feedback.rows(since):
        if row["rating"] != 0:
            continue
        interaction = asked.get(row["interaction_id"]) if row["interaction_id"] is not None else None
        if interaction is None and row["interaction_id"] is not None:
            interaction = storage.interactions.get(row["interaction_id"])  # asked before `since`, rated after
        out.append(Reviewed(
            created_at=row["created_at"], question=row["question"], comment=row["comment"],
            answer_lead=interaction.get("answer_lead") if interaction else None,
            sources=_sources(interaction, row["cited_doc_ids"]),
            status=interaction["status"] if interaction else "answered",
            confidence=interaction["confidence"] if interaction else None, interaction_id=row["interaction_id"]))
    return sorted(out, key=lambda r: r.created_at, reverse=True)


def doubtful_answers(storage, since: dt.datetime | None = None, min_confidence: float = 0.5,
                     margin: float = LOW_CONFIDENCE_MARGIN, spread: int = SPREAD_DOCUMENTS,
                     lead_below: float | None = None) -> list[Reviewed]:
    """Answered questions that may have been answered wrongly, though nobody said so: a confidence
    within `margin` of `min_confidence` (the setting), citations from `spread` documents or more, or a
    lead match below `lead_below` (default: the fitted lead_match_threshold()); a row stored before
    the lead match was kept has none, and is never listed for it.
    Newest first; a question asked again is listed once, at its latest answer."""
    lead_below = lead_match_threshold() if lead_below is None else lead_below
    latest: dict[str, Reviewed] = {}
    for row in storage.interactions.rows(since):
        if row["status"] != "answered":
            continue
        reasons = []
        if abs(row["confidence"] - min_confidence) <= margin:
            reasons.append(f"confidence {row['confidence']:.2f}, near the threshold {min_confidence:.2f}")
        sources = _sources(row, row["cited_doc_ids"])
        documents = len(dict.fromkeys(doc for doc, _ in sources))
        if documents >= spread:
            reasons.append(f"cites {documents} documents")
        if row.get("lead_match") is not None and row["lead_match"] < lead_below:
            reasons.append(f"lead match {row['lead_match']:.2f}, below {lead_below:.2f}")
        if not reasons:
            continue
        key = _key(row["question"]) if row["question"] else f"#{row['id']}"
        latest[key] = Reviewed(created_at=row["created_at"], question=row["question"], answer_lead=row["answer_lead"],
                               sources=sources, confidence=row["confidence"], reasons=reasons,
                               interaction_id=row["id"])
    return sorted(latest.values(), key=lambda r: r.created_at, reverse=True)


def section_of(citation_section: str) -> str:
    """The `questions:` key a cited section files under: its own heading, the last of its path."""
    return citation_section.split(" › ")[-1].strip() if citation_section else ""


# -- citations and feedback ----------------------------------------------------------------------
@dataclass
class CitationRow:
    doc_id: str
    title: str
    cited: int  # answers that cited it
    helpful: int  # thumbs up on answers citing it
    not_helpful: int  # thumbs down on answers citing it


def citation_counts(storage, documents: dict[str, str], since: dt.datetime | None = None) -> list[CitationRow]:
    """How often each document was cited, with the ratings of those answers; most cited first.

    Args:
        documents: doc id -> title for every document in the knowledge base, so never cited ones are
            listed (with 0); ids cited earlier but since removed are listed too.
    """
    cited: Counter = Counter()
    up: Counter = Counter()
    down: Counter = Counter()
    for row in storage.interactions.rows(since):
        if row["status"] == "answered":
            cited.update(set(row["cited_doc_ids"]))
    for row in storage.feedback.rows(since):
        (up if row["rating"] == 1 else down).update(set(row["cited_doc_ids"]))
    ids = list(documents) + sorted(set(cited) - set(documents))
    rows = [CitationRow(d, documents.get(d, f"{d} (no longer in the knowledge base)"), cited[d], up[d], down[d])
            for d in ids]
    return sorted(rows, key=lambda r: (-r.cited, r.doc_id))


def never_cited(rows: list[CitationRow], documents: dict[str, str]) -> list[CitationRow]:
    """The documents in the knowledge base that no answer cited."""
    return [r for r in rows if r.cited == 0 and r.doc_id in documents]


def feedback_series(storage, since: dt.datetime | None = None, days: int = 1) -> list[dict]:
    """Thumbs up and down per period of `days` days (UTC), oldest first, with empty periods filled in."""
    rows = storage.feedback.rows(since)
    if not rows:
        return []
    start = since if since is None or since.tzinfo else since.replace(tzinfo=dt.timezone.utc)
    first = (start or rows[0]["created_at"]).astimezone(dt.timezone.utc).date()
    last = max(r["created_at"] for r in rows).astimezone(dt.timezone.utc).date()
    buckets = {first + dt.timedelta(days=k): [0, 0] for k in range(0, (last - first).days + 1, days)}
    for r in rows:
        day = r["created_at"].astimezone(dt.timezone.utc).date()
        start = first + dt.timedelta(days=((day - first).days // days) * days)
        if start in buckets:
            buckets[start][0 if r["rating"] == 1 else 1] += 1
    return [{"date": d, "helpful": up, "not_helpful": down} for d, (up, down) in sorted(buckets.items())]


# -- CSV -----------------------------------------------------------------------------------------
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """A CSV cell that a spreadsheet shows as text: questions are untrusted, and '=HYPERLINK(…)' is a formula."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = " ".join(str(v) for v in value)
    elif isinstance(value, dt.datetime):
        value = value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def to_csv(rows: list[dict], columns: list[str]) -> str:
    """Rows as CSV text with a header, each cell made safe to open in a spreadsheet.

    A cell holding a CR, an LF, a comma or a quote is quoted, so no reader sees a new row start inside it.
    """
    return "".join([_csv_row(columns), *(_csv_row([_cell(row.get(c)) for c in columns]) for row in rows)])


def _csv_row(cells: list[str]) -> str:
    # The writer quotes a cell holding any character of its line terminator: "\r\n" makes that cover a
    # bare CR, which a "\n" terminator leaves unquoted. Rows still end in "\n".
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    return out.getvalue().removesuffix("\r\n") + "\n"


FEEDBACK_COLUMNS = ["created_at", "rating", "question", "comment", "cited_doc_ids", "interaction_id", "session_id"]
INTERACTION_COLUMNS = ["created_at", "status", "question", "answer_lead", "top_score", "confidence", "lead_match",
                       "lead_margin", "cited_doc_ids", "latency_ms", "session_id"]
GAP_COLUMNS = ["theme", "question", "count", "out_of_scope", "low_confidence", "thumbs_down", "last_seen"]


def feedback_csv(storage, since: dt.datetime | None = None) -> str:
    rows = [dict(r, rating="up" if r["rating"] == 1 else "down") for r in storage.feedback.rows(since)]
    return to_csv(rows, FEEDBACK_COLUMNS)


def interactions_csv(storage, since: dt.datetime | None = None) -> str:
    return to_csv(storage.interactions.rows(since), INTERACTION_COLUMNS)


def themes_csv(themes: list[Theme]) -> str:
    rows = [{"theme": t.label, "question": q.text, "count": q.count, "out_of_scope": q.reasons["out of scope"],
             "low_confidence": q.reasons["low confidence"], "thumbs_down": q.reasons["thumbs down"],
             "last_seen": q.last_seen} for t in themes for q in t.questions]
    return to_csv(rows, GAP_COLUMNS)
