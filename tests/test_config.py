"""Settings come from one place: MENTOR_* in the environment, then .env, then the defaults."""

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from assistant.cli import main
from assistant.config import DEFAULT_MODEL, Settings


@pytest.fixture
def clean_env(tmp_path, monkeypatch) -> Path:
    """No MENTOR_* variable set, and the working directory an empty folder (so no .env is read)."""
    for key in [k for k in os.environ if k.startswith("MENTOR_")]:
        monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_defaults(clean_env):
    settings = Settings()
    assert settings.knowledge_dir == Path("knowledge") and settings.index_dir == Path("index")
    assert settings.model == DEFAULT_MODEL == "all-MiniLM-L6-v2"
    assert settings.retrieval == "hybrid" and settings.auto_rebuild is True
    assert settings.min_confidence == 0.5 and settings.max_citations == 4
    assert settings.llm_url is None and settings.staff_password_hash is None
    assert settings.question_logging == "redacted"
    assert settings.db_url == f"sqlite:///{Path('data') / 'mentor.db'}"


def test_environment_overrides_the_defaults(clean_env, monkeypatch):
    monkeypatch.setenv("MENTOR_RETRIEVAL", "dense")
    monkeypatch.setenv("MENTOR_MAX_CITATIONS", "2")
    monkeypatch.setenv("MENTOR_AUTO_REBUILD", "false")
    monkeypatch.setenv("MENTOR_KNOWLEDGE_DIR", str(clean_env / "guidance"))
    monkeypatch.setenv("MENTOR_LLM_URL", "  ")  # blank is unset
    settings = Settings()
    assert (settings.retrieval, settings.max_citations, settings.auto_rebuild) == ("dense", 2, False)
    assert settings.knowledge_dir == clean_env / "guidance"
    assert settings.llm_url is None


def test_dotenv_is_read_and_the_environment_wins_over_it(clean_env, monkeypatch):
    (clean_env / ".env").write_text("MENTOR_RETRIEVAL=bm25\nMENTOR_RETENTION_DAYS=30\nOTHER_TOOL=ignored\n")
    assert (Settings().retrieval, Settings().retention_days) == ("bm25", 30)
    monkeypatch.setenv("MENTOR_RETRIEVAL", "dense")
    assert Settings().retrieval == "dense"
    assert Settings(_env_file=None).retention_days == 90  # tests can switch .env off


@pytest.mark.parametrize("name, value, message", [
    ("MENTOR_MAX_CITATIONS", "0", "max_citations must be greater than 0, got 0; set MENTOR_MAX_CITATIONS"),
    ("MENTOR_MIN_CONFIDENCE", "1.5", "min_confidence must be between 0 and 1, got 1.5; set MENTOR_MIN_CONFIDENCE"),
    ("MENTOR_LLM_TIMEOUT_S", "-1", "llm_timeout_s must be greater than 0, got -1.0; set MENTOR_LLM_TIMEOUT_S"),
    ("MENTOR_LLM_URL", "localhost:11434", "llm_url must start with http:// or https://, got 'localhost:11434'"),
    ("MENTOR_RETRIEVAL", "fuzzy", "retrieval"),
])
def test_a_bad_value_names_the_setting(clean_env, monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as caught:
        Settings()
    assert message in str(caught.value)
    assert value.strip() in str(caught.value)


def test_the_cli_shows_a_bad_setting_as_a_message_not_a_traceback(clean_env, monkeypatch):
    monkeypatch.setenv("MENTOR_MAX_CITATIONS", "-2")
    result = CliRunner().invoke(main, ["index", "status"])
    assert result.exit_code == 1
    assert "invalid setting" in result.output and "max_citations must be greater than 0, got -2" in result.output
    assert "Traceback" not in result.output
