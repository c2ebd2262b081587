"""The answer path's tuned numbers, in one fitted file with its provenance.

`assistant/answer-weights.json` ships them, fitted on the tune split of evaluation/gold.jsonl. `mentor
eval FILE --split tune --fit-weights` refits the ones worth fitting and saves the result beside the
index (index/answer-weights.json); every build copies the saved file (or the shipped one) into its
version, with its sha256 in the manifest, so an answer is ranked by exactly the weights its index
version records. A number here is never pasted into code.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

WEIGHTS_FILE = "answer-weights.json"  # in the index folder (a refit) and in each version
SHIPPED_WEIGHTS = Path(__file__).with_name(WEIGHTS_FILE)


class Weights(BaseModel):
    """How the rankings of one question are fused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rrf_k: float = Field(30.0, gt=0, description="reciprocal-rank fusion constant")
    dense_share: float = Field(0.6, ge=0, le=1, description="the semantic vote's share against BM25's")
    lexical_mass: float = Field(6.0, gt=0, description="summed IDF at which BM25 gets its full share")
    doc_evidence: float = Field(0.15, ge=0, description="share of its document's next two passages a passage gains")
    doc_share: float = Field(0.1, ge=0, le=1, description="weight of the document-level (title, summary) vote")
    other_audience: float = Field(0.7, ge=0, le=1, description="share of its score a passage for the other side keeps")
    intent_share: float = Field(0.5, ge=0, le=1, description="share of the semantic vote given to the questions a section answers")
    thread_k: float = Field(30.0, gt=0, description="fusion constant of a follow-up's three rankings")
    question_weight: float = Field(0.5, ge=0, description="weight of a follow-up's own vector added to the joined turns'")
    # Choosing the section to quote, among every section of the ranking's first documents:
    section_docs: int = Field(3, ge=1, description="how many of the ranking's first documents an answer may quote from")
    section_questions: float = Field(1.5, ge=0, description="weight of a section's best match among the questions it answers")
    section_text: float = Field(0.5, ge=0, description="weight of a section's best sentence match")
    section_heading: float = Field(0.2, ge=0, description="weight of the share of the question's words its heading names")
    section_doc_step: float = Field(0.05, ge=0, description="what a section loses per document rank below the first")
    section_intro: float = Field(0.05, ge=0, description="what a document's introduction loses against its sections")
    section_question_weight: float = Field(0.5, ge=0, description="extra weight of a follow-up's own vector, beside the ranking's, when choosing the section to quote")
    provenance: dict = Field(default_factory=dict, description="what it was fitted on, when, and how it scored")

    def to_json(self) -> str:
        return self.model_dump_json(indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str, source: str = "answer weights") -> "Weights":
        """Raises ValueError naming the file and the fix when the text is not a valid set of weights."""
        try:
            return cls.model_validate(json.loads(text))
        except (ValueError, ValidationError) as exc:
            first = exc.errors()[0] if isinstance(exc, ValidationError) else {"loc": (), "msg": str(exc)}
            where = ".".join(str(p) for p in first["loc"]) or "the file"
            raise ValueError(f"{source}: {where}: {first['msg']}; delete it to use the shipped weights, or refit "
                             "them with `mentor eval evaluation/gold.jsonl --split tune --fit-weights`") from None

    @classmethod
    def shipped(cls) -> "Weights":
        return cls.from_json(SHIPPED_WEIGHTS.read_text(encoding="utf-8"), str(SHIPPED_WEIGHTS))


def saved_weights_text(index_dir: Path) -> str:
    """The weights a build records: a refit saved beside the index (checked), else the shipped ones."""
    path = Path(index_dir) / WEIGHTS_FILE
    if not path.exists():
        return SHIPPED_WEIGHTS.read_text(encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    Weights.from_json(text, str(path))
    return text
