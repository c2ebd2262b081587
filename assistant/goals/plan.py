"""The person's mentoring plan: one to three goals, up to six dated steps each, the first three meetings
with agendas drawn from the guidance, and review dates. Validated here; exported by export.py.

A plan is never stored on the server: the page and the API build and render it, and the person keeps
the file. Dates in the past are refused where a plan is made or rendered (`check_dates`), not when a
saved plan is loaded again to continue, since its early steps are then rightly behind it.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from assistant.goals.guidance import Found, Guidance, citation
from assistant.goals.models import GoalCheck
from assistant.models import Citation
from assistant.text import answer_blocks

MAX_GOALS = 3  # the guidance: one to three goals for a relationship of six to twelve months
MAX_STEPS = 6
MAX_TEXT = 500
PlanRole = Literal["mentee", "mentor"]  # whose plan: a mentee's own, or a mentor's with their mentee

# What each of the first three meetings is for: the query that finds its agenda in the guidance.
# Meeting one differs by role; two and three are ordinary sessions, the third reviewing progress.
MEETING_QUERIES = {
    "mentee": ("first mentoring meeting agenda: introductions, my goals, how we will work together",
               "a simple structure for a regular mentoring session, with minutes for each part",
               "how to run a progress review of your goals with your mentor"),
    "mentor": ("mentor's first-session checklist: expectations, goals, how you will work together",
               "a simple structure for a regular mentoring session, with minutes for each part",
               "how to run a progress review of your mentee's goals"),
}
MEETING_TITLES = ("First meeting: getting started", "Second meeting: agreeing the plan", "Third meeting: first review")


class PlanError(ValueError):
    """A plan that cannot be made or rendered; the message names the value and the fix."""


class Step(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    due: dt.date
    done: bool = False

    @field_validator("text")
    @classmethod
    def _words(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("a step needs a few words saying what you will do")
        return value


class PlanGoal(BaseModel):
    text: str = Field(max_length=MAX_TEXT)
    check: GoalCheck | None = None  # the checker's verdict on this wording
    steps: list[Step] = Field(default_factory=list)
    how_you_will_know: str = Field("", max_length=MAX_TEXT)
    ask_your_mentor: str = Field("", max_length=MAX_TEXT)

    @field_validator("text")
    @classmethod
    def _goal(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("the goal is empty; write what you want to achieve in a sentence")
        return value

    @field_validator("steps")
    @classmethod
    def _steps(cls, value: list[Step]) -> list[Step]:
        if len(value) > MAX_STEPS:
            raise ValueError(f"has {len(value)} steps; keep at most {MAX_STEPS} per goal (merge small ones, or move "
                             "the rest to a later list)")
        return value


class Meeting(BaseModel):
    number: int
    title: str
    date: dt.date
    agenda: list[str]
    citations: list[Citation] = Field(default_factory=list)


class Plan(BaseModel):
    """A mentoring plan the person owns. `Plan.model_validate_json` loads an exported JSON file back."""

    role: PlanRole = "mentee"
    created: dt.date = Field(default_factory=dt.date.today)
    goals: list[PlanGoal]
    meetings: list[Meeting] = Field(default_factory=list)
    review_dates: list[dt.date] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)  # guidance behind the plan as a whole

    @field_validator("goals")
    @classmethod
    def _goals(cls, value: list[PlanGoal]) -> list[PlanGoal]:
        if not 1 <= len(value) <= MAX_GOALS:
            raise ValueError(f"has {len(value)} goals; a plan holds 1 to {MAX_GOALS} (keep other ideas in a later list)")
        return value

    @model_validator(mode="after")
    def _not_past(self, info):
        today = (info.context or {}).get("today") if info and info.context else None
        if today is not None:
            problems = past_dates(self, today)
            if problems:
                raise ValueError("; ".join(problems))
        return self

    def all_dates(self) -> list[tuple[str, dt.date]]:
        """(what, when) for every dated thing in the plan, in date order."""
        items = [(f"Step: {s.text}", s.due) for g in self.goals for s in g.steps]
        items += [(f"Meeting {m.number}: {m.title}", m.date) for m in self.meetings]
        items += [("Review of your goals", d) for d in self.review_dates]
        return sorted(items, key=lambda item: item[1])


def past_dates(plan: Plan, today: dt.date) -> list[str]:
    """A message for each date before `today`, naming it and the fix."""
    problems = []
    for i, goal in enumerate(plan.goals, start=1):
        for j, step in enumerate(goal.steps, start=1):
            if step.due < today:
                problems.append(f"goal {i}, step {j} ('{step.text[:40]}') is due {step.due.isoformat()}, which is in "
                                f"the past; choose {today.isoformat()} or later")
    for m in plan.meetings:
        if m.date < today:
            problems.append(f"meeting {m.number} is on {m.date.isoformat()}, in the past; choose {today.isoformat()} or later")
    for d in plan.review_dates:
        if d < today:
            problems.append(f"the review date {d.isoformat()} is in the past; choose {today.isoformat()} or later")
    return problems


def parse_plan(data: dict | str, today: dt.date | None = None) -> Plan:
    """A Plan from JSON text or a dict; with `today`, dates before it are refused. Raises PlanError."""
    from pydantic import ValidationError

    try:
        if isinstance(data, str):
            return Plan.model_validate_json(data, context={"today": today})
        return Plan.model_validate(data, context={"today": today})
    except ValidationError as exc:
        raise PlanError(plan_problems(exc)) from None


def plan_problems(exc) -> str:
    """A pydantic ValidationError of a plan as one readable message: where, and what to do."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "plan"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            msg = "is missing"
        parts.append(f"{where}: {msg}")
    return "; ".join(parts)


