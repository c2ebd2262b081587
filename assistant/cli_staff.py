"""Staff commands for the `mentor` CLI: the command-line side of the staff workspace.

`register(main, kb)` adds them to the groups defined in assistant/cli.py:
`mentor kb new`, `mentor gaps`, `mentor feedback export`, `mentor staff set-password|status|unlock`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
from pathlib import Path

import click

from assistant.errors import KnowledgeError

DATE = click.DateTime(formats=["%Y-%m-%d"])


def _settings():
    from assistant.cli import _settings as settings  # imported late: cli.py imports this module at its end

    return settings()


def _since(value: dt.datetime | None) -> dt.datetime | None:
    return value.replace(tzinfo=dt.timezone.utc) if value else None


def _storage(settings):
    from assistant.storage import Storage

    return Storage.from_settings(settings)


# -- mentor kb new -------------------------------------------------------------------------------
@click.command("new")
@click.argument("title")
@click.option("--id", "doc_id", default="", help="File name without .md. Default: made from the title.")
@click.option("--topic", "-t", "topics", multiple=True, help="A topic slug from knowledge/topics.yaml; 1 to 3, "
              "the first is primary. Repeatable.")
@click.option("--audience", "-a", multiple=True, type=click.Choice(["mentee", "mentor", "program-staff"]),
              help="Who it is for. Repeatable.")
@click.option("--summary", "-s", default="", help="One sentence: what the reader gets from it.")
@click.option("--source", default=None, help="Optional attribution of a framework or fact.")
@click.option("--body-file", type=click.File("r", encoding="utf-8"),
              help="Markdown body to use ('-' reads stdin). Without it, your $EDITOR opens on a skeleton.")
def kb_new(title, doc_id, topics, audience, summary, source, body_file):
    """Create a document in the knowledge folder, checked like `mentor kb validate`.

    Nothing is written unless the whole document is valid. The index picks it up at the next
    `mentor index build` (or the staff page's Rebuild).

    \b
    Examples:
      mentor kb new "Negotiating a raise with your mentor's help" -t career-transitions -a mentee \\
          -s "How a mentor can help you prepare for a pay conversation." --body-file raise.md
      mentor kb new "Mentoring in a hybrid team" -t mentoring-formats -a mentor -s "..."   # opens $EDITOR
    """
    from assistant.editing import Draft, new_draft, save_document, validate_draft
    from assistant.knowledge import load_topics

    settings = _settings()
    taxonomy = load_topics(settings.knowledge_dir)
    draft = Draft(id=doc_id, title=title, topics=list(topics), audience=list(audience), summary=summary,
                  source=source)
    # Check the front matter before anyone writes a body for it.
    problems = [p for p in validate_draft(settings.knowledge_dir, draft.model_copy(update={"body": "x"}), taxonomy,
                                          new=True)]
    if problems:
        _fail(problems)
    if body_file is not None:
        body = body_file.read()
    else:
        if not sys.stdin.isatty():
            raise click.UsageError("give the body with --body-file FILE (or '-' for stdin) when not at a terminal")
        body = click.edit(new_draft(title).body, extension=".md")
        if body is None:
            raise click.ClickException("the editor closed without saving; nothing was created")
    draft = draft.model_copy(update={"body": body})
    try:
        result = save_document(settings.knowledge_dir, draft, taxonomy, expected_hash=None)
    except KnowledgeError as exc:
        if body_file is None:  # don't lose what was typed in the editor
            fd, kept = tempfile.mkstemp(prefix=f"{draft.doc_id}-", suffix=".md")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(body)
            click.echo(f"Your text is kept in {kept}; fix it and run again with --body-file {kept}", err=True)
        _fail(exc.problems)
    click.echo(f"Created knowledge/{result.path.name}. Run `mentor index build` to make it answerable.")


def _fail(problems):
    for problem in problems:
        click.echo(str(problem), err=True)
    click.echo(f"{len(problems)} problem(s); nothing was written.", err=True)
    sys.exit(1)


# -- mentor gaps ---------------------------------------------------------------------------------
@click.command("gaps")
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
    from assistant.insights import THEME_THRESHOLD, gap_themes
    from assistant.knowledge import load_knowledge

    settings = _settings()
    themes = gap_themes(_storage(settings), Embedder(settings.model), _since(since),
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
@click.group("feedback")
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
    from assistant.insights import feedback_csv, interactions_csv

    storage = _storage(_settings())
    text = (interactions_csv if interactions else feedback_csv)(storage, _since(since))
    if output == "-":
        click.echo(text, nl=False)
    else:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"Wrote {text.count(chr(10)) - 1} row(s) to {output}", err=True)


# -- mentor staff --------------------------------------------------------------------------------
@click.group("staff")
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
    from assistant.auth import ENV_KEY, SECRETS_FILE, hash_password, write_env_hash, write_secrets_hash

    password = click.prompt("New staff password", hide_input=True, confirmation_prompt="Type it again")
    password_hash = hash_password(password)  # AuthError (too short) becomes a short message
    if to_secrets:
        path = write_secrets_hash(SECRETS_FILE, password_hash)
        click.echo(f"Staff password set: staff_password_hash in {path}.")
        if _settings().staff_password_hash is not None:
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
    from assistant.auth import StaffGate

    settings = _settings()
    gate = StaffGate.from_settings(settings, _storage(settings))
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
    from assistant.auth import StaffGate

    settings = _settings()
    StaffGate.from_settings(settings, _storage(settings)).unlock()
    click.echo("Staff sign-in unlocked.")


def register(main: click.Group, kb: click.Group) -> None:
    """Add the staff commands to the `mentor` group and its `kb` group."""
    kb.add_command(kb_new)
    main.add_command(gaps)
    main.add_command(feedback)
    main.add_command(staff)
