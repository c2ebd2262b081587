"""A plan as the files the person takes away: Markdown with its citations, an iCalendar file of its
meetings, steps and review dates (written by the `icalendar` library), and JSON that loads back."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from assistant.goals.checker import TEXTS
from assistant.goals.plan import Plan
from assistant.models import Citation
from assistant.text import sha256

Format = Literal["md", "ics", "json"]
FORMATS: tuple[str, ...] = ("md", "ics", "json")
MEDIA_TYPES = {"md": "text/markdown; charset=utf-8", "ics": "text/calendar; charset=utf-8",
               "json": "application/json"}
_MARKS = {"met": "met", "missing": "missing", "ask": "to discuss"}


def _text(value: str) -> str:
    """Untrusted text inside Markdown: shown as typed, never as markup or HTML."""
    out = value.replace("\\", "\\\\")
    for ch in "`*_[]<>#|":
        out = out.replace(ch, "\\" + ch)
    return out


class _Sources:
    """Numbers each distinct guidance passage once, in order of first use."""

    def __init__(self):
        self.items: list[Citation] = []

    def mark(self, citations: list[Citation]) -> str:
        numbers = []
        for c in citations:
            key = (c.passage_id or f"{c.doc_id}#{c.section}", tuple(c.highlights))
            found = next((i for i, s in enumerate(self.items, 1)
                          if (s.passage_id or f"{s.doc_id}#{s.section}", tuple(s.highlights)) == key), None)
            if found is None:
                self.items.append(c)
                found = len(self.items)
            numbers.append(found)
        return "".join(f" [{n}]" for n in numbers)


def to_markdown(plan: Plan) -> str:
    sources = _Sources()
    who = "a mentor with their mentee" if plan.role == "mentor" else "you and your mentor"
    lines = ["# My mentoring plan", "", f"Made on {plan.created:%d %B %Y}, for {who}. This file is yours: Mentor keeps "
             "no copy of it.", ""]
    for i, goal in enumerate(plan.goals, start=1):
        lines += [f"## Goal {i}: {_text(goal.text)}", ""]
        if goal.check:
            for c in goal.check.criteria:
                lines.append(f"- **{TEXTS[c.name].label}** ({_MARKS[c.status]}): {_text(c.prompt)}{sources.mark(c.citations)}")
            lines.append("")
        if goal.steps:
            lines += ["### Steps", ""]
            lines += [f"{j}. {s.due.isoformat()}: {_text(s.text)}{' (done)' if s.done else ''}"
                      for j, s in enumerate(goal.steps, start=1)]
            lines.append("")
        if goal.how_you_will_know:
            lines += ["### How you will know", "", _text(goal.how_you_will_know), ""]
        if goal.ask_your_mentor:
            lines += ["### What to ask your mentor" if plan.role == "mentee" else "### What to ask your mentee", "",
                      _text(goal.ask_your_mentor), ""]
    if plan.meetings:
        lines += ["## The first three meetings", ""]
        for m in plan.meetings:
            lines += [f"### {m.title}: {m.date:%A %d %B %Y}{sources.mark(m.citations)}", ""]
            lines += [f"- {_text(item)}" for item in m.agenda]
            lines.append("")
    if plan.review_dates:
        lines += ["## Review dates", ""]
        lines += [f"- {d:%A %d %B %Y}: review progress on every goal with your mentor" for d in plan.review_dates]
        lines.append("")
    if plan.citations:
        lines += [f"Guidance behind this plan:{sources.mark(plan.citations)}", ""]
    if sources.items:
        lines += ["## Sources", ""]
        for n, c in enumerate(sources.items, start=1):
            quoted = " ".join(c.highlights) or c.text
            lines.append(f"{n}. {_text(c.title)} › {_text(c.section)} (knowledge/{c.doc_id}.md): \"{_text(quoted)}\"")
        lines.append("")
    return "\n".join(lines)


def to_ics(plan: Plan) -> bytes:
    """An iCalendar file: each meeting, step and review as an all-day event on its date."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//Mentor//Mentoring plan//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Mentoring plan")
    stamp = dt.datetime.combine(plan.created, dt.time(0, 0), tzinfo=dt.timezone.utc)
    goal_lines = "\n".join(f"Goal {i}: {g.text}" for i, g in enumerate(plan.goals, start=1))

    def add(summary: str, day: dt.date, description: str) -> None:
        event = Event()
        event.add("summary", summary)
        event.add("dtstart", day)
        event.add("dtend", day + dt.timedelta(days=1))
        event.add("dtstamp", stamp)
        event.add("description", description)
        # A stable uid: importing the same plan twice updates events instead of doubling them.
        event.add("uid", f"{sha256(f'{summary}|{day.isoformat()}')[:24]}@mentor-plan")
        cal.add_component(event)

    for m in plan.meetings:
        add(f"Mentoring meeting {m.number}: {m.title}", m.date,
            "Agenda:\n" + "\n".join(f"- {a}" for a in m.agenda) + f"\n\n{goal_lines}")
    for i, goal in enumerate(plan.goals, start=1):
        for s in goal.steps:
            add(f"Goal {i} step: {s.text}", s.due, f"Goal {i}: {goal.text}")
    for d in plan.review_dates:
        add("Mentoring plan review", d, f"Review progress on every goal with your mentor.\n\n{goal_lines}")
    return cal.to_ical()


def to_json(plan: Plan) -> str:
    return plan.model_dump_json(indent=2)


def render(plan: Plan, fmt: str) -> bytes:
    """The plan in one of FORMATS, as bytes ready to download."""
    if fmt == "md":
        return to_markdown(plan).encode("utf-8")
    if fmt == "ics":
        return to_ics(plan)
    if fmt == "json":
        return to_json(plan).encode("utf-8")
    raise ValueError(f"format '{fmt}' is not one of {', '.join(FORMATS)}")


def file_name(fmt: str, day: dt.date | None = None) -> str:
    return f"mentoring-plan-{(day or dt.date.today()).isoformat()}.{fmt}"
