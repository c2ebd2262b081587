"""`mentor ask` and `mentor serve`: a question answered in the terminal, or the chat app started."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click

from assistant.cli.core import EXIT_INVALID, EXIT_OK, EXIT_OUT_OF_SCOPE, load_settings, main



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
def serve(port, host):
    """Run the Streamlit chat app (app.py)."""
    app = Path(__file__).resolve().parents[2] / "app.py"
    if not app.exists():
        raise click.ClickException(f"{app} not found; run `mentor serve` from a source checkout")
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port),
           "--server.address", host, "--browser.gatherUsageStats", "false", "--server.headless", "true"]
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.exit(subprocess.call(cmd))
