"""`mentor index`: build the search index and say whether it is current."""

from __future__ import annotations

import sys

import click

from assistant.cli.core import EXIT_ERROR, EXIT_OK, load_settings, main
from assistant.errors import KnowledgeError



@main.group()
def index():
    """Build and inspect the search index (index/)."""


@index.command()
@click.option("--quiet", is_flag=True, help="Print only the summary line.")
@click.option("--force", is_flag=True, help="PostgreSQL only: build even when the published index is already at "
              "the current knowledge.")
def build(quiet, force):
    """Build the index from the knowledge folder and make it live atomically.

    Only passages whose text changed are embedded again. If any document has a problem, nothing
    changes and the previous index keeps serving.

    With MENTOR_DATABASE_URL on PostgreSQL the build reads the database's documents, waits while
    another instance builds, and publishes the result to every instance (which swap it in within
    seconds); when the published index is already at the current knowledge, it is used as it is.
    """
    from assistant.embedding import Embedder
    from assistant.index import build_index

    settings = load_settings()

    def progress(fraction, message):
        if not quiet:
            click.echo(f"[{fraction:4.0%}] {message}")

    try:
        if settings.shared:
            from assistant.store.publish import shared_build

            report = shared_build(settings, Embedder(settings.model), progress=progress, force=force)
        else:
            report = build_index(settings, Embedder(settings.model), progress=progress)
    except KnowledgeError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo("Index not rebuilt; the previous index keeps serving. Fix the problems above and run again.", err=True)
        sys.exit(EXIT_ERROR)
    if not report.built:
        click.echo(f"Not rebuilt: {report.reason} ({report.passages} passages) -> {report.version_dir}")
        return
    click.echo(f"Built {report.passages} passages in {report.seconds:.1f}s "
               f"({report.embedded} texts embedded, {report.cached} from cache) -> {report.version_dir}")


@index.command()
def status():
    """Say whether the index is up to date, stale (and which files changed), missing or damaged."""
    from assistant.index import index_status

    settings = load_settings()
    if settings.shared:  # compare with the database's documents, not a local copy that may lag
        from assistant.store.documents import document_store

        document_store(settings)
    st = index_status(settings)
    click.echo(f"{st.label}: {st.detail}")
    for name in st.changed:
        click.echo(f"  changed: {name}")
    if st.state != "up_to_date":
        click.echo("Rebuild it with `mentor index build` (the app also rebuilds on start unless "
                   "MENTOR_AUTO_REBUILD=false).")
    sys.exit(EXIT_OK if st.state == "up_to_date" else EXIT_ERROR)
