"""The chat page with knowledge/care.yaml in place: a message suggesting risk gets the support reply,
with no sources, no rating, and no question text stored."""

import shutil

import pytest

from assistant.care import CARE_FILE
from assistant.store.storage import Storage
from views.shared import clear_caches

MESSAGE = "i've been hurting myself again and i can't see a way out of this"


@pytest.fixture(autouse=True)
def _fresh_resources():
    clear_caches()
    yield
    clear_caches()


def test_a_support_message_gets_help_not_an_answer_and_is_not_stored(settings, open_app, knowledge_source):
    shutil.copy(knowledge_source / CARE_FILE, settings.knowledge_dir / CARE_FILE)
    at = open_app().run()
    at.chat_input(key="question").set_value(MESSAGE).run()
    assert not at.exception
    answer = at.session_state["exchanges"][-1].answer
    assert answer.status == "support"
    reply = [m for m in at.main.chat_message if m.name == "assistant"][-1]
    assert reply.info and "emergency" in reply.info[0].value
    assert not reply.expander and not reply.button  # no sources, no follow-ups, no rating
    rows = Storage.from_settings(settings).interactions.rows()
    assert [(r["status"], r["question"]) for r in rows] == [("support", None)]
