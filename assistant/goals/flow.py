"""The guided goal flow's logic, so the Goals page only holds state and draws (and tests need no browser).

The flow: what you want in your own words → a draft goal checked live → revisions until specific,
measurable and time-bound are met (or the person moves on) → one to three goals → up to six dated
steps each, how you will know, what to ask your mentor → the plan, with the first three meetings'
agendas and review dates from the guidance, exported as files the person keeps.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from assistant.goals.checker import GoalChecker
from assistant.goals.guidance import Found, Guidance, citation
from assistant.goals.plan import (MAX_GOALS, MAX_STEPS, Plan, PlanError, PlanGoal, PlanRole, Step,
                                  meetings_from_guidance, review_dates)
from assistant.models import Citation

PRIVACY = ("Nothing of your goals or plan is stored on Mentor's server: they live in this browser tab until you "
           "download them, and are gone when you close it. To continue later, download the plan as JSON and load "
           "it here again. Checking a goal sends its text to this Mentor server only, and nothing is logged.")

_EXAMPLE = re.compile(r"^Example goal:\s*(.+)$", re.I)
_VAGUE = re.compile(r"^Vague hope:\s*(.+)$", re.I)
_WHY = re.compile(r"^Why it works:\s*(.+)$", re.I)
# A question asking for help to set goals (not one about what goals are): the chat offers the guided page.
_GOAL_HELP = re.compile(r"\b(?:help|how|want|need|can you|could you|let's|walk me)\b.*\b(?:set|setting|write|writing|"
                        r"make|making|draft|create|plan|choose|pick|agree)\b.*\bgoals?\b|\bgoal[- ]setting\b|"
                        r"\bsmart\s+goals?\b", re.I)


def wants_goal_help(question: str) -> bool:
    """Whether a chat question asks for help setting goals, so the chat offers the guided flow."""
    return bool(_GOAL_HELP.search(question or ""))


@dataclass(frozen=True)
class ExampleGoal:
    area: str  # the section heading, e.g. "Public speaking"
    vague: str
    goal: str
    why: str
    citation: Citation


def example_goals(guidance: Guidance) -> list[ExampleGoal]:
    """Every section of the goal-setting guidance that shows an "Example goal:" line, in document order."""
    out = []
    for p in guidance.data.passages:
        if "setting-goals" not in p.topics:
            continue
        found = {"vague": "", "goal": "", "why": ""}
        for sentence in p.sentences:
            for key, pattern in (("vague", _VAGUE), ("goal", _EXAMPLE), ("why", _WHY)):
                m = pattern.match(sentence.strip())
                if m and not found[key]:
                    found[key] = m.group(1).strip().strip('"“”')
        if found["goal"]:
            quoted = [s for s in p.sentences if _EXAMPLE.match(s.strip())]
            out.append(ExampleGoal(p.heading_path[-1], found["vague"], found["goal"], found["why"],
                                   citation(Found(p, quoted, 1.0))))
    return out


def mentor_questions(guidance: Guidance) -> tuple[list[str], list[Citation]]:
    """For a mentor helping a mentee: GROW questions to ask, and how to agree the goal together, from the guidance."""
    questions: list[str] = []
    cites: list[Citation] = []
    for query in ("GROW questions for the Goal and Reality stages: what would you like to be different",
                  "for mentors: agreeing a goal with your mentee, who writes it in their own words"):
        found = guidance.find(query, k=1, per_passage=8)
        if found:
            best = found[0]
            items = [s for s in best.passage.sentences if s.strip().endswith("?") or best.passage.section.startswith("For mentors")]
            questions += [s for s in (items or best.sentences) if s not in questions]
            cites.append(citation(best, len(cites) + 1))
    return questions, cites


def add_step(goal: PlanGoal, text: str, due: dt.date, today: dt.date | None = None) -> PlanGoal:
    """The goal with one more step. Raises PlanError for an empty step, a past date or a seventh step."""
    today = today or dt.date.today()
    if len(goal.steps) >= MAX_STEPS:
        raise PlanError(f"this goal already has {MAX_STEPS} steps, the most a goal takes; merge two, or finish one first")
    if not " ".join((text or "").split()):
        raise PlanError("the step is empty; say in a few words what you will do")
    if due < today:
        raise PlanError(f"{due.isoformat()} is in the past; choose {today.isoformat()} or later for this step")
    return goal.model_copy(update={"steps": [*goal.steps, Step(text=text, due=due)]})


def build_plan(goals: list[PlanGoal], role: PlanRole, first_meeting: dt.date, guidance: Guidance,
               checker: GoalChecker | None = None, today: dt.date | None = None) -> Plan:
    """The whole plan: the goals (each re-checked when a checker is given), three meetings with agendas
    from the guidance, and review dates every two months over six months. Raises PlanError."""
    today = today or dt.date.today()
    if not goals:
        raise PlanError("add at least one goal first")
    if len(goals) > MAX_GOALS:
        raise PlanError(f"a plan holds at most {MAX_GOALS} goals; keep the others in a later list")
    if first_meeting < today:
        raise PlanError(f"the first meeting date {first_meeting.isoformat()} is in the past; choose {today.isoformat()} or later")
    if checker is not None:
        goals = [g.model_copy(update={"check": checker.check(g.text)}) for g in goals]
    how_many = guidance.cite("how many goals to have: one to three for a mentoring relationship", k=1)
    reviews = guidance.cite("review progress at each session and revisit goals every two to three months", k=1)
    plan = Plan(role=role, created=today, goals=goals,
                meetings=meetings_from_guidance(guidance, role, first_meeting),
                review_dates=review_dates(first_meeting), citations=how_many + reviews)
    return plan
