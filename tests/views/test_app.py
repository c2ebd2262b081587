"""The chat page, driven through Streamlit's AppTest against the real model, index and SQLite."""

import pytest
from streamlit.testing.v1 import AppTest

from assistant.chat import escape_markdown, starter_questions, topic_label, topic_question, unescape_markdown
from assistant.knowledge import load_taxonomy, load_topics
from assistant.store.storage import Storage
from views.shared import clear_caches


@pytest.fixture(autouse=True)
def _fresh_resources():
    """Each test has its own folders: forget the cached settings, index and database (the model may stay)."""
    clear_caches()
    yield
    clear_caches()


@pytest.fixture
def app(settings, open_app) -> AppTest:
    at = open_app().run()
    assert not at.exception
    return at


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input(key="question").set_value(question).run()
    assert not at.exception
    return at


def messages(at: AppTest, role: str):
    return [m for m in at.main.chat_message if m.name == role]


def latest(at: AppTest):
    return at.session_state["exchanges"][-1]


def assert_no_raw_html(at: AppTest):
    assert not at.get("html")
    assert all(not md.proto.allow_html for md in at.get("markdown"))


def test_welcome_offers_starters_and_a_click_asks_one(app, settings):
    assert "Mentor helps with mentoring" in app.main.markdown[0].value
    starters = [b for b in app.main.button if b.key.startswith("starter-")]
    assert [b.label for b in starters] and sorted(b.label for b in starters) == sorted(starter_questions(load_taxonomy(settings.knowledge_dir)))

    # In page order (how columns stack on a phone) the stages and their starters come as topics.yaml lists them.
    assert [b.label for b in starters] == starter_questions(load_taxonomy(settings.knowledge_dir))
    # The page's only heading is its h1: the sidebar, drawn first in the page, has none.
    assert [h.value for h in app.get("title")] == ["Mentor"] and not app.subheader and not app.header

    app.button(key="starter-0-0").click().run()
    assert not app.exception
    [user], [reply] = messages(app, "user"), messages(app, "assistant")
    assert unescape_markdown(user.markdown[0].value) == "How do I find a mentor?"
    assert "[1]" in reply.markdown[0].value
    assert not [b for b in app.main.button if b.key.startswith("starter-")]  # the welcome made way
    # Every question is recorded for the staff insights, under the anonymous session id.
    [row] = Storage(settings.db_url).interactions.rows()
    assert row["question"] == "How do I find a mentor?" and row["status"] == "answered"
    assert row["session_id"] == app.session_state["session_id"] and len(row["session_id"]) == 32
    assert row["cited_doc_ids"] == latest(app).answer.doc_ids


def test_an_answer_shows_its_sources_and_opens_the_document(app):
    ask(app, "How do I find a mentor?")
    answer = latest(app).answer
    cards = [e for e in app.main.expander if e.label.startswith("**[")]
    assert len(cards) == len(answer.citations) >= 1
    for card, citation in zip(cards, answer.citations):
        assert card.label == (f"**[{citation.number}]** {escape_markdown(citation.title)} › "
                              f"{escape_markdown(citation.section)}")
        assert card.markdown[0].value.startswith(":blue-badge[")  # topic chips
        assert ":orange-background[" in card.markdown[1].value  # the quoted sentences, highlighted
    app.button(key=f"read-{latest(app).id}-1").click().run()
    assert not app.exception
    assert escape_markdown(answer.citations[0].title) in [s.value for s in app.subheader]


def test_a_suggested_follow_up_is_asked_with_the_conversation(app):
    ask(app, "my mentor keeps cancelling our meetings")
    first = latest(app)
    assert 2 <= len(first.answer.suggestions) <= 3
    app.button(key=f"next-{first.id}-0").click().run()
    assert not app.exception
    assert latest(app).question == first.answer.suggestions[0]
    assert latest(app).answer.status == "answered"
    # Only the newest answer offers follow-ups.
    assert not [b for b in app.main.button if b.key.startswith(f"next-{first.id}")]
    # An elliptic follow-up leans on the earlier turns.
    ask(app, "what should I say to them?")
    assert latest(app).answer.citations[0].doc_id == "when-your-mentor-keeps-cancelling"


def test_out_of_scope_reply_offers_topics(app, settings):
    ask(app, "What is the capital of Australia?")
    reply = messages(app, "assistant")[0]
    assert "Mentor can help with mentoring" in reply.markdown[0].value and "rather not guess" in reply.markdown[0].value
    pills = app.button_group(key=f"topics-{latest(app).id}")
    assert pills.options == [topic_label(slug) for slug in load_topics(settings.knowledge_dir)]
    pills.set_value("finding-a-mentor").run()
    assert not app.exception
    assert latest(app).question == topic_question("finding-a-mentor", load_taxonomy(settings.knowledge_dir))
    assert latest(app).answer.status == "answered"


