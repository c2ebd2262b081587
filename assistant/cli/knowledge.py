"""`mentor kb`: check, describe and add guidance documents in the knowledge folder."""

from __future__ import annotations

import json
import os
import sys
import tempfile

import click

from assistant.cli.core import EXIT_ERROR, fail, load_settings, main
from assistant.errors import KnowledgeError
from assistant.models import AUDIENCES



@main.group()
def kb():
    """Check and describe the knowledge base (knowledge/*.md)."""


@kb.command()
def validate():
    """Check every document and report every problem at once (file, field and fix).

    Exits 1 if there is any problem.
    """
    from assistant.knowledge import load_knowledge

    settings = load_settings()
    base = load_knowledge(settings.knowledge_dir)  # never raises: every problem is listed
    for problem in base.problems:
        click.echo(str(problem), err=True)
    for warning in base.warnings:  # for review, not failures: instruction-like text, raw HTML, remote links
        click.echo(f"warning: {warning}", err=True)
    if base.problems:
        click.echo(f"\n{len(base.problems)} problem(s) in {settings.knowledge_dir}; the index keeps serving the last "
                   "good build until they are fixed.", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(f"OK: {len(base.documents)} documents, {len(base.topics)} topics, no problems.")


@kb.command()
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
def stats(as_json):
    """Documents and passages per topic and audience, words per document, and what needs attention."""
    from assistant.staff.stats import kb_stats
    from assistant.knowledge import load_knowledge

    base = load_knowledge(load_settings().knowledge_dir)
    s = kb_stats(base)
    if as_json:
        click.echo(json.dumps(s, indent=2))
        return
    click.echo(f"{s['documents']} documents, {s['passages']} passages, {s['words_total']:,} words\n")
    click.echo(f"{'topic':<28}{'docs':>6}{'primary':>9}{'passages':>10}")
    for topic, row in s["topics"].items():
        mark = "  <- thin" if row["documents"] < 3 else ""
        click.echo(f"{topic:<28}{row['documents']:>6}{row['primary']:>9}{row['passages']:>10}{mark}")
    click.echo("\naudience: " + ", ".join(f"{k} {v}" for k, v in s["audience"].items()))
    counts = sorted(s["words_per_document"].values())
    if counts:
        click.echo(f"words per document: min {counts[0]}, median {counts[len(counts) // 2]}, max {counts[-1]}")
    for flag, items in s["flags"].items():
        click.echo(f"\n{flag}: {len(items)}")
        for item in items[:20]:
            click.echo(f"  - {item}")
    if base.problems:
        click.echo(f"\n{len(base.problems)} document(s) have problems; run `mentor kb validate`.", err=True)


@kb.command("new")
@click.argument("title")
@click.option("--id", "doc_id", default="", help="File name without .md. Default: made from the title.")
@click.option("--topic", "-t", "topics", multiple=True, help="A topic slug from knowledge/topics.yaml; 1 to 3, "
              "the first is primary. Repeatable.")
@click.option("--audience", "-a", multiple=True, type=click.Choice(AUDIENCES),
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
    from assistant.staff.editing import Draft, new_draft, save_document, validate_draft
    from assistant.knowledge import load_topics

    settings = load_settings()
    taxonomy = load_topics(settings.knowledge_dir)
    draft = Draft(id=doc_id, title=title, topics=list(topics), audience=list(audience), summary=summary,
                  source=source)
    # Check the front matter before anyone writes a body for it.
    problems = [p for p in validate_draft(settings.knowledge_dir, draft.model_copy(update={"body": "x"}), taxonomy,
                                          new=True)]
    if problems:
        fail(problems)
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
        fail(exc.problems)
    click.echo(f"Created knowledge/{result.path.name}. Run `mentor index build` to make it answerable.")
