import csv
import datetime as dt
import io
import json

from click.testing import CliRunner

from assistant.staff.auth import verify_password
from assistant.cli import main
from assistant.models import Answer
from assistant.store.storage import Storage

UTC = dt.timezone.utc


def test_set_password_prompts_twice_and_writes_the_hash_to_env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MENTOR_STAFF_PASSWORD_HASH", raising=False)
    runner = CliRunner()
    mismatch = runner.invoke(main, ["staff", "set-password"], input="a long staff password\nsomething else\n"
                                                                    "a long staff password\na long staff password\n")
    assert mismatch.exit_code == 0 and "do not match" in mismatch.output.lower()
    value = (tmp_path / ".env").read_text().strip().removeprefix("MENTOR_STAFF_PASSWORD_HASH='").removesuffix("'")
    assert verify_password(value, "a long staff password")
    assert "a long staff password" not in mismatch.output  # hidden input is not echoed

    short = runner.invoke(main, ["staff", "set-password"], input="short\nshort\n")
    assert short.exit_code == 1 and "at least 12" in short.output

    status = runner.invoke(main, ["staff", "status"])
    assert status.exit_code == 0 and "staff area: on" in status.output and "5 attempt(s) left" in status.output


def test_set_password_to_secrets(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["staff", "set-password", "--secrets"],
                                input="another long password\nanother long password\n")
    assert result.exit_code == 0, result.output
    assert "staff_password_hash = '$argon2id$" in (tmp_path / ".streamlit" / "secrets.toml").read_text()


def test_staff_status_off_and_unlock(settings, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MENTOR_STAFF_PASSWORD_HASH", "")
    runner = CliRunner()
    off = runner.invoke(main, ["staff", "status"])
    assert "staff area: off" in off.output and "mentor staff set-password" in off.output
    # No attempt allowed: the reservation itself starts the lockout.
    Storage.from_settings(settings).sign_ins.reserve("staff", dt.datetime.now(UTC), dt.timedelta(minutes=10), 0)
    assert "locked until" in runner.invoke(main, ["staff", "status"]).output
    assert runner.invoke(main, ["staff", "unlock"]).exit_code == 0
    assert "sign-in: open" in runner.invoke(main, ["staff", "status"]).output


def test_kb_new_writes_a_valid_document(settings, tmp_path, new_body):
    body = tmp_path / "body.md"
    body.write_text(new_body)
    args = ["kb", "new", "Rehearsing a pay conversation", "-t", "career-transitions", "-a", "mentee",
            "-s", "How a mentor helps you prepare to ask for a raise.", "--body-file", str(body)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    path = settings.knowledge_dir / "rehearsing-a-pay-conversation.md"
    assert path.exists() and "topics: [career-transitions]" in path.read_text()
    assert CliRunner().invoke(main, ["kb", "validate"]).exit_code == 0

    again = CliRunner().invoke(main, args)
    assert again.exit_code == 1 and "is already used" in again.output


def test_kb_new_refuses_an_unknown_topic_before_asking_for_a_body(settings):
    result = CliRunner().invoke(main, ["kb", "new", "Goals", "-t", "goal-setting", "-a", "mentee", "-s", "S."])
    assert result.exit_code == 1
    assert "topics: 'goal-setting' is not a known topic (did you mean 'setting-goals'?)" in result.output
    assert not (settings.knowledge_dir / "goals.md").exists()


def test_gaps_and_feedback_export(settings):
    storage = Storage.from_settings(settings)
    now = dt.datetime.now(UTC)
    old = now - dt.timedelta(days=60)
    storage.interactions.record("s", Answer(status="out_of_scope", text="", question="How do I negotiate my salary?"),
                               at=old)
    for q in ("How do I negotiate my salary?", "What should I say when asking for a pay rise?"):
        storage.interactions.record("s", Answer(status="out_of_scope", text="", question=q))
    storage.feedback.record("s", "=cmd|' /C calc'!A0", ["finding-a-mentor"], 0)
    runner = CliRunner()

    since = (now - dt.timedelta(days=1)).strftime("%Y-%m-%d")
    gaps = runner.invoke(main, ["gaps", "--since", since])
    assert gaps.exit_code == 0, gaps.output
    assert gaps.output.startswith(f"2 theme(s) from 3 gap question(s) since {since}")  # salary, and the 👎
    assert "(2 asked: out of scope 2)" in gaps.output and "mentor kb new" in gaps.output
    data = json.loads(runner.invoke(main, ["gaps", "--json"]).output)
    assert data[0]["count"] == 3 and sorted(data[0]["questions"]) == ["How do I negotiate my salary?",
                                                                     "What should I say when asking for a pay rise?"]

    export = runner.invoke(main, ["feedback", "export"])
    assert export.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(export.output)))
    assert len(rows) == 1 and rows[0]["question"].startswith("'=") and rows[0]["rating"] == "down"
    questions = runner.invoke(main, ["feedback", "export", "--interactions", "--since", since])
    assert len(list(csv.DictReader(io.StringIO(questions.output)))) == 2


def test_staff_commands_have_examples_in_help():
    for args in (["kb", "new"], ["gaps"], ["feedback", "export"], ["staff", "set-password"]):
        result = CliRunner().invoke(main, [*args, "--help"])
        assert result.exit_code == 0 and "Examples:" in result.output and "mentor " in result.output, args
