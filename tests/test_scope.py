"""The calibrated scope model: real retrieval signals from the real model and index, scored by ScopeModel."""

import dataclasses

import numpy as np
import pytest

from assistant.scope import FEATURES, ScopeModel, ScopeSignals, fit_logistic, pleasantry, pleasantry_text

IN_SCOPE = "How do I find a mentor outside my company?"
OUT_OF_SCOPE = "What is a good recipe for banana bread?"


def test_answers_an_in_scope_question_and_declines_an_obvious_out_of_scope_one(bot, settings):
    model = ScopeModel.default()
    inside, outside = bot.retrieve(IN_SCOPE), bot.retrieve(OUT_OF_SCOPE)
    assert model.confidence(inside.signals) >= settings.min_confidence > model.confidence(outside.signals)
    assert bot.ask(IN_SCOPE).status == "answered"
    assert bot.ask(OUT_OF_SCOPE).status == "out_of_scope"


def test_the_signals_of_a_real_question_say_why(bot):
    inside, outside = bot.retrieve(IN_SCOPE).signals, bot.retrieve(OUT_OF_SCOPE).signals
    assert inside.dense > outside.dense and inside.sentence > outside.sentence
    assert inside.coverage > outside.coverage
    salary = bot.retrieve("How do I negotiate a higher salary?").signals
    assert salary.margin < 0 and "salary" in salary.subject  # closer to a subject scope.yaml excludes


@pytest.mark.parametrize("feature", ["dense", "sentence", "coverage", "margin"])
def test_confidence_never_falls_as_a_relevance_signal_rises(bot, feature):
    model = ScopeModel.default()
    signals = bot.retrieve(IN_SCOPE).signals
    sweep = [model.confidence(dataclasses.replace(signals, **{feature: value}))
             for value in np.linspace(-1.0, 1.0, 41)]
    assert all(b >= a for a, b in zip(sweep, sweep[1:])), sweep
    assert sweep[-1] > sweep[0]


def test_confidence_rises_with_overall_relevance_and_stays_a_probability():
    model = ScopeModel.default()
    levels = np.linspace(0.0, 1.0, 11)
    sweep = [model.confidence(ScopeSignals(dense=x, sentence=x, coverage=x, agreement=x, margin=x - 0.5))
             for x in levels]
    assert all(b > a for a, b in zip(sweep, sweep[1:]))
    assert sweep[0] < 0.05 and sweep[-1] > 0.95
    extreme = ScopeSignals(dense=1e6, sentence=1e6, coverage=1e6, agreement=0.0, margin=1e6)
    assert model.confidence(extreme) == pytest.approx(1.0)  # no overflow on absurd inputs
    assert 0.0 < model.confidence(dataclasses.replace(extreme, dense=-1e6, sentence=-1e6, coverage=-1e6,
                                                      margin=-1e6)) < 1e-9


def test_fit_separates_the_classes_it_is_given():
    rng = np.random.default_rng(0)
    inside = rng.normal([0.65, 0.6, 0.75, 0.8, 0.3, 0.7], 0.05, size=(60, len(FEATURES)))
    outside = rng.normal([0.2, 0.2, 0.3, 0.3, -0.2, 0.25], 0.05, size=(20, len(FEATURES)))
    model = fit_logistic(np.vstack([inside, outside]), np.array([1.0] * 60 + [0.0] * 20))
    assert set(model.weights) == set(FEATURES)
    assert model.confidence(ScopeSignals(*inside[0])) > 0.9
    assert model.confidence(ScopeSignals(*outside[0])) < 0.1


def test_the_refusal_points_at_nothing_that_may_not_follow_it():
    from assistant.scope import out_of_scope_text

    # The CLI, the API and an exported conversation show no topic buttons after the refusal.
    for text in (out_of_scope_text(), out_of_scope_text(summary="finding a mentor and setting goals")):
        assert "below" not in text and "pick a topic" not in text
    assert out_of_scope_text(summary="finding a mentor").endswith(
        "Mentor can help with mentoring: finding a mentor. Try rephrasing your question around one of those.")


@pytest.mark.parametrize("message, kind", [
    ("hi", "greeting"), ("good morning!!", "greeting"), ("good evening, hope you're well", "greeting"),
    ("thank you so much, genuinely appreciate it 🙏", "thanks"), ("cheers", "thanks"), ("ok cool", "ok"),
    ("bye", None), ("thanks but i can't go on", None), ("hi, how do i find a mentor?", None), ("", None),
])
def test_a_message_that_is_only_a_pleasantry_is_told_apart(message, kind):
    assert pleasantry(message) == kind


def test_a_greeting_gets_a_hello_not_a_refusal_or_a_support_reply(bot):
    answer = bot.ask("good morning!!")
    assert answer.status == "out_of_scope" and answer.text.startswith("Hello, I'm Mentor"), answer.text
    assert bot.ask("thanks so much 🙏").text == pleasantry_text("thanks")
