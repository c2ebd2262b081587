"""POST /v1/goals/check and POST /v1/plans/render over HTTP against a real server, model and index."""

import datetime as dt

import pytest
from icalendar import Calendar

from assistant import Settings
from assistant.goals.plan import Plan
from tests.api.conftest import serve

FUTURE = dt.date.today() + dt.timedelta(days=20)


@pytest.fixture(scope="module")
def goal_api(tmp_path_factory, goal_template, embedder, new_port):
    import shutil

    root = tmp_path_factory.mktemp("goal-api")
    for name in ("knowledge", "index"):
        shutil.copytree(goal_template / name, root / name)
    settings = Settings(knowledge_dir=root / "knowledge", index_dir=root / "index", data_dir=root / "data",
                        api_rate_limit=1000, _env_file=None)
    with serve(settings, embedder, new_port()) as served:
        served.wait_ready()
        yield served


def test_keys_are_required(goal_api):
    with goal_api.client() as http:
        assert http.post("/v1/goals/check", json={"goal": "Network more"}).status_code == 401
        assert http.post("/v1/plans/render", json={"plan": {}, "format": "md"}).status_code == 401


def test_goal_check(goal_api):
    with goal_api.client(goal_api.new_key()) as http:
        reply = http.post("/v1/goals/check", json={"goal": "Since January I've wanted to talk to my 2 managers"})
    assert reply.status_code == 200, reply.text
    data = reply.json()
    assert set(data) == {"goal", "criteria"}
    by_name = {c["name"]: c for c in data["criteria"]}
    assert by_name["time_bound"]["status"] == "missing" and by_name["time_bound"]["prompt"].startswith("By when?")
    assert by_name["measurable"]["status"] == "missing"
    assert by_name["relevant"]["status"] == "ask" and by_name["relevant"]["citations"][0]["doc_id"] == "setting-smart-goals"


@pytest.mark.parametrize("body, status, words", [
    ({"goal": ""}, 422, "the goal is empty"),
    ({"goal": "x" * 10_240}, 422, "10240 characters long"),
    ({}, 422, "goal: field required"),
    ({"goal": "a", "extra": 1}, 422, "extra"),
])
def test_bad_goals(goal_api, body, status, words):
    with goal_api.client(goal_api.new_key()) as http:
        reply = http.post("/v1/goals/check", json=body)
    assert reply.status_code == status and words in reply.json()["error"].lower().replace("Field", "field")


def test_render_each_format(goal_api):
    plan = {"goals": [{"text": "Lead the sprint demo by June", "steps": [{"text": "Ask to lead", "due": FUTURE.isoformat()}]}],
            "review_dates": [FUTURE.isoformat()]}
    with goal_api.client(goal_api.new_key()) as http:
        md = http.post("/v1/plans/render", json={"plan": plan, "format": "md"})
        ics = http.post("/v1/plans/render", json={"plan": plan, "format": "ics"})
        js = http.post("/v1/plans/render", json={"plan": plan, "format": "json"})
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    assert "## Goal 1: Lead the sprint demo by June" in md.text
    assert ics.headers["content-type"].startswith("text/calendar") and "attachment" in ics.headers["content-disposition"]
    assert [e.decoded("dtstart") for e in Calendar.from_ical(ics.content).walk("VEVENT")] == [FUTURE, FUTURE]
    assert Plan.model_validate_json(js.text).goals[0].steps[0].due == FUTURE


@pytest.mark.parametrize("plan, words", [
    ({"goals": [{"text": "g", "steps": [{"text": "s", "due": "2001-01-01"}]}]}, "in the past"),
    ({"goals": [{"text": "g", "steps": [{"text": "s", "due": FUTURE.isoformat()}] * 7}]}, "has 7 steps"),
    ({"goals": [{"text": " "}]}, "the goal is empty"),
])
def test_render_refuses_bad_plans(goal_api, plan, words):
    with goal_api.client(goal_api.new_key()) as http:
        reply = http.post("/v1/plans/render", json={"plan": plan, "format": "ics"})
    assert reply.status_code == 422 and words in reply.json()["error"]
    with goal_api.client(goal_api.new_key()) as http:
        fmt = http.post("/v1/plans/render", json={"plan": plan, "format": "pdf"})
    assert fmt.status_code == 422 and "format" in fmt.json()["error"]
