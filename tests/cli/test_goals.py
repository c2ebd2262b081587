"""`mentor goal check`, `mentor plan render` and `mentor eval-goals` through the real `mentor` group."""

import datetime as dt
import json
import shutil
import subprocess
import sys

from click.testing import CliRunner
from icalendar import Calendar

from assistant.cli import main

FUTURE = (dt.date.today() + dt.timedelta(days=30)).isoformat()


def test_goal_check_json_has_the_issue_s_shape(goal_settings):
    result = CliRunner().invoke(main, ["goal", "check", "talk to my 2 managers", "--json"])
    assert result.exit_code == 4, result.output  # some criteria missing
    data = json.loads(result.stdout)
    assert data["goal"] == "talk to my 2 managers"
    by_name = {c["name"]: c for c in data["criteria"]}
    assert by_name["measurable"]["status"] == "missing" and by_name["time_bound"]["status"] == "missing"
    assert by_name["achievable"]["status"] == "ask" and by_name["relevant"]["status"] == "ask"
    assert all(c["citations"] for c in data["criteria"])


def test_goal_check_text_and_a_ready_goal_exits_0(goal_settings):
    result = CliRunner().invoke(main, ["goal", "check", "Publish the onboarding guide on the team wiki by 30 April "
                                                        "and get two teammates to review it"])
    assert result.exit_code == 0, result.output
    assert "✓ Time-bound (met)" in result.output and "Ready:" in result.output


def test_bad_goals_exit_2_with_the_fix(goal_settings):
    empty = CliRunner().invoke(main, ["goal", "check", "  "])
    assert empty.exit_code == 2 and "the goal is empty; write what you want" in empty.output
    long = CliRunner().invoke(main, ["goal", "check", "a" * 10_240])
    assert long.exit_code == 2 and "10240 characters long" in long.output


def test_plan_render_ics_and_md(tmp_path):
    plan = {"goals": [{"text": "Lead the sprint demo by June", "steps": [{"text": "Ask to lead one", "due": FUTURE}]}],
            "review_dates": [FUTURE]}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    out = tmp_path / "plan.ics"
    result = CliRunner().invoke(main, ["plan", "render", str(path), "--format", "ics", "-o", str(out)])
    assert result.exit_code == 0, result.output
    days = [e.decoded("dtstart").isoformat() for e in Calendar.from_ical(out.read_bytes()).walk("VEVENT")]
    assert days == [FUTURE, FUTURE]
    md = CliRunner().invoke(main, ["plan", "render", str(path)])
    assert md.exit_code == 0 and "## Goal 1: Lead the sprint demo by June" in md.output


def test_plan_render_refuses_a_past_date_unless_allowed(tmp_path):
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"goals": [{"text": "g", "steps": [{"text": "s", "due": "2001-01-01"}]}]}))
    refused = CliRunner().invoke(main, ["plan", "render", str(path), "--format", "ics"])
    assert refused.exit_code == 2 and "is due 2001-01-01, which is in the past" in refused.output
    allowed = CliRunner().invoke(main, ["plan", "render", str(path), "--format", "ics", "--allow-past"])
    assert allowed.exit_code == 0 and "DTSTART;VALUE=DATE:20010101" in allowed.output


def test_eval_goals_prints_precision_and_recall(tmp_path, repo_root):
    # A small file in the real format; the figures that count come from evaluation/goals.jsonl (docs/evaluation.md).
    rows = [{"goal": "Publish the guide by 30 April", "specific": True, "measurable": True, "time_bound": True, "split": "test"},
            {"goal": "Network more.", "specific": False, "measurable": False, "time_bound": False, "split": "test"}]
    path = tmp_path / "goals.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    result = CliRunner().invoke(main, ["eval-goals", str(path), "--split", "test", "--json", str(tmp_path / "r.json")])
    assert result.exit_code == 0, result.output
    assert "precision" in result.output and "time_bound" in result.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["criteria"]["time_bound"] == {**report["criteria"]["time_bound"], "precision": 1.0, "recall": 1.0}
    bad = CliRunner().invoke(main, ["eval-goals", str(path), "--split", "tune"])
    assert bad.exit_code == 1 and "no goals in split 'tune'" in bad.output


def test_calibrate_fits_on_tune_only(tmp_path, monkeypatch, embedder):
    """--calibrate writes the artefact from tune goals; a test line changed to nonsense changes nothing."""
    from assistant.goals import model as fitted
    from assistant.quality.goals import calibrate

    rows = []
    for i, (goal, label) in enumerate([("Publish the guide by 30 April", True), ("Network more.", False)] * 6):
        rows.append({"goal": f"{goal} {i}", "specific": label, "measurable": label, "time_bound": label, "split": "tune"})
    path = tmp_path / "goals.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    model, _, saved = calibrate(path, embedder, save_to=tmp_path / "m.json")
    with path.open("a") as f:
        f.write(json.dumps({"goal": "zzz", "specific": True, "measurable": False, "time_bound": True, "split": "test"}) + "\n")
    again, _, _ = calibrate(path, embedder, save_to=tmp_path / "m2.json")
    assert json.loads(saved.read_text())["criteria"] == json.loads((tmp_path / "m2.json").read_text())["criteria"]
    assert fitted.load(saved).provenance["fitted_on"].endswith("split=tune")


def test_mentor_entry_point_runs_goal_check(goal_settings):
    """The installed `mentor` command, as a person runs it (a subprocess through assistant.cli's __main__)."""
    proc = subprocess.run([sys.executable, "-m", "assistant.cli", "goal", "check", "Since January I want to network"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 4, proc.stderr
    assert "✗ Time-bound (missing): By when?" in proc.stdout
