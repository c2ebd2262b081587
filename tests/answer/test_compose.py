"""Stage 3: the composer's invariants, on a small hand-written document and the real model, FAISS and index."""

from __future__ import annotations

import re

import pytest

from assistant import Assistant, Settings
from assistant.answer import Intent
from assistant.answer.compose import leans_on_context, section_kind
from assistant.index import build_index
from assistant.quality.evaluation import check_answer

DOC = """---
id: first-coffee-chat
title: Running a first coffee chat with a possible mentor
topics: [first-meeting]
audience: [mentee, mentor]
summary: How to prepare for and run a first informal conversation with someone who might mentor you.
updated: 2026-11-20
questions:
  Introduction: [what is a coffee chat with a possible mentor?]
  How to prepare, step by step: [how do I prepare for a coffee chat?, what should I do before meeting a possible mentor?]
  Questions to ask in a coffee chat: [what should I ask in a coffee chat?]
  After the chat: [what do I do after the coffee chat?]
  Pitfalls to avoid: [what mistakes should I avoid in a coffee chat?]
  "For mentors: when someone asks you for a coffee chat": [someone asked me for a coffee chat, how do I handle it as a mentor?]
---

A first coffee chat is a short, low-pressure conversation to see whether someone could be a good mentor for you.

## How to prepare, step by step
1. Write down the one thing you most want help with right now.
2. Read a little about the person's work so your questions are specific.
3. Prepare three or four questions and a short introduction of yourself.
4. Decide how long you will ask for, and keep to it.

## Questions to ask in a coffee chat
Bring questions like these:
- What helped you most when you were at my stage?
- What do you wish you had known earlier in your career?
- How do you like to keep in touch with people you help?
- Who else do you think I should talk to?
- What would make a follow-up conversation useful for you?

## After the chat
Send a thank-you note within a day. This keeps the door open without asking for a commitment yet.
Mention one thing you plan to do because of the conversation.

## Pitfalls to avoid
- Asking "will you be my mentor?" in the first five minutes.
- Letting the chat run over the time you asked for.
- Talking only about yourself and leaving no time for the other person's experience.

## For mentors: when someone asks you for a coffee chat
- Say yes to one conversation before deciding on anything longer.
- Ask what the person hopes to get from the chat, so you can prepare.
"""


@pytest.fixture(scope="module")
def coffee(tmp_path_factory, embedder, copy_knowledge) -> Assistant:
    root = tmp_path_factory.mktemp("compose")
    knowledge = copy_knowledge(root / "knowledge", docs=[])
    (knowledge / "first-coffee-chat.md").write_text(DOC, encoding="utf-8")
    settings = Settings(knowledge_dir=knowledge, index_dir=root / "index", data_dir=root / "data", _env_file=None)
    build_index(settings, embedder)
    return Assistant(settings, embedder=embedder).load()


def _lines(answer) -> list[str]:
    return [line for line in answer.text.splitlines() if line.strip()]


def _heading_of(answer, line: str) -> str | None:
    """The bold heading a line is shown under, or None for a line before any heading."""
    heading = None
    for current in answer.text.splitlines():
        if not current.strip():
            heading = None
        elif current.startswith("**"):
            heading = current.split("**")[1]
        elif current == line:
            return heading
    raise AssertionError(f"{line!r} not in the answer")


def test_steps_come_whole_in_order_under_their_heading(coffee):
    answer = coffee.ask("How should I prepare for a coffee chat with a possible mentor?")
    assert answer.status == "answered", answer.text
    steps = [line for line in _lines(answer) if line.startswith("- ") and "Write down the one thing" in answer.text]
    texts = [re.sub(r"^- | \[\d+\]$", "", s) for s in steps]
    wanted = ["Write down the one thing", "Read a little", "Prepare three or four", "Decide how long"]
    found = [next(i for i, t in enumerate(texts) if t.startswith(w)) for w in wanted]
    assert found == sorted(found), answer.text  # the guidance's order, every step
    assert all(_heading_of(answer, s) == "How to prepare, step by step" for s in steps), answer.text


def test_a_list_request_gets_the_whole_list(coffee):
    question = "What questions should I ask in a coffee chat?"
    assert Intent.of(question).list
    answer = coffee.ask(question)
    items = [line for line in _lines(answer) if line.startswith("- ") and re.sub(r" \[\d+\]$", "", line).endswith("?")]
    assert len(items) == 5, answer.text
    assert all(_heading_of(answer, line) == "Questions to ask in a coffee chat" for line in items)
    lines = _lines(answer)
    lead_in = next(i for i, line in enumerate(lines) if line.startswith("Bring questions like these"))
    assert lines[lead_in + 1].startswith("- What helped you most"), answer.text  # a lead-in only right before its list


