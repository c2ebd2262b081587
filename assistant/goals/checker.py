"""The goal checker: which SMART criteria a goal, as typed, meets, with a cited prompt for each.

Specific, measurable and time-bound are read from the text by the fitted model (assistant/goals/model.py:
MiniLM embedding plus structural features, one logistic regression each). Achievable and relevant
depend on the person's time, support and direction, which no text shows, so they are always "ask",
with a question. Every criterion cites the guidance passage that explains it (assistant/goals/guidance.py).
Offline and deterministic: the same goal, model file and index give the same result.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.embedding import Embedder
from assistant.errors import MentorError
from assistant.goals import model as fitted
from assistant.goals.guidance import Guidance
from assistant.goals.models import CRITERIA, Criterion, GoalCheck
from assistant.index import IndexData

MAX_GOAL_CHARS = 500  # a goal is a sentence or two; the guidance's own one-sentence goals run to about 200


class GoalInputError(MentorError, ValueError):
    """A goal that cannot be checked: empty or far too long. The message names the fix."""


@dataclass(frozen=True)
class CriterionText:
    """What the checker says about one criterion, and the query that finds the guidance explaining it."""

    label: str
    query: str  # searched in the guidance for the citation
    met: str  # shown when the text meets it
    missing: str  # a concrete fix when it does not ("ask" criteria: the question)


TEXTS = {
    "specific": CriterionText(
        "Specific", "specific goal: name exactly what you want to change or achieve",
        "It names what you will do.",
        "What exactly will you do or change? Name one action someone could see you take, for example: "
        "'lead the sprint demo' rather than 'be more visible'."),
    "measurable": CriterionText(
        "Measurable", "measurable goal: a number, an output or an observable behaviour to tell whether you achieved it",
        "It says how you will know it is done.",
        "How will you and your mentor know it is done? Add a number, an output or something others can see, "
        "for example: 'at least two pieces of feedback' or 'a one-page proposal sent'."),
    "time_bound": CriterionText(
        "Time-bound", "time-bound goal: set a deadline or review date and check it against your workload",
        "It has a deadline.",
        "By when? For example: 'by the end of March'."),
    "achievable": CriterionText(
        "Achievable", "achievable goal: a stretch but realistic with your time, role and resources",
        "", "Is it realistic with the time and support you have? What might get in the way?"),
    "relevant": CriterionText(
        "Relevant", "relevant goal: it matters to your bigger direction and is worth your mentor's time",
        "", "Why does this goal matter for where you want to go? Say it in one sentence."),
}


def clean_goal(goal: str | None) -> str:
    """The goal with its whitespace tidied, or GoalInputError saying what to change."""
    text = " ".join((goal or "").split())
    if not text:
        raise GoalInputError("the goal is empty; write what you want to achieve in a sentence, "
                             "for example: 'Present our team's update to senior leaders by the end of March'")
    if len(text) > MAX_GOAL_CHARS:
        raise GoalInputError(f"the goal is {len(text)} characters long; the checker reads up to {MAX_GOAL_CHARS}. "
                             "Write one goal in a sentence or two, and keep the background for your notes")
    return text


class GoalChecker:
    """Checks goals against SMART. Build it from a loaded index and the embedder that built it.

    Example:
        >>> checker = GoalChecker(bot.index, bot.embedder)
        >>> checker.check("Talk to my 2 managers").criterion("time_bound").status
        'missing'
    """

    def __init__(self, data: IndexData, embedder: Embedder, model: fitted.GoalModel | None = None):
        self.embedder = embedder
        self.model = model or fitted.load()
        if self.model.model_id != embedder.model_id:
            raise MentorError(f"the goal model was fitted on embeddings of '{self.model.model_id}', not "
                              f"'{embedder.model_id}'; refit it with `mentor eval-goals evaluation/goals.jsonl "
                              "--split tune --calibrate`")
        self.guidance = Guidance(data, embedder)
        self._citations = {name: self.guidance.cite(TEXTS[name].query) for name in CRITERIA}

    def judge(self, goals: list[str]) -> list[dict[str, bool]]:
        """Per goal, met (True) or missing (False) for specific, measurable and time-bound."""
        return judge_goals(self.model, self.embedder, goals)

    def check(self, goal: str) -> GoalCheck:
        """Every SMART criterion of `goal`. Raises GoalInputError for an empty or over-long goal."""
        text = clean_goal(goal)
        met = self.judge([text])[0]
        criteria = []
        for name in CRITERIA:
            words = TEXTS[name]
            if name in met:
                status = "met" if met[name] else "missing"
                prompt = words.met if met[name] else words.missing
            else:
                status, prompt = "ask", words.missing
            criteria.append(Criterion(name=name, status=status, prompt=prompt,
                                      citations=[c.model_copy() for c in self._citations[name]]))
        return GoalCheck(goal=text, criteria=criteria)


def judge_goals(model: fitted.GoalModel, embedder: Embedder, goals: list[str]) -> list[dict[str, bool]]:
    """Per goal, met (True) or missing (False) for each text criterion: the checker's and the evaluation's one path."""
    probs = model.probabilities(embedder.encode(goals), goals)
    return [{name: bool(probs[name][i] >= model.criteria[name].threshold) for name in probs}
            for i in range(len(goals))]


def format_check(check: GoalCheck) -> str:
    """The check as a person reads it in a terminal."""
    marks = {"met": "✓", "missing": "✗", "ask": "?"}
    lines = [f"Goal: {check.goal}", ""]
    for c in check.criteria:
        lines.append(f"{marks[c.status]} {TEXTS[c.name].label} ({c.status}): {c.prompt}")
        for cite in c.citations:
            lines.append(f"    Source: {cite.title} › {cite.section}: \"{' '.join(cite.highlights)}\"")
    lines.append("")
    lines.append("Ready: specific, measurable and time-bound are met." if check.ready else
                 f"To do: {', '.join(TEXTS[n].label.lower() for n in check.missing)}.")
    return "\n".join(lines)
