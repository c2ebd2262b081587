"""Staff workspace commands: `mentor gaps`, `mentor feedback export`, `mentor staff set-password|status|unlock`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from assistant.cli.core import DATE, day_start, load_settings, main, open_storage

# -- mentor gaps ---------------------------------------------------------------------------------
@main.command("gaps")
@click.option("--since", type=DATE, help="Only questions asked on or after this date (YYYY-MM-DD, UTC).")
@click.option("--threshold", type=click.FloatRange(0, 1), default=None,
              help="Similarity (0-1) at which questions join one theme; higher makes more, tighter themes.")
@click.option("--examples", default=3, show_default=True, type=click.IntRange(1, 50),
              help="Example questions shown per theme.")
@click.option("--json", "as_json", is_flag=True, help="Print the themes as JSON.")
def gaps(since, threshold, examples, as_json):
    """Questions the guidance did not serve well, grouped into themes to write about.

    A gap is a question declined as out of scope, answered with low confidence, or rated thumbs down.

    \b
    Examples:
      mentor gaps
      mentor gaps --since 2026-11-01 --examples 5
      mentor gaps --json > gaps.json
    """
    from assistant.embedding import Embedder
    from assistant.staff.insights import THEME_THRESHOLD, gap_themes
    from assistant.knowledge import load_knowledge

    settings = load_settings()
    themes = gap_themes(open_storage(settings), Embedder(settings.model), day_start(since),
                        min_confidence=settings.min_confidence,
                        threshold=THEME_THRESHOLD if threshold is None else threshold,
                        documents=load_knowledge(settings.knowledge_dir).documents)
    if as_json:
        click.echo(json.dumps([{"label": t.label, "title": t.title, "count": t.count, "reasons": dict(t.reasons),
                                "related_documents": [d for d, _ in t.related], "suggested_topics": t.topics,
                                "questions": [q.text for q in t.questions]}
                               for t in themes], indent=2))
        return
    period = f" since {since:%Y-%m-%d}" if since else ""
    if not themes:
        click.echo(f"No content gaps{period}: every logged question was answered with confidence and none was "
                   "rated thumbs down (or question logging is off).")
        return
    total = sum(t.count for t in themes)
    click.echo(f"{len(themes)} theme(s) from {total} gap question(s){period}:\n")
    for n, theme in enumerate(themes, 1):
        why = ", ".join(f"{reason} {count}" for reason, count in theme.reasons.most_common())
        click.echo(f"{n}. {theme.label}  ({theme.count} asked: {why})")
        if theme.related:
            click.echo(f"   related documents: {', '.join(d for d, _ in theme.related)} "
                       f"(topics: {', '.join(theme.topics)})")
        for q in theme.examples[:examples]:
            click.echo(f"   - {q}")
    click.echo('\nDraft a document for a theme with: mentor kb new "TITLE" -t TOPIC -a AUDIENCE -s "SUMMARY"')

# -- mentor feedback export ----------------------------------------------------------------------
@main.group("feedback")
def feedback():
    """Ratings people gave to answers."""

@feedback.command("export")
@click.option("--since", type=DATE, help="Only rows from this date on (YYYY-MM-DD, UTC).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True, allow_dash=True), default="-",
              show_default=True, help="CSV file to write; '-' prints to stdout.")
@click.option("--interactions", is_flag=True, help="Export every logged question instead of the ratings.")
def feedback_export(since, output, interactions):
    """Export ratings (or, with --interactions, questions) as CSV.

    Cells that a spreadsheet would run as a formula are prefixed with ' so they open as text.

    \b
    Examples:
      mentor feedback export -o feedback.csv
      mentor feedback export --since 2026-11-01 --interactions -o questions.csv
    """
    from assistant.staff.insights import feedback_csv, interactions_csv

    storage = open_storage(load_settings())
    text = (interactions_csv if interactions else feedback_csv)(storage, day_start(since))
    if output == "-":
        click.echo(text, nl=False)
    else:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"Wrote {text.count(chr(10)) - 1} row(s) to {output}", err=True)

# -- mentor staff --------------------------------------------------------------------------------
@main.group("staff")
def staff():
    """The staff area's password and lockout."""

@staff.command("set-password")
@click.option("--env-file", type=click.Path(dir_okay=False), default=".env", show_default=True,
              help="The .env file to write MENTOR_STAFF_PASSWORD_HASH to.")
@click.option("--secrets", "to_secrets", is_flag=True,
              help="Write staff_password_hash to .streamlit/secrets.toml instead of .env.")
def set_password(env_file, to_secrets):
    """Set the staff password: prompts twice, stores only its argon2 hash.

    By default the hash goes into .env as MENTOR_STAFF_PASSWORD_HASH, which both the app and the
    CLI read. A running app picks it up on the next page load; signed-in staff are signed out.

    \b
    Examples:
      mentor staff set-password
      mentor staff set-password --secrets     # .streamlit/secrets.toml instead
    """
    from assistant.staff.auth import ENV_KEY, SECRETS_FILE, hash_password, write_env_hash, write_secrets_hash

    password = click.prompt("New staff password", hide_input=True, confirmation_prompt="Type it again")
    password_hash = hash_password(password)  # AuthError (too short) becomes a short message
    if to_secrets:
        path = write_secrets_hash(SECRETS_FILE, password_hash)
        click.echo(f"Staff password set: staff_password_hash in {path}.")
        if load_settings().staff_password_hash is not None:
            click.echo(f"Note: {ENV_KEY} is also set (environment or .env) and takes precedence; remove it "
                       "for this password to apply.", err=True)
    else:
        path = write_env_hash(Path(env_file), password_hash)
        click.echo(f"Staff password set: {ENV_KEY} in {path}.")
        if os.environ.get(ENV_KEY):
            click.echo(f"Note: {ENV_KEY} is also set in the environment, which takes precedence over {path}; "
                       "unset it for this password to apply.", err=True)

@staff.command("status")
def staff_status():
    """Say whether the staff area is on, where its password comes from, and whether sign-in is locked."""
    from assistant.staff.auth import StaffGate

    settings = load_settings()
    gate = StaffGate.from_settings(settings, open_storage(settings))
    problem = gate.credential.problem()
    click.echo(f"staff area: off. {problem}" if problem else f"staff area: on (password hash from "
                                                             f"{gate.credential.source})")
    state = gate.state()
    if state.locked:
        click.echo(gate.locked_message(state))
    else:
        click.echo(f"sign-in: open, {state.attempts_left} attempt(s) left before a lockout")

@staff.command("unlock")
def staff_unlock():
    """End a sign-in lockout now (forgets past failed attempts)."""
    from assistant.staff.auth import StaffGate

    settings = load_settings()
    StaffGate.from_settings(settings, open_storage(settings)).unlock()
    click.echo("Staff sign-in unlocked.")
