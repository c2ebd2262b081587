"""assistant/chat.py (what the chat page shows) and the follow-up suggestions in assistant/suggestions.py."""

import datetime as dt

import pytest

from assistant import Answer, Assistant, Citation, Settings
from assistant.chat import (Exchange, conversation_markdown, escape_markdown,
                            highlight_spans, highlighted_markdown, history, keep_line_breaks, privacy_note,
                            question_preview, starter_questions, topic_label, topic_question, topic_shelves,
                            unescape_markdown)
from assistant.suggestions import as_question
from assistant.errors import KnowledgeError
from assistant.knowledge import load_knowledge, load_taxonomy


def _answer(question="How do I find a mentor?", status="answered"):
    citation = Citation(number=1, doc_id="finding-a-mentor", title="How to find a mentor", section="Where to look",
                        topics=["finding-a-mentor"], text="Look around.", score=0.8)
    return Answer(status=status, text="Look around. [1]" if status == "answered" else "Sorry.", question=question,
                  citations=[citation] if status == "answered" else [])


def test_starters_cover_each_journey(knowledge_source):
    taxonomy = load_taxonomy(knowledge_source)
    names = [j.name for j in taxonomy.journeys]
    assert names == ["Find a mentor", "First meeting", "Set goals", "Become a mentor", "Run a programme"]
    assert 4 <= len(starter_questions(taxonomy)) <= 6
    assert all(j.questions for j in taxonomy.journeys)


def test_every_topic_has_a_question_and_a_label(knowledge_source):
    taxonomy = load_taxonomy(knowledge_source)
    assert all(topic.question for topic in taxonomy.topics.values())
    assert topic_question("setting-goals", taxonomy) == "How do I set goals with my mentor?"
    assert topic_label("setting-goals") == "Setting goals"
    assert topic_label("grow-model") == "GROW model"
    # A topic added to topics.yaml without a question still gets one.
    assert topic_question("salary-advice", taxonomy) == "What does the guidance say about salary advice?"


def test_a_new_topic_journey_and_summary_need_no_code(tmp_path, settings, embedder):
    """Adding a topic, a journey or a new scope summary is an edit to topics.yaml, nothing else."""
    topics = settings.knowledge_dir / "topics.yaml"
    topics.write_text(topics.read_text(encoding="utf-8").replace(
        "journeys:\n", "journeys:\n  - name: Negotiate\n    questions: [\"How do I ask for stretch work?\"]\n", 1)
        .replace("\ntopics:\n", "\ntopics:\n  stretch-work:\n    description: Asking for work that grows you.\n", 1)
        .split("\nscope_summary:")[0] + "\n" + 'scope_summary: "stretch work and growth"\n', encoding="utf-8")
    taxonomy = load_taxonomy(settings.knowledge_dir)
    assert taxonomy.journeys[0].name == "Negotiate" and "stretch-work" in taxonomy.topics
    bot = Assistant(settings, embedder).load()
    bot.rebuild()
    answer = bot.ask("What is the capital of Peru?")
    assert answer.status == "out_of_scope"
    assert "Mentor can help with mentoring: stretch work and growth. Try" in answer.text


