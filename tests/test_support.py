"""The citation check with the real MiniLM model, and its calibration on evaluation/support.jsonl."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.answer.compose import SelectedUnit
from assistant.quality.evaluation import support_report
from assistant.support import calibration, check_answer, citations_of, numbers_in, split_generated



@pytest.fixture(scope="module")
def support_set(repo_root) -> Path:
    """Sentence/unit pairs labelled supported or not, split into calibrate and held-out by document."""
    return repo_root / "evaluation" / "support.jsonl"


UNITS = [
    SelectedUnit(1, "Send a short agenda a day or two before, so your mentor knows what to expect.",
                 "Before the meeting", "preparing-for-your-first-meeting", 0, 0, "item"),
    SelectedUnit(1, "Prepare a short introduction of about one minute.", "Before the meeting",
                 "preparing-for-your-first-meeting", 0, 1, "item"),
    SelectedUnit(2, "Keep the whole message under 150 words, because short messages get read on a phone.",
                 "What to include", "reaching-out-to-a-potential-mentor", 1, 0, "item"),
]


def test_sentences_keep_the_markers_written_after_them():
    text = "Send an agenda first. [1] Keep it short [2].\n- Have an intro ready [1][2]."
    assert split_generated(text) == ["Send an agenda first [1].", "Keep it short [2].", "Have an intro ready [1][2]."]
    assert citations_of("Both apply [1, 2].") == [1, 2]


def test_a_marker_opening_a_line_belongs_to_that_line_and_echoed_tags_are_no_sentences():
    text = "<guidance>\n[1] Send an agenda first. Then relax.\n[2] Keep it short\nHave an intro ready.\n[1]\n</guidance>"
    assert split_generated(text) == ["Send an agenda first [1].", "Then relax.", "Keep it short [2].",
                                     "Have an intro ready. [1]"]
    assert split_generated("Send an agenda first.\n[2] Keep it short.") == ["Send an agenda first.", "Keep it short [2]."]


def test_numbers_are_read_in_words_and_digits():
    assert numbers_in("one to three goals, 150 words, the fourth session") == {"1", "3", "150", "4"}


def test_supported_paraphrases_are_kept(embedder):
    checked = check_answer("Share a short agenda a day or two ahead so your mentor knows what to expect [1]. "
                           "Keep your message under 150 words so it can be read on a phone [2].", UNITS, embedder)
    assert [s.kept for s in checked.sentences] == [True, True], checked.sentences
    assert checked.removed == 0 and not checked.falls_back and checked.cited_numbers == {1, 2}


def test_each_kind_of_bad_sentence_is_removed_for_its_reason(embedder):
    text = ("Send a short agenda a day or two before, so your mentor knows what to expect [1]. "
            "Keep the message under 500 words [2]. "           # a number it was not given
            "Send the agenda a week or two before [1]. "       # a unit of time its source does not give
            "Your mentee should send you the agenda [1]. "     # the wrong party
            "Always send an agenda before the meeting [1]. "   # advice made absolute
            "Bring a printed CV to the meeting [1]. "          # a claim the unit does not make
            "Keep messages short [7]. "                         # a unit that was not given
            "Mentoring changes lives.")                         # no citation
    checked = check_answer(text, UNITS, embedder)
    reasons = [s.reason for s in checked.sentences]
    assert reasons == ["", "number", "number", "party", "absolute", "unsupported", "cites [7], not given", "no citation"]
    assert checked.removed == 7 and checked.falls_back
    assert checked.text == "Send a short agenda a day or two before, so your mentor knows what to expect [1]."


def test_a_third_removed_is_kept_more_falls_back(embedder):
    good = ("Send a short agenda a day or two before, so your mentor knows what to expect [1]. "
            "Prepare a short introduction of about one minute [1]. ")
    assert not check_answer(good + "Bring flowers [1].", UNITS, embedder).falls_back  # 1 of 3
    assert check_answer(good + "Bring flowers [1]. Wear a suit [2].", UNITS, embedder).falls_back  # 2 of 4


def test_support_set_is_big_enough_and_split_by_document(support_set):
    rows = [json.loads(line) for line in support_set.read_text().splitlines()]
    assert len(rows) >= 300
    written = [r for r in rows if r["source"] == "written"]
    assert len(written) >= 300 and sum(r["split"] == "held-out" for r in written) >= 100
    assert {r["kind"] for r in written if not r["supported"]} >= {"claim", "number", "party", "negation", "overgeneral"}
    calibrate = {r["doc_id"] for r in rows if r["split"] == "calibrate"}
    held_out = {r["doc_id"] for r in rows if r["split"] == "held-out"}
    assert held_out and not calibrate & held_out


def test_saved_calibration_holds_on_the_held_out_pairs(embedder, support_set):
    report = support_report(support_set, embedder)
    assert report["threshold"] == calibration().threshold
    assert report["held_out"]["pairs"] >= 400 and report["held_out_written"]["pairs"] >= 250
    # More than half of the held-out pairs are now hand-written hard negatives and loose paraphrases.
    assert report["held_out"]["precision"] >= 0.87 and report["held_out"]["recall"] >= 0.85
    assert report["held_out_written"]["precision"] >= 0.8 and report["held_out_written"]["recall"] >= 0.75


def test_a_sentence_said_twice_counts_as_removed(embedder):
    once = "Send a short agenda a day or two before, so your mentor knows what to expect [1]. "
    checked = check_answer(once + once.replace("[1]", "[1][2]") + "Keep the whole message under 150 words [2].",
                           UNITS, embedder)
    assert [s.reason for s in checked.sentences] == ["", "repeated", ""]
    assert checked.removed == 1 and not checked.falls_back
