"""The calibrated scope model as a file: saved beside the index, copied into each version, hashed in its manifest."""

import json

import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.errors import IndexNotReady
from assistant.index import index_status, read_manifest, current_version
from assistant.scope import SCOPE_MODEL_FILE, ScopeModel, save_model
from assistant.files import file_sha256


def test_a_build_records_the_shipped_model_when_none_was_saved(bot, settings):
    version = current_version(settings.index_dir)
    assert bot.index.scope_model == ScopeModel.default()
    assert read_manifest(version).files[SCOPE_MODEL_FILE] == file_sha256(version / SCOPE_MODEL_FILE)


def test_a_saved_model_is_stale_until_built_then_answers_by_it(bot, settings):
    assert bot.ask("How do I find a mentor?").status == "answered"
    strict = ScopeModel(dict(ScopeModel.default().weights), bias=-100.0)  # declines everything
    save_model(settings.index_dir, strict)
    status = index_status(settings)
    assert status.state == "stale" and SCOPE_MODEL_FILE in status.detail
    bot.rebuild()
    assert index_status(settings).state == "up_to_date"
    assert bot.index.scope_model == strict
    assert bot.ask("How do I find a mentor?").status == "out_of_scope"


def test_a_broken_saved_model_names_the_file_and_the_fix(bot, settings):
    (settings.index_dir / SCOPE_MODEL_FILE).write_text('{"weights": {"dense": 1}}', encoding="utf-8")
    with pytest.raises(IndexNotReady) as caught:
        bot.rebuild()
    message = str(caught.value)
    assert SCOPE_MODEL_FILE in message and "--calibrate" in message and "sentence" in message
    assert bot.ask("How do I find a mentor?").status == "answered"  # the previous version keeps serving


def _gold(path, split):
    cases = [
        {"id": "a", "question": "How do I find a mentor?", "expected_topics": ["finding-a-mentor"]},
        {"id": "b", "question": "How should I prepare for a first meeting with my mentor?",
         "expected_topics": ["first-meeting"]},
        {"id": "c", "question": "What is the best lasagna recipe?", "out_of_scope": True},
        {"id": "d", "question": "Which cryptocurrency should I buy this year?", "out_of_scope": True},
    ]
    path.write_text("".join(json.dumps({**c, "history": [], "split": split}) + "\n" for c in cases), encoding="utf-8")
    return path


def test_calibrating_on_the_tune_split_saves_the_model(settings, tmp_path):
    result = CliRunner().invoke(main, ["eval", str(_gold(tmp_path / "gold.jsonl", "tune")), "--split", "tune",
                                       "--calibrate", "--quiet"])
    assert result.exit_code == 0, result.output
    saved = ScopeModel.from_json((settings.index_dir / SCOPE_MODEL_FILE).read_text(encoding="utf-8"))
    assert "Saved the scope model" in result.output and saved != ScopeModel.default()


def test_calibrating_on_the_test_split_does_not_save(settings, tmp_path):
    result = CliRunner().invoke(main, ["eval", str(_gold(tmp_path / "gold.jsonl", "test")), "--split", "test",
                                       "--calibrate", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "Not saved" in result.output and not (settings.index_dir / SCOPE_MODEL_FILE).exists()
