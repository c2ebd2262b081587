"""The goal checker on the real model, fitted artefact and index: tables of goals, traps included."""

import json

import pytest

from assistant.goals import model as fitted
from assistant.goals.checker import MAX_GOAL_CHARS, GoalChecker, GoalInputError, format_check
from assistant.goals.models import CRITERIA


@pytest.fixture(scope="module")
def checker(goal_bot):
    return GoalChecker(goal_bot.index, goal_bot.embedder)


def statuses(check):
    return {c.name: c.status for c in check.criteria}


@pytest.mark.parametrize("goal, expected", [
    # Vague hopes: nothing to check against yet.
    ("I want to be better at presenting", {"specific": "missing", "measurable": "missing", "time_bound": "missing"}),
    ("Network more.", {"specific": "missing", "measurable": "missing", "time_bound": "missing"}),
    # A number that is not a measure: the people I already have.
    ("talk to my 2 managers", {"measurable": "missing", "time_bound": "missing"}),
    ("Improve my communication with my team of 5", {"measurable": "missing"}),
    # A date that is not a deadline: it looks back.
    ("Since January I've wanted to be more visible at work", {"time_bound": "missing"}),
    ("Since I joined in 2022 I've meant to write more documentation for the billing service",
     {"time_bound": "missing", "measurable": "missing"}),
    # Vague time words set no date.
    ("Eventually get promoted to staff engineer", {"time_bound": "missing"}),
    # A full SMART goal.
    ("By the end of March, I will present our team's monthly update to senior leaders and get at least two pieces "
     "of feedback on clarity", {"specific": "met", "measurable": "met", "time_bound": "met"}),
    ("Interview three product managers within the next 6 weeks", {"measurable": "met", "time_bound": "met"}),
    ("Publish the onboarding guide on the team wiki by 30 April", {"specific": "met", "time_bound": "met"}),
])
def test_goal_table(checker, goal, expected):
    got = statuses(checker.check(goal))
    assert {k: got[k] for k in expected} == expected, goal


def test_achievable_and_relevant_are_questions_and_every_criterion_is_cited(checker):
    check = checker.check("Get better at delegating")
    assert [c.name for c in check.criteria] == list(CRITERIA)
    for c in check.criteria:
        assert c.prompt and c.citations, c.name
        assert c.citations[0].doc_id == "setting-smart-goals"
        assert c.citations[0].highlights and c.citations[0].highlights[0] in c.citations[0].text
    for name in ("achievable", "relevant"):
        assert check.criterion(name).status == "ask" and check.criterion(name).prompt.endswith(("?", "sentence."))
    # Each criterion cites the guidance line that defines it, found by search, not by a fixed quote.
    assert check.criterion("time_bound").citations[0].highlights[0].startswith("Time-bound")
    assert check.criterion("measurable").citations[0].highlights[0].startswith("Measurable")
    missing = check.criterion("time_bound")
    assert missing.status == "missing" and missing.prompt.startswith("By when?")


def test_json_shape_is_the_issue_s(checker):
    data = json.loads(checker.check("Run my first mentoring session by 15 May").model_dump_json())
    assert set(data) == {"goal", "criteria"}
    for c in data["criteria"]:
        assert set(c) == {"name", "status", "prompt", "citations"}
        assert c["status"] in ("met", "missing", "ask")
        assert {"number", "doc_id", "title", "section", "text"} <= set(c["citations"][0])


def test_deterministic(checker):
    goal = "Have five coffee chats with people in other departments this quarter"
    assert checker.check(goal) == checker.check(goal)


@pytest.mark.parametrize("goal, words", [("", "empty"), ("   \n ", "empty"),
                                         ("x" * 10_240, f"10240 characters long; the checker reads up to {MAX_GOAL_CHARS}")])
def test_bad_goals_get_a_message_with_the_fix(checker, goal, words):
    with pytest.raises(GoalInputError, match=words):
        checker.check(goal)


def test_format_check_reads_as_a_list(checker):
    text = format_check(checker.check("Network more."))
    assert "✗ Time-bound (missing): By when?" in text and "Source: Setting SMART goals" in text
    assert text.endswith("To do: specific, measurable, time-bound.")


def test_the_artefact_records_where_it_was_fitted():
    model = fitted.load()
    assert model.provenance["fitted_on"].endswith("split=tune")
    assert set(model.criteria) == {"specific", "measurable", "time_bound"}
    assert model.provenance["command"].startswith("mentor eval-goals")


def test_a_model_for_other_features_is_refused(tmp_path):
    data = json.loads(fitted.MODEL_FILE.read_text())
    data["features"] = data["features"][:-1]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="--calibrate"):
        fitted.load(path)
