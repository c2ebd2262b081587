"""The shared core of the `mentor` command line: the top-level group, settings, exit codes.

Each command group lives in its own module beside this one and registers onto `main`;
assistant/cli/__init__.py imports them all. Every command works through the package, like the UI does.
"""

from __future__ import annotations

import datetime as dt
import sys

import click

from assistant.config import Settings
from assistant.errors import MentorError

EXIT_OK, EXIT_ERROR, EXIT_INVALID, EXIT_OUT_OF_SCOPE = 0, 1, 2, 3
DATE = click.DateTime(formats=["%Y-%m-%d"])


def load_settings() -> Settings:
    """The settings, with a bad value shown as a short message instead of a traceback."""
    try:
        return Settings()
    except Exception as exc:  # pydantic's ValidationError: show it as a setting problem
        raise click.ClickException(f"invalid setting: {exc}") from exc


def open_storage(current: Settings):
    """The interactions database named by the settings."""
    from assistant.store.storage import Storage

    return Storage.from_settings(current)


def day_start(value: dt.datetime | None) -> dt.datetime | None:
    """A --since date (naive, from click) as the start of that day in UTC."""
    return value.replace(tzinfo=dt.timezone.utc) if value else None


def fail(problems) -> None:
    """Print every problem, say nothing was written, and exit 1."""
    for problem in problems:
        click.echo(str(problem), err=True)
    click.echo(f"{len(problems)} problem(s); nothing was written.", err=True)
    sys.exit(EXIT_ERROR)


class MentorGroup(click.Group):
    """Turns MentorError into a short message and exit code 1, without a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except MentorError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(EXIT_ERROR)


@click.group(cls=MentorGroup)
@click.version_option(package_name="mentor-assistant")
def main():
    """Mentor: answers mentoring questions from curated, cited guidance.

    \b
    Examples:
      mentor ask "How do I find a mentor?"
      mentor ask "What should I say to them?" --history "How do I find a mentor in my field?"
      mentor kb validate
      mentor index build
      mentor serve

    Settings come from MENTOR_* environment variables or .env (see README.md).
    """
