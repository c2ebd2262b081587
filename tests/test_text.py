"""assistant/text.py: how prose is cut into the sentences an answer quotes."""

from __future__ import annotations

from assistant.text import split_sentences


def test_a_closing_quote_stays_with_its_sentence():
    prose = 'Ask: "What frustrated you this month?" Offer a small task. He said "no." Fine (mostly.) Then stop.'
    assert split_sentences(prose) == ['Ask: "What frustrated you this month?"', "Offer a small task.",
                                      'He said "no."', "Fine (mostly.)", "Then stop."]


def test_abbreviations_and_initials_do_not_end_a_sentence():
    assert split_sentences("Use a model, e.g. GROW. George T. Doran named SMART.") == [
        "Use a model, e.g. GROW.", "George T. Doran named SMART."]
