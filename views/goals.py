"""The Goals page: from a vague hope to checked goals and a mentoring plan the person downloads.

Session state, widgets and rendering only; the checker, the examples, the plan and its exports come
from assistant.goals. Nothing of the goals or the plan is stored on the server: it lives in this
session until the person downloads it. Text a person typed is always escaped before it is shown.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from assistant.chat import escape_markdown
from assistant.errors import MentorError
from assistant.goals.checker import TEXTS, GoalChecker, GoalInputError
from assistant.goals.export import file_name, render
from assistant.goals.flow import PRIVACY, add_step, build_plan, example_goals, mentor_questions
from assistant.goals.models import GoalCheck
from assistant.goals.plan import MAX_GOALS, MAX_STEPS, Plan, PlanError, PlanGoal, parse_plan
from views.shared import get_assistant

state = st.session_state
ROLES = {"mentee": "I'm setting my own goals", "mentor": "I'm a mentor helping my mentee set theirs"}
MARKS = {"met": ":green[:material/check_circle:]", "missing": ":orange[:material/error:]", "ask": ":blue[:material/help:]"}


@st.cache_resource(show_spinner=False, max_entries=2)
def _checker(version: str) -> GoalChecker:
    """One checker per index version, shared by every session (its citations come from that version)."""
    bot = get_assistant()
    return GoalChecker(bot.index, bot.embedder)


st.title("Set goals", anchor=False)
try:
    bot = get_assistant()
    checker = _checker(str(bot.index.path))
except MentorError as exc:
    st.error(f"Mentor could not load its guidance: {exc}")
    st.stop()
guidance = checker.guidance
st.info(PRIVACY, icon=":material/lock:")

if "plan_goals" not in state:
    state.plan_goals = []  # list[PlanGoal], in the order added
if "goal_checks" not in state:
    state.goal_checks = {}  # goal text -> GoalCheck, so a rerun does not check the same text again
today = dt.date.today()


# -- actions (widget callbacks run before the page is drawn again) --------------------------------

def check(text: str) -> GoalCheck:
    if text not in state.goal_checks:
        state.goal_checks[text] = checker.check(text)
    return state.goal_checks[text]


def start_draft() -> None:
    state["goal-draft"] = " ".join((state.get("goal-hope") or "").split())


def use_example(goal: str) -> None:
    state["goal-draft"] = goal


def add_deadline() -> None:
    day = state.get("goal-deadline") or today
    state["goal-draft"] = f"{(state.get('goal-draft') or '').rstrip(' .')} by {day:%d %B %Y}"


def add_goal() -> None:
    text = " ".join((state.get("goal-draft") or "").split())
    if text and len(state.plan_goals) < MAX_GOALS:
        state.plan_goals.append(PlanGoal(text=text, check=check(text)))
        state["goal-draft"] = ""
        state["goal-hope"] = ""


def remove_goal(i: int) -> None:
    del state.plan_goals[i]


def add_goal_step(i: int) -> None:
    try:
        state.plan_goals[i] = add_step(state.plan_goals[i], state.get(f"step-text-{i}") or "",
                                       state.get(f"step-date-{i}") or today, today)
        state[f"step-text-{i}"] = ""
        state.pop(f"step-date-{i}", None)  # the next step's date starts a fortnight further on
        state.pop(f"step-error-{i}", None)
    except PlanError as exc:
        state[f"step-error-{i}"] = str(exc)


def load_plan() -> None:
    upload = state.get("plan-upload")
    if upload is None:
        return
    try:
        plan = parse_plan(upload.getvalue().decode("utf-8", errors="replace"))
    except PlanError as exc:
        state["plan-load-error"] = f"That file is not a plan Mentor can load: {exc}"
        return
    state.pop("plan-load-error", None)
    state.plan_goals = list(plan.goals)
    state["goal-role"] = plan.role
    for i, goal in enumerate(plan.goals):
        state[f"know-{i}"] = goal.how_you_will_know
        state[f"ask-{i}"] = goal.ask_your_mentor


# -- pieces of the page ---------------------------------------------------------------------------

def show_citations(citations) -> None:
    for c in citations:
        st.caption(f"Source: {escape_markdown(c.title)} › {escape_markdown(c.section)}: "
                   f"“{escape_markdown(' '.join(c.highlights) or c.text)}”")


def show_check(result: GoalCheck) -> None:
    for c in result.criteria:
        st.markdown(f"{MARKS[c.status]} **{TEXTS[c.name].label}** ({'to discuss' if c.status == 'ask' else c.status}): "
                    f"{escape_markdown(c.prompt)}")
        show_citations(c.citations)


def show_examples() -> None:
    examples = {e.area: e for e in example_goals(guidance)}
    if not examples:
        return
    with st.expander("Example goals by area"):
        area = st.selectbox("Area", list(examples), index=None, key="goal-example-area", placeholder="Pick an area")
        if area:
            example = examples[area]
            st.markdown(f"*From:* “{escape_markdown(example.vague)}”  \n*To:* {escape_markdown(example.goal)}")
            if example.why:
                st.caption(escape_markdown(example.why))
            show_citations([example.citation])
            st.button("Start from this example", key="goal-use-example", on_click=use_example, args=(example.goal,))


def show_mentor_version() -> None:
    questions, cites = mentor_questions(guidance)
    with st.expander("For mentors: GROW questions to ask, and how to agree the goal together", expanded=True):
        st.markdown("\n".join(f"- {escape_markdown(q)}" for q in questions))
        show_citations(cites)


def show_draft(role: str) -> None:
    st.subheader("1. What you want, in your own words", anchor=False)
    who = "your mentee" if role == "mentor" else "you"
    st.text_area(f"What would {who} like to change or achieve? However vague is fine.", key="goal-hope",
                 max_chars=2000, placeholder="I want to be better at presenting")
    st.button("Turn it into a goal", key="goal-start", on_click=start_draft)
    show_examples()

    state.setdefault("goal-draft", "")
    draft = " ".join(state["goal-draft"].split())
    st.subheader("2. Your draft goal, checked as you write", anchor=False)
    st.text_area("Draft goal", key="goal-draft", max_chars=2000,
                 placeholder="By the end of April, I will give a ten-minute update at the all-hands…")
    if not draft:
        st.caption("Write a draft, or start from your words above or from an example.")
        return
    try:
        result = check(draft)
    except GoalInputError as exc:
        st.warning(str(exc), icon=":material/front_hand:")
        return
    show_check(result)
    if "time_bound" in result.missing:
        cols = st.columns([2, 1], vertical_alignment="bottom")
        cols[0].date_input("Pick a deadline", value=today + dt.timedelta(days=90), min_value=today, key="goal-deadline")
        cols[1].button("Add this deadline", key="goal-add-deadline", on_click=add_deadline)
    full = len(state.plan_goals) >= MAX_GOALS
    if result.ready:
        st.success("Specific, measurable and time-bound: this goal is ready.", icon=":material/flag:")
    st.button("Add this goal" if result.ready else "Add it as it is", key="goal-add", on_click=add_goal,
              type="primary" if result.ready else "secondary", disabled=full)
    if full:
        st.caption(f"A plan holds {MAX_GOALS} goals at most; keep other ideas in a later list.")


def show_goal(i: int, goal: PlanGoal, role: str) -> None:
    with st.container(border=True):
        st.markdown(f"**Goal {i + 1}:** {escape_markdown(goal.text)}")
        if goal.check and goal.check.missing:
            st.caption("Still to sharpen: " + ", ".join(TEXTS[n].label.lower() for n in goal.check.missing))
        for j, step in enumerate(goal.steps, start=1):
            st.markdown(f"{j}. {step.due:%d %b %Y}: {escape_markdown(step.text)}")
        if len(goal.steps) < MAX_STEPS:
            cols = st.columns([3, 2, 1], vertical_alignment="bottom")
            cols[0].text_input(f"Step {len(goal.steps) + 1}", key=f"step-text-{i}", max_chars=500,
                               placeholder="Draft the outline and share it with my mentor")
            cols[1].date_input("Due", value=today + dt.timedelta(days=14 * (len(goal.steps) + 1)), key=f"step-date-{i}")
            cols[2].button("Add step", key=f"step-add-{i}", on_click=add_goal_step, args=(i,))
        else:
            st.caption(f"{MAX_STEPS} steps is the most a goal takes.")
        if error := state.get(f"step-error-{i}"):
            st.warning(error, icon=":material/front_hand:")
        know = st.text_area("How you will know", key=f"know-{i}", max_chars=500,
                            placeholder="What you or others will see when it is done")
        ask = st.text_area("What to ask your mentee" if role == "mentor" else "What to ask your mentor",
                           key=f"ask-{i}", max_chars=500,
                           placeholder="e.g. feedback on a rehearsal, an introduction, how they handled it")
        state.plan_goals[i] = goal.model_copy(update={"how_you_will_know": know or "", "ask_your_mentor": ask or ""})
        st.button("Remove this goal", key=f"goal-remove-{i}", on_click=remove_goal, args=(i,), type="tertiary")


def show_plan(plan: Plan) -> None:
    st.subheader("4. Your mentoring plan", anchor=False)
    for m in plan.meetings:
        with st.expander(f"{m.title}: {m.date:%A %d %B %Y}"):
            st.markdown("\n".join(f"- {escape_markdown(a)}" for a in m.agenda))
            show_citations(m.citations)
    st.markdown("**Review dates:** " + ", ".join(f"{d:%d %B %Y}" for d in plan.review_dates))
    show_citations(plan.citations)
    cols = st.columns(3)
    for col, (fmt, label, mime) in zip(cols, (("md", "Markdown", "text/markdown"), ("ics", "Calendar (.ics)", "text/calendar"),
                                             ("json", "JSON (to continue later)", "application/json"))):
        col.download_button(label, data=render(plan, fmt), file_name=file_name(fmt, today), mime=mime,
                            key=f"plan-{fmt}", icon=":material/download:", on_click="ignore", width="stretch")


# -- the page -------------------------------------------------------------------------------------

role = st.radio("Whose goals?", list(ROLES), format_func=ROLES.get, key="goal-role", horizontal=True)
with st.expander("Continue a saved plan"):
    st.file_uploader("Load a plan you downloaded as JSON", type=["json"], key="plan-upload", on_change=load_plan)
    if error := state.get("plan-load-error"):
        st.warning(error)
if role == "mentor":
    show_mentor_version()
show_draft(role)

if state.plan_goals:
    st.subheader("3. Steps, and how you will know", anchor=False)
    for i, goal in enumerate(list(state.plan_goals)):
        show_goal(i, goal, role)
    first = st.date_input("First meeting with your mentor" if role == "mentee" else "First meeting with your mentee",
                          value=today + dt.timedelta(days=7), min_value=today, key="plan-first-meeting")
    try:
        show_plan(build_plan(state.plan_goals, role, first, guidance, today=today))
    except PlanError as exc:
        st.warning(str(exc), icon=":material/front_hand:")
