"""The staff page through Streamlit AppTest, on real files, a real SQLite database and real MiniLM."""

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from assistant.staff.auth import StaffSession
from assistant.models import Answer
from assistant.staff.insights import lead_match_threshold
from assistant.store.storage import Storage

pytestmark = pytest.mark.usefixtures("fresh_caches")


def errors(at: AppTest) -> str:
    return "\n".join(e.value for e in at.error)


def on_documents(at: AppTest) -> AppTest:
    """A signed-in staff page, checked to open on Documents."""
    assert not at.exception and at.radio(key="staff_section").value == "Documents", errors(at)
    return at


def test_without_a_password_the_staff_area_is_closed(settings, monkeypatch, open_app):
    monkeypatch.setenv("MENTOR_STAFF_PASSWORD_HASH", "")
    at = open_app("views/staff.py").run()
    assert not at.exception
    assert "staff area is off" in at.info[0].value and "mentor staff set-password" in at.info[0].value
    assert not at.text_input and not at.radio


def test_wrong_password_is_rejected_and_the_lockout_holds(staff_env, open_app, sign_in, staff_password):
    at = open_app("views/staff.py").run()
    other = open_app("views/staff.py").run()  # another browser, its form open before the lockout
    for left in (4, 3, 2, 1):
        sign_in(at, "not the password")
        assert f"Wrong password. {left} attempt" in errors(at) and not at.radio
    sign_in(at, "not the password")
    assert "locked until" in errors(at)

    # A new browser session is locked too, and the other browser's right password does not get in.
    again = open_app("views/staff.py").run()
    assert "locked until" in errors(again) and again.button(key="staff_sign_in").disabled
    sign_in(other, staff_password)
    assert "locked until" in errors(other) and not other.radio


def test_fix_a_topic_save_rebuild_and_the_chat_answers_from_it(staff_env, signed_in, new_section):
    path = staff_env.knowledge_dir / "setting-smart-goals.md"
    path.write_text(path.read_text().replace("topics: [setting-goals]", "topics: [goal-setting]"))
    broken = path.read_bytes()
    at = on_documents(signed_in())

    at.selectbox(key="doc_pick").set_value("setting-smart-goals")
    at.button(key="doc_edit").click().run()
    expected = "'goal-setting' is not a known topic (did you mean 'setting-goals'?)"
    assert expected in errors(at)
    at.text_area(key="f_summary").set_value("Turn vague hopes into SMART goals.")
    at.button(key="doc_save").click().run()
    assert "Nothing was saved" in errors(at) and path.read_bytes() == broken

    at.multiselect(key="f_topics").set_value(["setting-goals"])
    at.text_area(key="f_body").set_value(at.text_area(key="f_body").value + "\n\n" + new_section)
    at.button(key="doc_save").click().run()
    assert not at.exception and "Saved knowledge/setting-smart-goals.md" in at.success[0].value
    text = path.read_text()
    assert "topics: [setting-goals]" in text and "Rehearse the pay conversation" in text

    at.radio(key="staff_section").set_value("Index").run()
    assert "stale" in at.warning[0].value
    at.button(key="index_rebuild").click().run()
    assert not at.exception and "Rebuilt:" in at.success[0].value, errors(at)
    assert "up to date" in at.success[1].value

    from views.shared import get_assistant  # the very Assistant every chat session uses

    # The new section declares no questions yet: its text alone must be enough to answer from it.
    answer = get_assistant().ask("How can my mentor help me rehearse asking for a pay rise?")
    assert answer.status == "answered" and answer.citations[0].doc_id == "setting-smart-goals"
    assert "Rehearse the pay conversation" in answer.citations[0].section


def test_an_edit_conflict_is_detected(staff_env, signed_in):
    path = staff_env.knowledge_dir / "finding-a-mentor.md"
    at = on_documents(signed_in())
    at.selectbox(key="doc_pick").set_value("finding-a-mentor")
    at.button(key="doc_edit").click().run()
    theirs = path.read_text().replace("Finding a mentor is less about", "Finding a good mentor is less about")
    path.write_text(theirs)  # another member of staff saved first

    at.text_area(key="f_summary").set_value("My summary.")
    at.button(key="doc_save").click().run()
    assert "changed on disk since you opened it" in errors(at)
    assert path.read_text() == theirs
    at.button(key="doc_reload").click().run()
    assert "Finding a good mentor" in at.text_area(key="f_body").value and not at.error