# Sections that can serve as a meeting's agenda: templates, and sections whose heading names an agenda,
# a structure, a checklist or a review.
_EMPHASIS = re.compile(r"\*\*|__")  # bold markers: an agenda item is plain text in a calendar too
_AGENDA_HEADING = re.compile(r"\b(?:agenda|structure|checklist|review)\b", re.I)


def agenda_items(passage) -> list[str]:
    """A section's list items in their order (its steps or bullets); its sentences when it has no list."""
    items = [unit for kind, units in answer_blocks(passage.text) if kind in ("list", "steps") for unit in units]
    return [_EMPHASIS.sub("", item) for item in items or passage.sentences]


def meetings_from_guidance(guidance: Guidance, role: PlanRole, first: dt.date, every_days: int = 14,
                           items: int = 8) -> list[Meeting]:
    """The first three meetings, `every_days` apart from `first`, each with an agenda quoted from the guidance."""
    rows = [p for p in guidance.data.passages if role in p.audience
            and (p.is_template or _AGENDA_HEADING.search(p.heading_path[-1]))]
    meetings: list[Meeting] = []
    used: set[str] = set()
    for n, query in enumerate(MEETING_QUERIES[role], start=1):
        # Each meeting gets a section of its own: the best one an earlier meeting has not used.
        found = [f for f in guidance.find(query, topic=None, k=len(MEETING_QUERIES[role]) + 1, per_passage=items,
                                          among=rows, by_heading=True) if f.passage.id not in used]
        agenda: list[str] = []
        cites: list[Citation] = []
        if found:
            best = found[0]
            used.add(best.passage.id)
            agenda = agenda_items(best.passage)[:items]  # the section's own items in its order
            cites = [citation(Found(best.passage, agenda, best.score))]
        meetings.append(Meeting(number=n, title=MEETING_TITLES[n - 1], date=first + dt.timedelta(days=every_days * (n - 1)),
                                agenda=agenda, citations=cites))
    return meetings


def review_dates(start: dt.date, months: int = 6, every_months: int = 2) -> list[dt.date]:
    """Full reviews every two to three months, as the guidance advises, over the relationship's length."""
    out = []
    for k in range(every_months, months + 1, every_months):
        month = start.month - 1 + k
        year, month = start.year + month // 12, month % 12 + 1
        day = min(start.day, 28)
        out.append(dt.date(year, month, day))
    return out


def latest_date(plan: Plan) -> dt.date | None:
    dates = [d for _, d in plan.all_dates()]
    return max(dates) if dates else None
