"""`mentor goal check`, `mentor plan render` and `mentor eval-goals`: goals checked against SMART with
cited prompts, a plan file rendered, and the checker measured on labelled goals."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from assistant.cli.core import EXIT_INVALID, load_settings, main


def _bot():
    from assistant.pipeline import Assistant

    bot = Assistant.from_settings(load_settings())
    for warning in bot.warnings:
        click.echo(f"Warning: {warning}", err=True)
    return bot


@main.group()
def goal():
    """Check a goal against SMART, with a cited prompt for each criterion."""


@goal.command(name="check")
@click.argument("text")
@click.option("--json", "as_json", is_flag=True, help="Print the check as JSON: goal, then criteria with citations.")
def goal_check(text, as_json):
    """Check the goal TEXT: specific, measurable and time-bound are met or missing (with a fix);
    achievable and relevant are questions to answer. Exit 0 all three met, 4 some missing, 2 invalid goal.

    \b
    Examples:
      mentor goal check "Get better at public speaking"
      mentor goal check "Give a 10-minute talk at the team meeting by the end of March" --json
    """
    from assistant.goals.checker import GoalChecker, GoalInputError, clean_goal, format_check

    try:
        clean_goal(text)  # refuse bad input before loading the model and the index
    except GoalInputError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_INVALID)
    bot = _bot()
    result = GoalChecker(bot.index, bot.embedder).check(text)
    click.echo(result.model_dump_json(indent=2) if as_json else format_check(result))
    sys.exit(0 if result.ready else 4)


@main.group()
def plan():
    """Mentoring plans: render a plan file (JSON, as the Goals page exports it) as Markdown, iCalendar or JSON."""


@plan.command(name="render")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["md", "ics", "json"]), default="md", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of printing.")
@click.option("--allow-past", is_flag=True, help="Render dates that have passed (an older plan) instead of refusing them.")
def plan_render(file, fmt, output, allow_past):
    """Render the plan FILE (JSON) in another format. Dates in the past are refused unless --allow-past.

    \b
    Examples:
      mentor plan render mentoring-plan.json --format ics -o plan.ics
      mentor plan render mentoring-plan.json --format md
    """
    from assistant.goals.export import render
    from assistant.goals.plan import PlanError, parse_plan

    try:
        parsed = parse_plan(file.read_text(encoding="utf-8"), today=None if allow_past else dt.date.today())
    except PlanError as exc:
        click.echo(f"Error: {file}: {exc}", err=True)
        sys.exit(EXIT_INVALID)
    data = render(parsed, fmt)
    if output:
        output.write_bytes(data)
        click.echo(f"Wrote {output}")
    else:
        click.echo(data.decode("utf-8"), nl=False)


@main.command(name="eval-goals")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--split", default="test", show_default=True, help="tune, test or all.")
@click.option("--calibrate", is_flag=True, help="Fit the checker's model on the tune split and save it "
              "(assistant/goals/goal-model.json), then report on --split.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), help="Also write the report here.")
@click.option("--quiet", is_flag=True, help="Print only the figures, not each wrong call.")
def eval_goals(file, split, calibrate, json_out, quiet):
    """Precision and recall of the goal checker per criterion on a labelled goals FILE.

    \b
    Examples:
      mentor eval-goals evaluation/goals.jsonl --split test
      mentor eval-goals evaluation/goals.jsonl --split tune --calibrate
    """
    from assistant.embedding import Embedder
    from assistant.quality.goals import calibrate as fit_model, evaluate_goals, format_report

    embedder = Embedder(load_settings().model)
    model = None
    try:
        if calibrate:
            model, cv, path = fit_model(file, embedder)
            click.echo(f"Fitted on the tune split of {file}; saved {path}. Cross-validated on tune:")
            for name, f in cv.items():
                click.echo(f"  {name:<11} precision {f['cv_precision']:.3f} recall {f['cv_recall']:.3f} "
                           f"(L2 {f['l2']}, embedding scale {f['embedding_scale']}, threshold {f['threshold']})")
            click.echo("")
        report = evaluate_goals(file, split, embedder, model)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(format_report(report, show_errors=not quiet))
    if json_out:
        json_out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        click.echo(f"\nWrote {json_out}")