def test_insights_show_seeded_gaps_and_draft_a_document(staff_env, signed_in, new_section):
    storage = Storage.from_settings(staff_env)
    for q in ("How do I negotiate a higher salary?", "What should I say when asking for a pay rise?",
              "How can I ask my boss for more money?"):
        storage.interactions.record("s1", Answer(status="out_of_scope", text="", question=q))
    done = storage.interactions.record("s2", Answer(status="answered", text="", question="How do I find a mentor?",
                                                   confidence=0.9))
    storage.feedback.record("s2", "How do I find a mentor?", ["finding-a-mentor"], 1, interaction_id=done)
    at = on_documents(signed_in())

    at.radio(key="staff_section").set_value("Insights").run()
    assert not at.exception, at.exception
    assert any("Theme 1** · 3 asked · out of scope 3" in m.value for m in at.markdown)
    questions = set(at.dataframe[0].value["question"])
    assert "How do I negotiate a higher salary?" in questions and len(questions) == 3
    assert len(at.get("download_button")) == 3 and at.get("vega_lite_chart")  # exports, feedback chart

    at.button(key="ins_draft_1").click().run()
    assert at.radio(key="staff_section").value == "Documents"
    assert at.text_input(key="f_title").value in questions
    assert "## " in at.text_area(key="f_body").value

    # Finish the draft: a new document in the knowledge folder.
    at.text_input(key="f_title").set_value("Asking for a pay rise")
    at.multiselect(key="f_topics").set_value(["career-transitions"])
    at.multiselect(key="f_audience").set_value(["mentee"])
    at.text_area(key="f_summary").set_value("How a mentor helps you prepare to ask for a raise.")
    at.text_area(key="f_body").set_value("A mentor can help.\n\n" + new_section)
    at.button(key="doc_save").click().run()
    assert not at.exception and not at.error, errors(at)
    created = staff_env.knowledge_dir / "asking-for-a-pay-rise.md"
    assert created.exists() and "audience: [mentee]" in created.read_text()


def test_a_staff_session_times_out_when_idle(staff_env, signed_in):
    at = on_documents(signed_in())
    session = at.session_state[StaffSession.KEY]
    session["seen"] -= dt.timedelta(minutes=staff_env.staff_session_minutes + 1)
    at.session_state[StaffSession.KEY] = session
    at.run()
    assert "ended after 30 minutes without activity" in at.warning[0].value
    assert not at.radio and at.text_input(key="staff_password")


def test_delete_asks_first_then_moves_the_file_to_the_trash(staff_env, signed_in):
    path = staff_env.knowledge_dir / "sponsor-versus-mentor.md"
    at = on_documents(signed_in())
    at.selectbox(key="doc_pick").set_value("sponsor-versus-mentor")
    at.button(key="doc_view").click().run()
    assert at.header[0].value.startswith("Sponsor")
    at.button(key="doc_view_delete").click().run()
    assert "Move knowledge/sponsor-versus-mentor.md to knowledge/.trash/?" in at.warning[0].value
    assert path.exists()
    at.button(key="doc_delete_yes").click().run()
    assert not path.exists() and list((staff_env.knowledge_dir / ".trash").glob("sponsor-versus-mentor.*.md"))
    assert "Moved knowledge/sponsor-versus-mentor.md" in at.success[0].value


def _lead_answer(question, lead, sources, confidence=0.9, lead_match=0.95):
    from assistant.models import Citation

    citations = [Citation(number=n, doc_id=d, title=d, section=s, topics=[], text="t", score=1.0)
                 for n, (d, s) in enumerate(sources, 1)]
    return Answer(status="answered", text=f"{lead} [1]\n\nMore [2]", question=question, confidence=confidence,
                  citations=citations, lead_match=lead_match)


