"""Stage 1 alone: understand(question, history, speller) -> Query."""

from __future__ import annotations

import pytest

from assistant.answer import Intent, understand
from assistant.models import Turn
from assistant.spelling import Speller


@pytest.fixture(scope="module")
def speller() -> Speller:
    return Speller(["How to find a mentor and ask a mentor, a first meeting with your mentor, mentor sessions"] * 20)


def test_a_single_question(speller):
    query = understand("How do I find a mentr?", [], speller)
    assert query.text == "How do I find a mentor?"
    assert query.question == "How do I find a mentr?"
    assert query.role == "mentee"
    assert not query.follow_up.in_conversation and query.joined == query.text


def test_an_elliptic_follow_up_carries_the_thread(speller):
    history = [Turn(content="my first meeting with my mentor is on Friday"),
               Turn(role="assistant", content="...", sources=["preparing-for-your-first-meeting"])]
    query = understand("and what if we run out of things to say?", history, speller)
    assert query.follow_up.elliptic
    assert query.follow_up.shown == ["preparing-for-your-first-meeting"]
    assert query.follow_up.earlier == ["my first meeting with my mentor is on Friday"]
    assert query.joined.startswith("my first meeting") and query.joined.endswith("to say?")


def test_the_role_stated_early_holds_until_another_is_stated(speller):
    history = [Turn(content="I've just agreed to mentor a junior developer"), Turn(content="how do we start?")]
    assert understand("how often should we meet?", history, speller).role == "mentor"
    assert understand("how do I find a mentor for myself?", history, speller).role == "mentee"


def test_a_change_of_subject_is_not_elliptic(speller):
    history = [Turn(content="my mentor keeps cancelling")]
    query = understand("how is a sponsor different from a mentor?", history, speller)
    assert not query.follow_up.elliptic and query.follow_up.in_conversation


@pytest.mark.parametrize("question, wanted", [
    ("what questions should I ask her?", {"list"}),
    ("can you give me a template for a thank-you email?", {"template", "message"}),
    ("what mistakes should I avoid?", {"list", "pitfalls"}),
    ("how long should a session be?", {"duration"}),
    ("how often should we meet?", {"frequency"}),
    ("is it ok to email her out of the blue?", {"yes_no", "message"}),
    ("could you give me some ideas?", {"list"}),
    ("how do I ask her, and what if she says no?", {"two_things", "how_to"}),
    ("how do I find a mentor", {"how_to"}),
    ("why do people not reply?", {"message"}),
])
def test_intent(question, wanted):
    intent = Intent.of(question)
    assert {name for name, on in intent.model_dump().items() if on} == wanted
