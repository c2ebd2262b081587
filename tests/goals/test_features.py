"""The structural features as tables: numbers that measure and numbers that don't, deadlines and anchors."""

import pytest

from assistant.goals.features import ANCHOR, DEADLINE, VAGUE_TIME, number_uses


@pytest.mark.parametrize("goal, kinds", [
    ("Talk to my 2 managers about the reorg", ["group"]),  # the people I have, not a target
    ("Improve communication with my team of 5", ["group"]),
    ("Have coffee with 5 people from other teams", ["measure"]),
    ("Get at least three pieces of feedback", ["measure"]),
    ("Score 4/5 or better on the speaker forms", ["measure"]),
    ("Cut my weekly hours from 55 to 45", ["measure", "measure"]),
    ("Be 50% less reactive in meetings", ["measure"]),
    ("Stop answering messages after 7pm", ["clock"]),
    ("Since I joined in 2022 I have wanted to write more", ["year"]),
    ("Finish it by the 20th", ["year"]),
    ("Decide before I turn 35", ["age"]),
    ("Improve my skills in Excel 365", ["name"]),
    ("Stop working late for the next 6 weeks", ["time"]),
    ("In my 5 years here I never networked", ["time"]),
])
def test_what_a_number_counts(goal, kinds):
    assert [u.kind for u in number_uses(goal)] == kinds


@pytest.mark.parametrize("goal", [
    "Publish the guide by the end of February", "Present twice before the end of Q1", "Run three demos within 8 weeks",
    "Limit my week to 45 hours for the next month", "Send the proposal by 15 May", "Finish it by next Friday",
    "Give the talk at the end of March", "Be done until December",
])
def test_deadlines(goal):
    assert DEADLINE.search(goal), goal


@pytest.mark.parametrize("goal", [
    "Since January I've wanted to be more visible", "Speak up more in the Thursday review", "Talk to my 2 managers",
    "Ask for feedback at every design review", "In my 5 years here I never networked",
])
def test_not_deadlines(goal):
    assert not DEADLINE.search(goal), goal


@pytest.mark.parametrize("goal, anchored", [
    ("Since January I've wanted to be more visible", True), ("Since I joined in 2022 I meant to", True),
    ("Two years ago I started this", True), ("By January, present once", False), ("Present in the March review", False),
])
def test_anchors_look_back(goal, anchored):
    assert bool(ANCHOR.search(goal)) is anchored


@pytest.mark.parametrize("goal, vague", [("Get promoted eventually", True), ("Hit 3 targets asap", True),
                                         ("someday lead a team", True), ("Lead the demo on Friday", False)])
def test_vague_time(goal, vague):
    assert bool(VAGUE_TIME.search(goal)) is vague
