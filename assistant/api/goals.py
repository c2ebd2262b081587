"""The API's goal endpoints: POST /v1/goals/check and POST /v1/plans/render, behind the same keys and limit.

Nothing of a goal or a plan is stored: both are checked or rendered and sent back.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any, Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field

from assistant.api.access import current_caller, current_runtime
from assistant.api.errors import ERRORS, ApiError
from assistant.goals.checker import GoalChecker, GoalInputError
from assistant.goals.export import FORMATS, MEDIA_TYPES, file_name, render
from assistant.goals.models import GoalCheck
from assistant.goals.plan import PlanError, parse_plan

router = APIRouter(dependencies=[Depends(current_caller)])
_lock = threading.Lock()

GOAL_EXAMPLE = {"goal": "Get better at presenting to senior leaders"}
PLAN_EXAMPLE = {"format": "ics", "plan": {"role": "mentee", "goals": [
    {"text": "Give a ten-minute update at the monthly all-hands by the end of April",
     "steps": [{"text": "Draft the outline and share it with my mentor", "due": "2027-03-05"}]}],
    "review_dates": ["2027-05-01"]}}


class GoalCheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [GOAL_EXAMPLE]})

    goal: str = Field(description="The goal as the person wrote it: a sentence or two, up to 500 characters.")


class PlanRenderRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [PLAN_EXAMPLE]})

    plan: dict[str, Any] = Field(description="A Plan, as POST /v1/plans/render with format json returns it.")
    format: Literal["md", "ics", "json"] = "md"


def checker(runtime) -> GoalChecker:
    """One checker per loaded index version (its citations come from that version)."""
    bot = runtime.ready()
    data = bot.index
    with _lock:
        cached = getattr(runtime, "goal_checker", None)
        if cached is None or cached[0] is not data:
            cached = (data, GoalChecker(data, bot.embedder))
            runtime.goal_checker = cached
    return cached[1]


@router.post("/v1/goals/check", response_model=GoalCheck, responses=ERRORS, tags=["goals"])
def check_goal(body: GoalCheckRequest, runtime=Depends(current_runtime)) -> GoalCheck:
    """Each SMART criterion of a goal: specific, measurable and time-bound `met` or `missing` (with a
    concrete prompt), achievable and relevant `ask` (a question for the person), each with the guidance
    passages that explain it. An empty or over-long goal gets 422 with the fix. Nothing is stored."""
    try:
        return checker(runtime).check(body.goal)
    except GoalInputError as exc:
        raise ApiError(422, str(exc)) from None


@router.post("/v1/plans/render", responses=ERRORS | {200: {"content": {t: {} for t in MEDIA_TYPES.values()}}},
             tags=["goals"])
def render_plan(body: PlanRenderRequest) -> Response:
    """A mentoring plan as Markdown (with its citations), iCalendar (.ics) or JSON that loads back.
    A date in the past, more than six steps or three goals, or an empty goal gets 422 naming it. Nothing is stored."""
    try:
        plan = parse_plan(body.plan, today=dt.date.today())
    except PlanError as exc:
        raise ApiError(422, f"plan: {exc}") from None
    return Response(render(plan, body.format), media_type=MEDIA_TYPES[body.format],
                    headers={"Content-Disposition": f'attachment; filename="{file_name(body.format)}"'})


assert set(FORMATS) == set(MEDIA_TYPES)
