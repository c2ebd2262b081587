"""`mentor ask` and `mentor serve`: a question answered in the terminal, or the chat app started."""

from __future__ import annotations

import logging
import os
import sys
import threading
from pathlib import Path

import click

from assistant.cli.core import EXIT_INVALID, EXIT_OK, EXIT_OUT_OF_SCOPE, load_settings, main

WARM_UP_THREAD = "mentor-warm-up"


@main.command()
@click.argument("question")
@click.option("--history", "-H", multiple=True, help="An earlier user turn, oldest first. Repeatable.")
@click.option("--json", "as_json", is_flag=True, help="Print the full answer as JSON.")
def ask(question, history, as_json):
    """Ask QUESTION and print a cited answer.

    Exit codes: 0 answered (or a support reply, status "support"), 3 out of scope, 2 invalid input, 1 error.

    \b
    Example:
      mentor ask "How do I set goals with my mentor?" --json
    """
    from assistant.pipeline import Assistant

    bot = Assistant.from_settings(load_settings())
    for warning in bot.warnings:
        click.echo(f"Warning: {warning}", err=True)
    answer = bot.ask(question, history=list(history))
    if as_json:
        click.echo(answer.model_dump_json(indent=2))
    else:
        click.echo(answer.text)
        if answer.citations:
            click.echo("\nSources:")
            for c in answer.citations:
                click.echo(f"  [{c.number}] {c.title} › {c.section}  ({', '.join(c.topics)})  knowledge/{c.doc_id}.md")
    code = {"answered": EXIT_OK, "support": EXIT_OK, "out_of_scope": EXIT_OUT_OF_SCOPE,
            "invalid_input": EXIT_INVALID}[answer.status]
    sys.exit(code)


@main.command()
@click.option("--port", default=8501, show_default=True, help="Port to listen on.")
@click.option("--host", default="localhost", show_default=True, help="Address to bind.")
@click.option("--no-warm-up", is_flag=True, help="Load the model and index on the first visit instead of at start.")
def serve(port, host, no_warm_up):
    """Run the Streamlit chat app (app.py).

    The model, the index, the database and redaction load in the background as the server starts, so the first
    visitor does not wait for them; "Mentor is ready" is printed once they have.
    """
    app = Path(__file__).resolve().parents[2] / "app.py"
    if not app.exists():
        raise click.ClickException(f"{app} not found; run `mentor serve` from a source checkout")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    # Streamlit runs in this process, so what the warm-up loads into the pages' st.cache_resource is
    # what the first session finds there. Its script imports views.shared from the checkout, as here.
    if str(app.parent) not in sys.path:
        sys.path.insert(0, str(app.parent))
    if not no_warm_up:
        threading.Thread(target=_warm_up, name=WARM_UP_THREAD, daemon=True).start()
    from streamlit.web import cli as streamlit_cli

    sys.exit(streamlit_cli.main(["run", str(app), "--server.port", str(port), "--server.address", host],
                                prog_name="streamlit", standalone_mode=False))


class _NotFromWarmUp(logging.Filter):
    """Streamlit warns that a thread has no script run when the warm-up fills its cache; that is expected."""

    def filter(self, record: logging.LogRecord) -> bool:
        return threading.current_thread().name != WARM_UP_THREAD


def _warm_up() -> None:
    """Load what every page needs before anyone asks. A failure is left for the page to show."""
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_NotFromWarmUp())
    try:
        from views.shared import warm_up

        seconds = warm_up()
    except Exception as exc:  # noqa: BLE001 - the first visit shows the same error, worded for a visitor
        click.echo(f"Mentor could not load at start ({type(exc).__name__}: {exc}); the page will say why.", err=True)
        return
    click.echo(f"Mentor is ready: model, index, database and redaction loaded in {seconds:.1f}s.", err=True)
