"""Names by context and shape (assistant/names.py), read through the real spaCy model: tables of names that
must be masked, in any case and from many languages, and of ordinary words, things and places that must not."""

from __future__ import annotations

import pytest

from assistant.names import LEXICON, doubtful, find_names, repeats
from assistant.redact import _REDACTOR, WITHHELD, apply_policy, redact


def _names(text: str) -> list[str]:
    doc = _REDACTOR.analyzer.nlp_engine.process_text(text, "en").tokens
    return [text[s:e] for s, e, _ in find_names(text, doc)]


def test_the_lexicon_holds_given_names_and_surnames_of_many_languages():
    for name in ["Ngozi", "Okeke", "Jakub", "Wójcik", "Akira", "Sato", "Trần", "Mercedes", "Ayodele", "Sven"]:
        assert name in LEXICON, name
    assert LEXICON.surname("Costa") and not LEXICON.surname("Agnes")
    assert "the" not in LEXICON.names or not _names("im an introvert, tips for the moon?")


@pytest.mark.parametrize("text, name", [
    ("how do i tell olga that her demo ran long", "olga"),  # lower case after a verb of telling
    ("my mentee farhan keeps missing sessions", "farhan"),  # lower case after a relation
    ("MY LEAD PIOTR NOWAK IGNORES MY PRS", "PIOTR NOWAK"),  # capitals
    ("Is it ok that Esperanza never replies?", "Esperanza"),  # a name the model reads as a place
    ("Please connect me with Haruto Sato from the Osaka team", "Haruto Sato"),  # romanised Japanese
    ("Is it okay to tell Grace that I applied elsewhere?", "Grace"),  # a common word, in a person slot
    ("my friend hope is choosing between two offers", "hope"),  # a common word, after a relation, before a verb
    ("Bongani said my estimate was too low", "Bongani"),  # a name the lexicon lacks, before "said"
    ("my mentor is Sister Mary Agnes and she is retiring", "Mary Agnes"),  # the name starts a word on
])
def test_names_are_found_by_context_and_shape(text, name):
    assert name in _names(text)


@pytest.mark.parametrize("text", [
    "Hope this isn't a silly question, how long should mentoring last?",  # a common word opening a sentence
    "Will it hurt my career to turn down a promotion?",
    "how far is the moon from earth",  # The and An are names somewhere; never in lower case
    "I'm mentoring a junior dev and our meetings drift",  # a kind of person, not a person
    "mentor vs sponsor - which do I need?",
    "Our product Atlas launched late, how do I own it?",
    "I want a transfer to Austin next year",
    "Our London, Paris and Lagos offices never overlap",
])
def test_ordinary_words_things_and_places_are_not_names(text):
    assert redact(text) == text


@pytest.mark.parametrize("text, start, end, expected", [
    ("Dawn standups at 7am are hard", 0, 4, True),  # English, first in its sentence, no person slot
    ("our team uses Notion and Asana", 25, 30, True),  # things listed after "uses"
    ("Which is better, Obsidian or Evernote?", 29, 37, True),  # beside another word no name list holds
    ("Victoria Line delays make me late", 0, 13, True),  # ends in an English word that is no surname
    ("Dawn said the standup moved", 0, 4, False),  # a person slot after it
    ("I asked Grace Mbeki for a reference", 8, 19, False),
])
def test_the_models_names_are_doubted_by_their_context(text, start, end, expected):
    assert doubtful(text, start, end) is expected


def test_a_name_found_once_is_masked_where_it_is_written_again():
    text = "Marco keeps asking me to review his PRs. I like marco but it's too much"
    assert repeats(text, [(0, 5)]) == [(48, 53)]
    assert "marco" not in redact(text).lower()


def test_a_health_condition_is_not_a_name_and_a_named_person_with_one_is_withheld():
    kept = "Is it ok to mention my Crohn's disease in an interview?"
    assert apply_policy(kept, "redacted") == kept
    assert apply_policy("my buddy TOMÁS NOVÁK told me he's been depressed", "redacted") == WITHHELD
    assert apply_policy("Femi is having surgery next month, who covers his mentees?", "redacted") == WITHHELD