def test_a_pitfall_is_never_shown_without_its_heading(coffee):
    asked = coffee.ask("What mistakes should I avoid in a coffee chat?").text
    assert "Letting the chat run" in asked, asked  # the check below has pitfalls to look at
    for question in ("What mistakes should I avoid in a coffee chat?", "how long should a coffee chat last",
                     "Should I ask them to be my mentor in the first chat?"):
        answer = coffee.ask(question)
        for line in _lines(answer):
            if any(p in line for p in ("Asking \"will you", "Letting the chat run", "Talking only about")):
                assert _heading_of(answer, line) == "Pitfalls to avoid", answer.text
        first = _lines(answer)[0]
        assert first.startswith("**") or not first.startswith("- "), answer.text  # the section's heading or its statement


def test_a_leaning_sentence_is_shown_after_what_it_leans_on(coffee):
    # It used to pass whenever the sentence was missing ("if ... in text"), and it always is.
    answer = coffee.ask("Why should I send a thank-you note after the coffee chat?")
    text = " ".join(answer.text.split())
    assert re.search(r"Send a thank-you note within a day\. \[\d+\] This keeps the door open", text), answer.text


def test_every_quoted_unit_is_cited_and_checks_pass(coffee):
    passages = {p.id: p for p in coffee.index.passages}
    for question in ("How should I prepare for a coffee chat?", "What questions should I ask in a coffee chat?",
                     "What mistakes should I avoid in a coffee chat?", "someone asked me for a coffee chat",
                     "Why should I send a thank-you note after the coffee chat?"):
        answer = coffee.ask(question)
        for line in _lines(answer):
            if not line.startswith("**"):
                assert re.search(r"\[\d+\]$", line), line
        checks = check_answer(answer, passages)
        assert checks.pitfalls_outside_heading == 0 and checks.dangling == 0, checks.problems
        assert 20 <= len(answer.text.split()) <= 220


def test_the_mentor_side_is_for_mentors(coffee):
    mentor = coffee.ask("Someone asked me for a coffee chat, I've never mentored anyone. What should I do?")
    assert mentor.role == "mentor"
    assert "**For mentors: when someone asks you for a coffee chat**" in mentor.text, mentor.text
    mentee = coffee.ask("How do I find a mentor through a coffee chat?")
    assert mentee.role == "mentee"
    assert "For mentors" not in mentee.text, mentee.text


def test_units_that_lean_on_context_and_section_kinds(coffee):
    assert leans_on_context("This keeps the door open.")
    assert leans_on_context("Bring questions like these:")
    assert leans_on_context("Use the questions below to start.")
    assert leans_on_context("Mentee: I wasn't sure what to ask.")
    assert not leans_on_context("Send a thank-you note within a day.")
    kinds = {p.section: section_kind(p) for p in coffee.index.passages}
    assert kinds["Pitfalls to avoid"] == "pitfall"
    assert kinds["How to prepare, step by step"] == "advice"


@pytest.mark.parametrize("question, wanted", [
    ("What questions should I ask in a coffee chat?", True),
    ("Give me a list of things to bring", True),
    ("How long should a coffee chat last?", False),
])
def test_a_list_request_is_recognised(question, wanted):
    assert Intent.of(question).list is wanted


@pytest.mark.parametrize("question, wanted", [
    ("Can you give me a template for a thank-you email?", True),
    ("what should I write to a mentor who keeps cancelling", True),
    ("How do I find a mentor?", False),
    ("is it weird to message them?", False),  # the verb, not a request for a message to send
])
def test_a_template_request_is_recognised(question, wanted):
    assert Intent.of(question).template is wanted


def test_the_section_that_answers_wins_over_one_sharing_more_words(coffee):
    """'once it's over' shares no word with "After the chat", whose declared question it matches."""
    answer = coffee.ask("the coffee chat went fine, what am I supposed to do once it's over?")
    assert answer.status == "answered", answer.text
    assert answer.citations[0].section == "After the chat", answer.text


def test_the_lead_match_is_the_lead_sections_best_declared_question(coffee, embedder):
    """Answer.lead_match: the cosine between the question and the nearest question the section the
    answer opens with declares it answers; lower when the question is only loosely covered."""
    question = "What should I do after the coffee chat?"
    answer = coffee.ask(question)
    lead = check_answer(answer, {p.id: p for p in coffee.index.passages}).lead_section
    assert lead.endswith("#after-the-chat"), answer.text
    asked, declared = embedder.encode([question, "what do I do after the coffee chat?"])
    assert answer.lead_match == pytest.approx(float(asked @ declared), abs=0.01)
    loose = coffee.ask("How do I keep a mentoring relationship going for years?")
    assert loose.status == "answered" and loose.lead_match < answer.lead_match - 0.2, (loose.lead_match, loose.text)
    assert coffee.ask("What is the capital of Australia?").lead_match == 0.0  # nothing answered, nothing matched


def test_a_how_to_question_is_not_answered_with_why(bot):
    """A "Why..." section explains; someone asking how to do something wants the section that says."""
    assert Intent.of("how do i find a mentor when i never meet anyone in person").how_to
    assert not Intent.of("why is it so hard to find a mentor when you work remotely?").how_to
    answer = bot.ask("fully remote developer here, how do i find a mentor when i never meet anyone in person")
    assert answer.status == "answered", answer.text
    assert not answer.citations[0].section.startswith("Why"), answer.text
