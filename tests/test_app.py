from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


def test_chat_answers_with_sources(settings):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception
    at.chat_input(key="question").set_value("How do I find a mentor?").run()
    assert not at.exception
    assert len(at.chat_message) >= 2
    assert "[1]" in at.chat_message[1].markdown[0].value
