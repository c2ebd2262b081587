"""A broken knowledge file or a damaged index never takes the chat or the staff pages down (Streamlit AppTest,
real files, real SQLite, real MiniLM)."""

import os
import re

import pytest
from streamlit.testing.v1 import AppTest

from assistant.index import current_version
pytestmark = pytest.mark.usefixtures("fresh_caches")


def errors(at: AppTest) -> str:
    return "\n".join(e.value for e in at.error)


def set_updated(path, value: str) -> None:
    path.write_text(re.sub(r"updated: .*", f"updated: {value}", path.read_text(), count=1))


def test_a_bad_date_leaves_the_chat_answering(staff_env, open_app):
    set_updated(staff_env.knowledge_dir / "finding-a-mentor.md", "2026-02-30")
    at = open_app().run()
    assert not at.exception and not at.error, errors(at)
    at.chat_input(key="question").set_value("How do I find a mentor?").run()
    assert not at.exception and at.session_state["exchanges"][-1].answer.status == "answered"


def test_every_staff_section_works_with_a_bad_date_and_a_datetime(staff_env, signed_in):
    set_updated(staff_env.knowledge_dir / "finding-a-mentor.md", "2026-13-45")
    set_updated(staff_env.knowledge_dir / "sponsor-versus-mentor.md", "2026-01-01 10:00:00")
    at = signed_in()
    assert not at.exception, at.exception
    assert "2 with problems" in at.caption[0].value
    at.selectbox(key="doc_pick").set_value("finding-a-mentor")
    at.button(key="doc_view").click().run()
    assert not at.exception and "updated: '2026-13-45' is not a date" in errors(at)
    at.radio(key="staff_section").set_value("Index").run()
    assert not at.exception and "2 problem(s) in the knowledge base" in errors(at)
    assert at.button(key="index_rebuild").disabled
    at.radio(key="staff_section").set_value("Insights").run()
    assert not at.exception, at.exception

    at.radio(key="staff_section").set_value("Documents").run()  # fix it from the page: a save sets today's date
    at.button(key="doc_view_edit").click().run()
    at.button(key="doc_save").click().run()
    assert not at.exception and "Saved knowledge/finding-a-mentor.md" in at.success[0].value, errors(at)


def test_a_pipe_named_like_a_document_is_listed_not_read(staff_env, signed_in):
    os.mkfifo(staff_env.knowledge_dir / "pipe.md")
    at = signed_in()
    assert not at.exception and "1 with problems" in at.caption[0].value
    at.selectbox(key="doc_pick").set_value("pipe")
    at.button(key="doc_view").click().run()
    assert not at.exception and "knowledge/pipe.md: file: is a named pipe" in errors(at)


def test_a_broken_taxonomy_is_a_message_on_the_staff_page_and_the_chat_keeps_answering(staff_env, signed_in, open_app):
    (staff_env.knowledge_dir / "topics.yaml").write_bytes("caf\xe9: a topic\n".encode("latin-1"))
    at = signed_in()
    assert not at.exception and "topics.yaml: file: is not UTF-8 text" in errors(at)
    chat = open_app().run()
    assert not chat.exception and not chat.error, errors(chat)
    chat.chat_input(key="question").set_value("How do I find a mentor?").run()
    assert not chat.exception and chat.session_state["exchanges"][-1].answer.status == "answered"


def test_a_damaged_index_can_be_rebuilt_from_the_staff_page_without_auto_rebuild(staff_env, monkeypatch, signed_in):
    monkeypatch.setenv("MENTOR_AUTO_REBUILD", "false")
    damaged = current_version(staff_env.index_dir)
    (damaged / "sentences.npy").write_bytes(b"")
    at = signed_in()
    at.radio(key="staff_section").set_value("Index").run()
    assert not at.exception and "The index is damaged: " in errors(at)
    at.button(key="index_rebuild").click().run()
    assert not at.exception and "Rebuilt:" in at.success[0].value, errors(at)
    assert "up to date" in at.success[1].value and current_version(staff_env.index_dir) != damaged


def test_a_remote_image_is_shown_as_a_link_in_the_staff_view(staff_env, signed_in):
    path = staff_env.knowledge_dir / "finding-a-mentor.md"
    path.write_text(path.read_text() + "\n\n![Pixel](http://tracker.example/p.png)\n")
    at = signed_in()
    at.selectbox(key="doc_pick").set_value("finding-a-mentor")
    at.button(key="doc_view").click().run()
    shown = "\n".join(md.value for md in at.markdown)
    assert not at.exception and "[Pixel](http://tracker.example/p.png)" in shown and "![" not in shown
