"""The guided flow's package side: examples from knowledge/, the mentor's questions, the chat's hook."""

import pytest

from assistant.goals import flow
from assistant.goals.checker import GoalChecker
from assistant.goals.guidance import Guidance


@pytest.fixture(scope="module")
def guidance(goal_bot):
    return Guidance(goal_bot.index, goal_bot.embedder)


def test_example_goals_come_from_the_guidance_with_citations(guidance, goal_bot):
    examples = flow.example_goals(guidance)
    areas = [e.area for e in examples]
    assert {"Leadership", "Public speaking", "Delegation", "Changing career", "Finding a sponsor",
            "Starting to mentor"} <= set(areas)
    checker = GoalChecker(goal_bot.index, goal_bot.embedder)
    for e in examples:
        assert e.vague and e.goal and e.citation.doc_id == "example-goals-by-area" and e.citation.section == e.area
        # The curated examples are what the checker calls ready: a check on the content as well as the code.
        assert checker.check(e.goal).ready, e.goal


def test_mentor_version_has_grow_questions_and_how_to_agree_the_goal(guidance):
    questions, cites = flow.mentor_questions(guidance)
    assert any(q.endswith("?") for q in questions)
    assert {c.doc_id for c in cites} == {"grow-model", "example-goals-by-area"}
    assert any("own words" in q for q in questions)


@pytest.mark.parametrize("question, wanted", [
    ("Can you help me set goals for my mentoring?", True), ("How do I write a SMART goal?", True),
    ("I need to make some goals with my mentor", True), ("goal-setting tips please", True),
    ("How do I find a mentor?", False), ("What should I talk about in my first meeting?", False),
])
def test_chat_offers_the_flow_for_goal_setting_questions(question, wanted):
    assert flow.wants_goal_help(question) is wanted