def test_insights_show_thumbs_down_and_doubtful_answers_and_attach_a_question(staff_env, signed_in):
    storage = Storage.from_settings(staff_env)
    sources = [("finding-a-mentor", "Where to look for a mentor"), ("sponsor-versus-mentor", "Introduction")]
    rated = storage.interactions.record("s1", _lead_answer("Who at work could mentor me?", "Start with your manager.",
                                                          sources))
    storage.feedback.record("s1", "Who at work could mentor me?", [d for d, _ in sources], 0,
                            "<b>It</b> missed =colleagues in other teams", interaction_id=rated)
    storage.interactions.record("s2", _lead_answer("Is a sponsor a kind of mentor?", "A sponsor advocates for you.",
                                                  [("sponsor-versus-mentor", "Introduction")],
                                                  confidence=staff_env.min_confidence + 0.02))
    storage.interactions.record("s3", _lead_answer("<i>How</i> do I thank a mentor?", "Say what changed.",
                                                  [("finding-a-mentor", "Introduction")], lead_match=0.31))
    at = on_documents(signed_in())
    at.radio(key="staff_section").set_value("Insights").run()
    assert not at.exception, at.exception
    shown = [t.value for t in at.text]  # stored text is shown as text, never as Markdown
    assert "Question: Who at work could mentor me?" in shown
    assert "Comment: <b>It</b> missed =colleagues in other teams" in shown
    assert "Answer began: Start with your manager." in shown
    assert "Sources: finding-a-mentor › Where to look for a mentor; sponsor-versus-mentor › Introduction" in shown
    assert "Question: Is a sponsor a kind of mentor?" in shown  # doubtful: confidence near the threshold
    assert any("near the threshold" in c.value for c in at.caption)
    # doubtful: the section it opens with barely matches the question (the fitted threshold, stated above the list)
    assert "Question: <i>How</i> do I thank a mentor?" in shown
    below = f"{lead_match_threshold():.2f}"
    assert any(f"lead match 0.31, below {below}" in c.value for c in at.caption)
    assert any(f"a lead match below {below}" in c.value for c in at.caption)

    # Attach the thumbs-down question to the section that should have answered it.
    at.button(key="ins_attach_down_1").click().run()
    assert at.text_input(key="ins_attach_q").value == "Who at work could mentor me?"
    assert at.selectbox(key="ins_attach_doc").value == "finding-a-mentor"
    assert at.selectbox(key="ins_attach_section").value == "Where to look for a mentor"
    at.selectbox(key="ins_attach_section").set_value("How to build a shortlist").run()
    at.button(key="ins_attach_save").click().run()
    assert not at.exception and not at.error, errors(at)
    assert "Added to 'How to build a shortlist' in knowledge/finding-a-mentor.md" in at.success[0].value
    assert "rebuilt" in at.success[0].value
    from assistant.staff.editing import open_document

    asked = open_document(staff_env.knowledge_dir, "finding-a-mentor").draft.questions["How to build a shortlist"]
    assert asked[-1] == "Who at work could mentor me?"

    # The index is stale until it is rebuilt.
    at.radio(key="staff_section").set_value("Index").run()
    assert "stale" in at.warning[0].value

    # From an answer, its sources open in Documents.
    at.radio(key="staff_section").set_value("Insights").run()
    at.button(key="ins_open_down_1_sponsor-versus-mentor").click().run()
    assert at.radio(key="staff_section").value == "Documents" and at.header[0].value.startswith("Sponsor")


def test_editing_a_document_in_the_form_keeps_the_questions_attached_to_it(staff_env, signed_in):
    from assistant.staff.editing import attach_question

    attach_question(staff_env.knowledge_dir, "finding-a-mentor", "How to build a shortlist", "Who could mentor me?")
    at = on_documents(signed_in())
    at.selectbox(key="doc_pick").set_value("finding-a-mentor")
    at.button(key="doc_edit").click().run()
    at.text_area(key="f_summary").set_value("How to find a mentor: where to look and whom to choose.")
    at.button(key="doc_save").click().run()
    assert not at.exception and not at.error, errors(at)
    text = (staff_env.knowledge_dir / "finding-a-mentor.md").read_text()
    assert "whom to choose" in text and "    - Who could mentor me?\n" in text
    from assistant.staff.editing import open_document

    assert open_document(staff_env.knowledge_dir, "finding-a-mentor").draft.questions["How to build a shortlist"][-1] == \
        "Who could mentor me?"
