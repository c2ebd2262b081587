"""The chat page in generated mode (MENTOR_LLM_URL set), driven through AppTest against a scripted
OpenAI-compatible endpoint on localhost."""

import socket

import pytest
from streamlit.testing.v1 import AppTest

from assistant import Assistant
from assistant.chat import escape_markdown
from views.shared import clear_caches

QUESTION = "How do I find a mentor?"


@pytest.fixture(autouse=True)
def _fresh_resources():
    clear_caches()
    yield
    clear_caches()


@pytest.fixture
def start(monkeypatch, open_app):
    """start(url): the chat page, generating with the endpoint at `url`."""

    def run(url: str) -> AppTest:
        monkeypatch.setenv("MENTOR_LLM_URL", url)
        monkeypatch.setenv("MENTOR_LLM_TIMEOUT_S", "5")
        at = open_app().run()
        assert not at.exception
        return at

    return run


def reply_of(at: AppTest):
    return [m for m in at.main.chat_message if m.name == "assistant"][-1]


def test_generated_answer_is_checked_before_the_final_render(settings, embedder, scripted_llm, start):
    extractive = Assistant(settings, embedder=embedder).load().ask(QUESTION)
    good = [f"{h.rstrip('.:')} [{c.number}]." for c in extractive.citations for h in c.highlights][:3]
    scripted_llm.text = " ".join(good + ["Bring your mentor a gift to every meeting [1]."])
    at = start(scripted_llm.url)
    at.chat_input(key="question").set_value(QUESTION).run()
    assert not at.exception
    answer = at.session_state["exchanges"][-1].answer
    assert answer.mode == "generated" and answer.removed_sentences == 1
    reply = reply_of(at)
    assert "gift" not in reply.markdown[0].value  # the unsupported sentence never reaches the final render
    assert "[1]" in reply.markdown[0].value
    assert any("Written by a language model" in c.value for c in reply.caption)
    cards = [e for e in at.main.expander if e.label.startswith("**[")]
    assert len(cards) == len(answer.citations) >= 1  # sources work as in extractive mode
    host = scripted_llm.url.split("//")[1].split("/")[0]
    privacy = at.sidebar.expander[0].markdown[0].value
    assert escape_markdown(host) in privacy and "sent there" in privacy


def test_stopped_endpoint_gives_the_extractive_answer_and_a_note(settings, embedder, start):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    expected = Assistant(settings, embedder=embedder).load().ask(QUESTION)
    at = start(f"http://127.0.0.1:{port}/v1")
    at.chat_input(key="question").set_value(QUESTION).run()
    assert not at.exception and not at.error
    answer = at.session_state["exchanges"][-1].answer
    assert answer.mode == "fallback" and answer.text == expected.text
    assert any("could not be reached" in c.value for c in reply_of(at).caption)
