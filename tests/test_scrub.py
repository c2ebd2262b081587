"""Secrets never shown: the LLM key, the database password and bearer tokens are scrubbed everywhere."""

from __future__ import annotations

import logging

from pydantic import SecretStr

from assistant.pipeline import Assistant
from assistant.scrub import MASK, ScrubFilter, scrub

KEY = "sk-test-9f8e7d6c5b4a3f2e1d0c"


def test_scrub_removes_the_key_the_password_and_token_shapes(settings):
    configured = settings.model_copy(update={"llm_api_key": SecretStr("local-key-1234"),
                                             "database_url": "postgresql+psycopg://mentor:hunter2pass@db:5432/m"})
    text = ("endpoint said: invalid local-key-1234; db mentor:hunter2pass@db; Authorization: Bearer abc.DEF-123_456; "
            f"also {KEY}")
    clean = scrub(text, configured)
    assert "local-key-1234" not in clean and "hunter2pass" not in clean and "abc.DEF-123_456" not in clean
    assert KEY not in clean and clean.count(MASK) == 4
    assert scrub("How do I find a mentor? Bearer of bad news.", configured) == "How do I find a mentor? Bearer of bad news."


def test_a_log_record_is_scrubbed_with_its_arguments_and_traceback(settings):
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "failed (%s)", (f"Bearer {KEY}",), None)
    try:
        raise RuntimeError(f"echo {KEY}")
    except RuntimeError:
        import sys
        record.exc_info = sys.exc_info()
    ScrubFilter(settings).filter(record)
    assert KEY not in record.getMessage() and KEY not in (record.exc_text or "")


def test_an_endpoint_echoing_the_authorization_header_never_shows_the_key(settings, embedder, scripted_llm, caplog,
                                                                          capsys):
    scripted_llm.mode = "echo-auth"
    configured = settings.model_copy(update={"llm_url": scripted_llm.url, "llm_api_key": SecretStr(KEY)})
    bot = Assistant(configured, embedder=embedder).load()
    with caplog.at_level(logging.DEBUG):
        answer = bot.ask("How do I find a mentor?")
    assert scripted_llm.requests and scripted_llm.requests[0]["auth"] == f"Bearer {KEY}"  # it was sent, and echoed
    assert answer.mode == "fallback" and answer.status == "answered"
    logged = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert "generated answer not used" in logged and "401" in logged
    out = capsys.readouterr()
    for where in (logged, answer.model_dump_json(), out.out, out.err):
        assert KEY not in where and KEY[8:] not in where