def test_feedback_is_stored_with_a_redacted_comment(app, settings):
    ask(app, "How do I set SMART goals?")
    ex = latest(app)
    app.feedback(key=f"rating-{ex.id}").set_value(1).run()
    app.text_input(key=f"comment-{ex.id}").input("Useful! Write to me at sam@example.com").run()
    app.button(key=f"send-{ex.id}").click().run()
    assert not app.exception
    storage = Storage(settings.db_url)
    [row] = storage.feedback.rows()
    [interaction] = storage.interactions.rows()
    assert row["rating"] == 1 and row["comment"] == "Useful! Write to me at [email]"
    assert row["question"] == "How do I set SMART goals?" and row["cited_doc_ids"] == ex.answer.doc_ids
    assert row["interaction_id"] == interaction["id"] and row["session_id"] == interaction["session_id"]
    assert app.feedback(key=f"rating-{ex.id}").proto.disabled
    assert "Thanks, your feedback was saved." in [c.value for c in app.caption]


def test_new_conversation_clears_the_history(app, settings):
    ask(app, "How do I find a mentor?")
    ask(app, "How is a sponsor different from a mentor?")
    assert len(messages(app, "user")) == 2
    assert not app.get("download_button")[0].proto.disabled
    app.feedback(key=f"rating-{latest(app).id}").set_value(0).run()  # a thumb, never sent
    app.button(key="new-conversation").click().run()
    assert not app.exception
    assert not app.main.chat_message and app.session_state["exchanges"] == []
    assert [b for b in app.main.button if b.key.startswith("starter-")]
    assert app.get("download_button")[0].proto.disabled
    # The unsent thumb was kept when the conversation ended.
    assert [r["rating"] for r in Storage(settings.db_url).feedback.rows()] == [0]


def test_an_over_long_question_is_refused_politely(app, settings):
    question = "mentor " * 200
    ask(app, question)
    reply = messages(app, "assistant")[0]
    assert "1,000" in reply.warning[0].value and "1,400" in reply.warning[0].value
    assert not reply.expander
    assert unescape_markdown(messages(app, "user")[0].markdown[0].value).endswith("(1,400 characters in all)")
    assert [r["status"] for r in Storage(settings.db_url).interactions.rows()] == ["invalid_input"]


def test_a_question_with_markup_is_shown_as_text(app):
    question = "<script>alert('x')</script> **How** do I find a [mentor](http://evil.example)?"
    ask(app, question)
    shown = messages(app, "user")[0].markdown[0].value
    assert unescape_markdown(shown) == question
    assert "\\<script\\>" in shown and "\\[mentor\\]" in shown
    assert latest(app).answer.status == "answered"
    assert_no_raw_html(app)


def test_a_document_with_markup_is_shown_as_text(settings, open_app):
    doc = settings.knowledge_dir / "finding-a-mentor.md"
    doc.write_text(doc.read_text().replace("looking deliberately.",
                                           "looking deliberately. <script>window.pwned = 1</script>"))
    at = open_app().run()  # rebuilds the stale index
    at.sidebar.selectbox(key="browse-topic").set_value("finding-a-mentor").run()
    at.button(key="browse-finding-a-mentor").click().run()
    assert not at.exception
    assert any("<script>window.pwned = 1</script>" in md.value for md in at.get("markdown"))
    ask(at, "How do I find a mentor?")
    assert_no_raw_html(at)


def test_sidebar_browses_topics_and_says_what_is_stored(app, settings):
    privacy = app.sidebar.expander[0]
    assert privacy.label == "About and privacy"
    assert "deleted after 90 days" in privacy.markdown[0].value
    app.sidebar.selectbox(key="browse-topic").set_value("setting-goals").run()
    app.button(key="browse-setting-smart-goals").click().run()
    assert "Setting SMART goals with your mentor" in [s.value for s in app.subheader]
    app.button(key="browse-ask").click().run()
    assert latest(app).question == topic_question("setting-goals", load_taxonomy(settings.knowledge_dir))
    assert latest(app).answer.status == "answered"


def test_an_answer_links_related_sections_instead_of_pasting_them(app):
    ask(app, "my mentor keeps cancelling our meetings, what can I do?")
    ex = latest(app)
    assert len(ex.answer.doc_ids) == 1  # the answer itself comes from one place
    related = [b for b in app.main.button if b.key.startswith(f"related-{ex.id}-")]
    assert related and len(related) == len(ex.answer.related)
    assert all(r.doc_id not in ex.answer.doc_ids for r in ex.answer.related)
    related[0].click().run()
    assert not app.exception
    assert escape_markdown(ex.answer.related[0].title) in [s.value for s in app.subheader]
