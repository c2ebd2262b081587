"""Plans: validation with clear messages, and exports that load back (JSON) or parse (icalendar)."""

import datetime as dt

import pytest
from icalendar import Calendar

from assistant.goals import flow
from assistant.goals.checker import GoalChecker
from assistant.goals.export import render, to_markdown
from assistant.goals.guidance import Guidance
from assistant.goals.plan import Plan, PlanError, PlanGoal, Step, parse_plan

TODAY = dt.date.today()


@pytest.fixture(scope="module")
def guidance(goal_bot):
    return Guidance(goal_bot.index, goal_bot.embedder)


@pytest.fixture(scope="module")
def plan(goal_bot, guidance) -> Plan:
    goal = PlanGoal(text="Give a ten-minute update at the all-hands by the end of April",
                    how_you_will_know="Three listeners send written comments", ask_your_mentor="Watch a rehearsal")
    goal = flow.add_step(goal, "Draft the outline", TODAY + dt.timedelta(days=7))
    goal = flow.add_step(goal, "Rehearse with my mentor", TODAY + dt.timedelta(days=21))
    return flow.build_plan([goal], "mentee", TODAY + dt.timedelta(days=3), guidance,
                           GoalChecker(goal_bot.index, goal_bot.embedder))


def test_plan_has_meetings_from_the_agenda_templates_and_review_dates(plan):
    first, second, third = plan.meetings
    assert first.citations[0].doc_id == "preparing-for-your-first-meeting"
    assert first.citations[0].section == "Template: First-meeting agenda"
    assert first.agenda[0].startswith("Introductions")
    assert second.citations[0].section.startswith("A simple structure")
    assert "Check-in (5 minutes):" in second.agenda[0]  # bold markers are gone
    assert third.citations[0].doc_id == "tracking-progress"
    assert [m.date for m in plan.meetings] == [TODAY + dt.timedelta(days=d) for d in (3, 17, 31)]
    assert len(plan.review_dates) == 3 and plan.review_dates == sorted(plan.review_dates)
    assert plan.goals[0].check is not None and plan.goals[0].check.ready


def test_json_loads_back(plan):
    again = parse_plan(render(plan, "json").decode())
    assert again == plan


def test_ics_parses_with_the_library_and_holds_every_date(plan):
    cal = Calendar.from_ical(render(plan, "ics"))
    events = {(str(e["summary"]), e.decoded("dtstart")) for e in cal.walk("VEVENT")}
    expected = {d for _, d in plan.all_dates()}
    assert {d for _, d in events} == expected
    assert ("Goal 1 step: Draft the outline", TODAY + dt.timedelta(days=7)) in events
    assert any(s.startswith("Mentoring meeting 1") for s, _ in events)
    assert sum(s == "Mentoring plan review" for s, _ in events) == 3
    assert len({e["uid"] for e in cal.walk("VEVENT")}) == len(events)


def test_markdown_has_the_goal_steps_agendas_and_numbered_sources(plan):
    md = to_markdown(plan)
    assert "## Goal 1: Give a ten-minute update" in md and "1. " + (TODAY + dt.timedelta(days=7)).isoformat() in md
    assert "### How you will know" in md and "### What to ask your mentor" in md
    assert "## Sources" in md and "(knowledge/preparing-for-your-first-meeting.md)" in md
    assert "Mentor keeps no copy" in md
    for n in range(1, md.count("\n", md.index("## Sources")) - 1):
        assert f"[{n}]" in md.split("## Sources")[0] or n > 8


def test_markup_in_typed_text_is_shown_as_text():
    plan = Plan(goals=[PlanGoal(text="<script>alert(1)</script> *lead* the [demo](http://x)")])
    md = to_markdown(plan)
    assert "<script>" not in md and "\\<script\\>" in md and "\\[demo\\]" in md


def test_a_seventh_step_a_past_date_and_an_empty_step_are_refused():
    goal = PlanGoal(text="Lead the sprint demo by June")
    for k in range(6):
        goal = flow.add_step(goal, f"step {k}", TODAY)
    with pytest.raises(PlanError, match="already has 6 steps"):
        flow.add_step(goal, "one more", TODAY)
    with pytest.raises(PlanError, match="in the past; choose"):
        flow.add_step(PlanGoal(text="x"), "late", TODAY - dt.timedelta(days=1))
    with pytest.raises(PlanError, match="the step is empty"):
        flow.add_step(PlanGoal(text="x"), "   ", TODAY)


@pytest.mark.parametrize("data, words", [
    ({"goals": [{"text": "  "}]}, "goals.0.text: the goal is empty"),
    ({"goals": []}, "has 0 goals; a plan holds 1 to 3"),
    ({"goals": [{"text": "g"}] * 4}, "has 4 goals"),
    ({"goals": [{"text": "g", "steps": [{"text": "s", "due": "2099-01-01"}] * 7}]}, "has 7 steps; keep at most 6"),
    ({"goals": [{"text": "g", "steps": [{"text": "s", "due": "2001-01-01"}]}]}, "is due 2001-01-01, which is in the past"),
    ({"goals": [{"text": "g"}], "review_dates": ["2001-02-03"]}, "review date 2001-02-03 is in the past"),
    ({"goals": [{"text": "g", "steps": [{"text": "s", "due": "soon"}]}]}, "goals.0.steps.0.due"),
])
def test_bad_plans_get_clear_messages(data, words):
    with pytest.raises(PlanError, match=words.replace("(", r"\(")):
        parse_plan(data, today=TODAY)


def test_an_old_plan_loads_to_continue_but_is_refused_where_dates_are_checked():
    data = {"goals": [{"text": "g", "steps": [{"text": "s", "due": "2001-01-01"}]}]}
    assert parse_plan(data).goals[0].steps[0].due == dt.date(2001, 1, 1)
    with pytest.raises(PlanError):
        parse_plan(data, today=TODAY)


def test_step_model_trims_text():
    assert Step(text="  draft   it ", due=TODAY).text == "draft it"
