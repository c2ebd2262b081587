"""The Goals page through Streamlit's AppTest, against the real model, fitted checker and index: the whole flow."""

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from assistant.chat import unescape_markdown
from views.shared import clear_caches

TODAY = dt.date.today()


@pytest.fixture(autouse=True)
def _fresh_resources():
    clear_caches()
    yield
    clear_caches()


@pytest.fixture
def page(goal_settings, open_app) -> AppTest:
    at = open_app("views/goals.py").run()
    assert not at.exception
    return at


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.main.markdown)


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.main.caption)


def run(target) -> AppTest:
    """Run the page again: `target` is the AppTest, or a widget just set or clicked."""
    at = target.run()
    assert not at.exception, at.exception
    return at


def test_vague_hope_to_a_plan_file(page, goal_settings, tmp_path):
    at = page
    assert "Nothing of your goals or plan is stored on Mentor's server" in at.info[0].value
    # 1. What you want, in your own words.
    at.text_area(key="goal-hope").set_value("I want to be better at presenting")
    run(at.button(key="goal-start").click())
    assert at.text_area(key="goal-draft").value == "I want to be better at presenting"
    # 2. The draft is checked: all three missing, each prompt cited.
    text = markdown(at)
    assert "**Time-bound** (missing): By when?" in text and "**Specific** (missing)" in text
    assert "**Achievable** (to discuss)" in text
    assert "Source: Setting SMART goals with your mentor › What SMART stands for" in captions(at)
    # 3. Revise: say what and how many, then take the deadline the page prompts for.
    at.text_area(key="goal-draft").set_value("Give a ten-minute update at the monthly all-hands and collect written "
                                             "comments from at least three listeners")
    run(at)
    assert "**Time-bound** (missing)" in markdown(at)
    deadline = TODAY + dt.timedelta(days=60)
    at.date_input(key="goal-deadline").set_value(deadline)
    run(at.button(key="goal-add-deadline").click())
    assert at.text_area(key="goal-draft").value.endswith(f"by {deadline:%d %B %Y}")
    assert "**Time-bound** (met)" in markdown(at)
    assert at.button(key="goal-add").label == "Add this goal"
    # 4. Add it; 5. steps with dates; 6. how you will know; 7. what to ask.
    run(at.button(key="goal-add").click())
    assert len(at.session_state["plan_goals"]) == 1 and at.text_area(key="goal-draft").value == ""
    at.text_input(key="step-text-0").set_value("Draft the outline and share it with my mentor")
    at.date_input(key="step-date-0").set_value(TODAY + dt.timedelta(days=10))
    run(at.button(key="step-add-0").click())
    at.text_input(key="step-text-0").set_value("Rehearse with my mentor")
    at.date_input(key="step-date-0").set_value(TODAY + dt.timedelta(days=30))
    run(at.button(key="step-add-0").click())
    at.text_area(key="know-0").set_value("Three listeners send comments")
    at.text_area(key="ask-0").set_value("Would you watch a rehearsal?")
    run(at)
    goal = at.session_state["plan_goals"][0]
    assert [s.text for s in goal.steps] == ["Draft the outline and share it with my mentor", "Rehearse with my mentor"]
    assert goal.how_you_will_know == "Three listeners send comments" and goal.check.ready
    # The plan: three meetings with agendas from the templates, review dates, and three downloads.
    expanders = [e.label for e in at.main.expander]
    assert any(label.startswith("First meeting: getting started") for label in expanders)
    assert "Introductions (10 minutes)" in unescape_markdown(markdown(at))
    assert "**Review dates:**" in markdown(at)
    assert len(at.get("download_button")) == 3
    # A step in the past is refused with the fix, and nothing is added.
    at.text_input(key="step-text-0").set_value("Too late")
    at.date_input(key="step-date-0").set_value(TODAY - dt.timedelta(days=1))
    run(at.button(key="step-add-0").click())
    assert "in the past; choose" in at.warning[0].value and len(at.session_state["plan_goals"][0].steps) == 2


def test_a_goal_can_be_added_as_it_is_and_the_plan_holds_three_at_most(page):
    at = page
    for n in range(3):
        at.text_area(key="goal-draft").set_value(f"Network more, attempt {n}")
        run(at)
        assert at.button(key="goal-add").label == "Add it as it is"
        run(at.button(key="goal-add").click())
    assert len(at.session_state["plan_goals"]) == 3
    at.text_area(key="goal-draft").set_value("A fourth goal by June")
    run(at)
    assert at.button(key="goal-add").disabled
    assert any("Still to sharpen" in c for c in captions(at).splitlines())


def test_empty_and_long_drafts_get_messages(page):
    at = page
    at.text_area(key="goal-draft").set_value("word " * 200)
    run(at)
    assert "characters long; the checker reads up to 500" in at.warning[0].value


def test_examples_and_the_mentor_version(page):
    at = page
    at.selectbox(key="goal-example-area").set_value("Public speaking")
    run(at)
    assert "Source: Example mentoring goals by area › Public speaking" in captions(at)
    run(at.button(key="goal-use-example").click())
    assert at.text_area(key="goal-draft").value.startswith("By the end of April, I will give a ten-minute update")
    at.radio(key="goal-role").set_value("mentor")
    run(at)
    assert "What would you like to have by the end of this conversation?" in markdown(at)
    assert "Source: Using the GROW model" in captions(at)
    assert "What would your mentee like to change" in at.text_area(key="goal-hope").label


def test_the_welcome_card_and_a_goal_question_lead_to_the_page(goal_settings, open_app):
    at = open_app().run()
    assert not at.exception
    links = [link for link in at.get("page_link")]
    assert any(link.proto.page.endswith("goals.py") or "goals" in link.proto.page for link in links)
    at.chat_input(key="question").set_value("Can you help me set goals with my mentor?").run()
    assert not at.exception
    assert len([link for link in at.get("page_link")]) == len(links)  # the welcome is gone; the answer offers it
    assert any("step by step" in link.proto.label for link in at.get("page_link"))
