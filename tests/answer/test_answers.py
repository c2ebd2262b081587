"""The answer a person reads: from one place, matched on intent, in the thread of the conversation.

Real model, real FAISS, the real guidance documents (a slice of them, built once for the module).
"""

from __future__ import annotations

import re

import pytest

from assistant import Assistant, Settings
from assistant.index import build_index
from assistant.models import Turn
from assistant.quality.evaluation import replay

DOCS = ["finding-a-mentor", "reaching-out-to-a-potential-mentor", "when-your-mentor-keeps-cancelling",
        "grow-model", "tracking-progress", "preparing-for-your-first-meeting", "first-meeting-questions-to-ask",
        "setting-smart-goals", "becoming-a-mentor-for-the-first-time", "mentoring-agreement"]


@pytest.fixture(scope="module")
def guide(tmp_path_factory, embedder, copy_knowledge) -> Assistant:
    root = tmp_path_factory.mktemp("answer")
    knowledge = copy_knowledge(root / "knowledge", docs=DOCS)
    settings = Settings(knowledge_dir=knowledge, index_dir=root / "index", data_dir=root / "data", _env_file=None)
    build_index(settings, embedder)
    return Assistant(settings, embedder=embedder).load()


def _items(answer) -> list[str]:
    return [line for line in answer.text.splitlines() if line.startswith("- ")]


def test_an_answer_comes_from_one_section_of_one_document(guide):
    answer = guide.ask("my mentor keeps cancelling our sessions, what can I do about it?")
    assert answer.status == "answered"
    assert answer.doc_ids == ["when-your-mentor-keeps-cancelling"], answer.text
    assert len({c.section for c in answer.citations}) == 1, answer.text
    assert answer.related and all(r.doc_id != "when-your-mentor-keeps-cancelling" for r in answer.related)


def test_a_section_cut_into_pieces_is_quoted_whole(guide):
    """The steps section is longer than one passage; every step is shown, as one citation."""
    answer = guide.ask("how do i get my mentor to stop cancelling")
    steps = [line for line in _items(answer) if line.startswith("- **")]
    assert len(steps) == 5, answer.text
    assert len(answer.citations) == 1
    assert "(see the template below)" not in answer.text  # the pointer is dropped, the step is kept


def test_a_named_model_keeps_all_its_stages(guide):
    answer = guide.ask("what are the stages of the GROW model?")
    for stage in ("Goal", "Reality", "Options", "Way forward"):
        assert re.search(rf"^- {stage}\b", answer.text, re.M), answer.text


def test_a_list_of_signs_is_shown_whole(guide):
    answer = guide.ask("how can I tell that mentoring is actually working?")
    section = [c for c in answer.citations if c.section == "Signs mentoring is working"]
    assert section, answer.text
    assert len(_items(answer)) == section[0].text.count("\n- ") + section[0].text.startswith("- ")


def test_intent_keys_find_a_section_its_words_do_not_share(guide):
    """'nobody answered my message' shares no content word with "Why people don't reply" in the
    reaching-out document, but matches the questions that section declares it answers."""
    hits = guide.retrieve("i sent a message to someone i admire a week ago and heard nothing back").hits
    intents = [h for h in hits[:5] if h.intent > h.dense]
    assert intents, [(h.passage.section, h.dense, h.intent) for h in hits[:5]]


def test_the_role_stated_early_holds_through_the_conversation(guide):
    history = replay(guide, ["I've just agreed to mentor someone for the first time", "how should I prepare?"])
    answer = guide.ask("what should we talk about first?", history)
    assert answer.role == "mentor"


def test_an_elliptic_follow_up_in_an_in_scope_conversation_is_answered(guide):
    history = replay(guide, ["I have my first meeting with my new mentor on Friday"])
    for follow_up in ("what if we run out of things to say?", "and how long should it last?", "what do I bring?"):
        answer = guide.ask(follow_up, history)
        assert answer.status == "answered", (follow_up, answer.text)


def test_a_follow_up_stays_in_the_thread_the_previous_answer_showed(guide):
    history = replay(guide, ["my mentor keeps cancelling on me"])
    assert history[-1].sources == ["when-your-mentor-keeps-cancelling"]
    answer = guide.ask("what do I say to her about it?", history)
    assert answer.doc_ids[0] == "when-your-mentor-keeps-cancelling", answer.text


def test_a_client_that_sends_only_user_turns_still_gets_follow_ups(guide):
    answer = guide.ask("what do I say to her about it?", ["my mentor keeps cancelling on me"])
    assert answer.status == "answered"
    assert "when-your-mentor-keeps-cancelling" in answer.doc_ids


def test_what_should_i_say_alone_does_not_force_a_template(guide):
    answer = guide.ask("I'm nervous about my first mentor meeting, what should I say to open it?")
    assert not answer.is_template, answer.text


def test_a_template_is_chosen_for_the_askers_side(guide):
    answer = guide.ask("can you give me a message to ask someone to be my mentor?")
    assert answer.is_template
    assert answer.citations[0].doc_id == "reaching-out-to-a-potential-mentor", answer.text


def test_staff_get_the_pairs_template_they_hand_out(guide):
    # A template written for both sides of the pair answers programme staff asking for one, as a
    # staff-only template would not answer a mentee.
    answer = guide.ask("we run a scheme and want a mentoring agreement template to give our participants")
    assert answer.is_template
    assert (answer.citations[0].doc_id, answer.citations[0].section) == ("mentoring-agreement", "Template: Mentoring agreement")


def test_history_sources_must_be_document_ids(guide):
    answer = guide.ask("and then?", [{"role": "assistant", "content": "x", "sources": "finding-a-mentor"}])
    assert answer.status == "invalid_input"
    assert "sources" in answer.text


def test_turn_sources_round_trip():
    assert Turn(role="assistant", content="a", sources=["x"]).model_dump()["sources"] == ["x"]


@pytest.mark.parametrize("question, section", [
    # The "why" section shares the words; the "what" section is what was asked.
    ("what should go in a mentoring agreement?", "What to include in a mentoring agreement"),
])
def test_the_answer_opens_with_the_section_that_answers_not_its_neighbour(guide, question, section):
    answer = guide.ask(question)
    assert answer.status == "answered", answer.text
    assert answer.citations[0].section == section, answer.text
