"""The goal checker's and the plan's vocabulary: what crosses from assistant/goals/ to the CLI, API and page."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, Field

from assistant.models import Citation

CriterionName = Literal["specific", "measurable", "time_bound", "achievable", "relevant"]
CRITERIA: tuple[str, ...] = get_args(CriterionName)
CriterionStatus = Literal["met", "missing", "ask"]


class Criterion(BaseModel):
    """One SMART criterion of a goal: met or missing (read from the text), or ask (only the person knows)."""

    name: CriterionName
    status: CriterionStatus
    prompt: str  # what to do next: a concrete fix for a missing one, a question for an ask
    citations: list[Citation] = Field(default_factory=list)  # the guidance passages that explain it


class GoalCheck(BaseModel):
    """What `GoalChecker.check` returns; the JSON of `mentor goal check --json` and POST /v1/goals/check."""

    goal: str
    criteria: list[Criterion]

    def criterion(self, name: str) -> Criterion:
        return next(c for c in self.criteria if c.name == name)

    @property
    def missing(self) -> list[str]:
        """The criteria read from the text that the goal does not meet yet."""
        return [c.name for c in self.criteria if c.status == "missing"]

    @property
    def ready(self) -> bool:
        """Specific, measurable and time-bound are all met."""
        return not self.missing