def test_a_broken_taxonomy_names_the_file_and_field(tmp_path):
    (tmp_path / "topics.yaml").write_text("topics:\n  finding-a-mentor:\n    descripton: typo\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load_taxonomy(tmp_path)
    assert "topics.yaml" in str(caught.value) and "finding-a-mentor" in str(caught.value)


@pytest.mark.parametrize("text", [
    "<script>alert('x')</script> how do I find a mentor?",
    "**bold** _it_ [link](http://x.io) `code` # heading\n- item :red[colour] $x^2$ \\ &amp; <b>",
])
def test_escaped_text_shows_exactly_what_was_typed(text):
    escaped = escape_markdown(text)
    assert unescape_markdown(escaped) == text
    # No Markdown or HTML character is left unescaped.
    for ch in "<>[]*_`#$:":
        assert all(escaped[i - 1] == "\\" for i, c in enumerate(escaped) if c == ch)


def test_highlights_match_sentences_across_lines_and_markers():
    text = ("Intro sentence here. Second sentence\nwraps over a line.\n\n"
            "- A list item with [brackets] in it\n  and a continuation.\n- Another item.")
    sentences = ["Second sentence wraps over a line.", "A list item with [brackets] in it and a continuation.",
                 "Not in the passage at all."]
    spans = highlight_spans(text, sentences)
    assert [text[a:b] for a, b in spans] == ["Second sentence\nwraps over a line.",
                                             "A list item with [brackets] in it\n  and a continuation."]
    marked = highlighted_markdown(text, sentences).replace("  \n", "\n")
    assert marked.startswith("Intro sentence here. :orange-background[Second sentence]\n")
    # The list marker and indentation stay outside the highlight; brackets inside are escaped.
    assert ("- :orange-background[A list item with \\[brackets\\] in it]\n"
            "  :orange-background[and a continuation.]") in marked
    assert marked.rstrip().endswith("- Another item.")


def test_line_breaks_are_kept_outside_code():
    text = "My hope: [x]\nSpecific: [y]\n\n```\ncode\nmore\n```\n- item"
    assert keep_line_breaks(text) == "My hope: [x]  \nSpecific: [y]  \n\n```\ncode\nmore\n```\n- item  "


def test_history_skips_refused_questions():
    exchanges = [Exchange("How do I find a mentor?", _answer()),
                 Exchange("x" * 2000, _answer("x" * 1000, status="invalid_input"))]
    turns = history(exchanges)
    assert [(t.role, t.content) for t in turns] == [("user", "How do I find a mentor?"),
                                                     ("assistant", "Look around. [1]")]


def test_question_preview_cuts_long_questions():
    assert question_preview("short") == "short"
    preview = question_preview("word " * 1000, limit=50)
    assert len(preview) < 100 and preview.endswith("(5,000 characters in all)")


def test_privacy_note_follows_the_settings():
    note = privacy_note(Settings(_env_file=None))
    for stored in ("[email]", "[phone]", "[url]", "top match score", "first line of the answer",
                   "documents and sections it cited", "how long",
                   "random session id", "rating", "comment", "deleted after 90 days"):
        assert stored in note
    assert "no question text" in privacy_note(Settings(question_logging="off", _env_file=None))
    assert "exactly as you typed" in privacy_note(Settings(question_logging="full", _env_file=None))
    assert "after 30 days" in privacy_note(Settings(retention_days=30, _env_file=None))


def test_conversation_export_lists_questions_answers_and_sources():
    exchanges = [Exchange("How do I find a mentor?", _answer()),
                 Exchange("lasagna recipe?", _answer("lasagna recipe?", status="out_of_scope"))]
    md = conversation_markdown(exchanges, when=dt.datetime(2026, 11, 25, 9, 30))
    assert md.startswith("# Conversation with Mentor\n\nSaved 2026-11-25 09:30.")
    assert "## 1. How do I find a mentor?\n\nLook around. [1]" in md
    assert "[1] How to find a mentor › Where to look (`finding-a-mentor`)" in md
    assert "## 2. lasagna recipe?\n\nSorry." in md
    assert "## Documents cited\n\n- How to find a mentor (`finding-a-mentor`)" in md


def test_topic_shelves_list_every_document_under_its_topics(knowledge_source):
    kb = load_knowledge(knowledge_source)
    shelves = {s.slug: s for s in topic_shelves(kb)}
    assert list(shelves) == list(kb.topics)
    for doc in kb.documents:
        for topic in doc.topics:
            assert doc in shelves[topic].documents
    # Documents filed primarily under a topic come first.
    for shelf in shelves.values():
        primary = [d.primary_topic == shelf.slug for d in shelf.documents]
        assert primary == sorted(primary, reverse=True)


@pytest.mark.parametrize("heading, question", [
    ("How to build a shortlist", "How do I build a shortlist?"),
    ("What to bring to the first meeting", "What should I bring to the first meeting?"),
    ("How many goals to have", "How many goals should I have?"),
    ("If your organisation is small", "What if my organisation is small?"),
    ("Signs the first meeting went well", "What are the signs the first meeting went well?"),
    ("What SMART stands for", "Tell me what SMART stands for"),
    ("Handling politics and confidentiality", "How do I handle politics and confidentiality?"),
    ("Taking notes without killing the conversation", "How do I take notes without killing the conversation?"),
    ("Keep your development moving", "How do I keep my development moving?"),
    ("Should you say yes? Five questions to ask yourself", "Being asked to mentor: should I say yes?"),
    ("Who could sponsor you", "Tell me who could sponsor me"),
    ("When to say thank you", "When should I say thank you?"),
    ("Template: SMART goal worksheet", "Show me the template: SMART goal worksheet"),
    ("Signs it is working", "Being asked to mentor: what are the signs it is working?"),
    ("Worked example: a three-month review", None),
    ("You do not need to be an expert", None),
])
def test_headings_become_questions_in_the_readers_words(heading, question):
    assert as_question(heading, "Being asked to mentor - for the first time") == question


def test_suggestions_are_new_questions_that_lead_somewhere(bot):
    asked = "How do I find a mentor?"
    answer = bot.ask(asked)
    assert 2 <= len(answer.suggestions) <= 3
    assert asked not in answer.suggestions and len(set(answer.suggestions)) == len(answer.suggestions)
    follow = bot.ask(answer.suggestions[0], history=[asked, answer.text])
    assert follow.status == "answered"


def test_a_streamed_image_is_never_rendered_even_when_split_across_chunks():
    from assistant.chat import without_images

    streamed = "".join(without_images(["Here is a picture !", "[x](http://host/x.png) and more!", ""]))
    assert "![" not in streamed and "[x](http://host/x.png)" in streamed and streamed.endswith("more!")
