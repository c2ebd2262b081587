"""`mentor kb`: check, describe and add guidance documents in the knowledge folder."""

from __future__ import annotations

import json
import os
import sys
import tempfile

from pathlib import Path

import click

from assistant.cli.core import EXIT_ERROR, fail, load_settings, main
from assistant.errors import KnowledgeError
from assistant.models import AUDIENCES



def _author() -> str:
    """Who a save is recorded as. Imported here: the store (SQLAlchemy) stays off `mentor ask`'s path."""
    from assistant.store.documents import default_author

    return default_author()


@main.group()
def kb():
    """Check, describe, add, move and restore guidance documents (knowledge/*.md, or the database's)."""


@kb.command()
def validate():
    """Check every document and report every problem at once (file, field and fix).

    Exits 1 if there is any problem.
    """
    from assistant.knowledge import load_knowledge

    settings = load_settings()
    knowledge_store(settings)  # in database mode: bring the local folder up to the database first
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

    settings = load_settings()
    knowledge_store(settings)
    base = load_knowledge(settings.knowledge_dir)
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
    store = knowledge_store(settings)
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
        result = save_document(settings.knowledge_dir, draft, taxonomy, expected_hash=None, store=store,
                               author=_author())
    except KnowledgeError as exc:
        if body_file is None:  # don't lose what was typed in the editor
            fd, kept = tempfile.mkstemp(prefix=f"{draft.doc_id}-", suffix=".md")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(body)
            click.echo(f"Your text is kept in {kept}; fix it and run again with --body-file {kept}", err=True)
        fail(exc.problems)
    click.echo(f"Created knowledge/{result.path.name}" + (f" as {result.hash}" if store.kind == "database" else "")
               + ". Run `mentor index build` to make it answerable.")


def knowledge_store(settings):
    """The document store (the knowledge folder, or the database with the folder brought up to date)."""
    from assistant.store.documents import document_store

    return document_store(settings)


@kb.command("export")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def kb_export(folder):
    """Write every current document, topics.yaml and scope.yaml to FOLDER, as the knowledge folder holds them.

    FOLDER ends up holding exactly the current files: knowledge files there that are not current are
    removed (other files are left alone). Works in both modes; with PostgreSQL it is how to take the
    documents out of the database, into git or an editor.

    \b
    Examples:
      mentor kb export knowledge/          # the database's documents, back into the repository folder
      mentor kb export /tmp/kb-backup
    """
    from assistant.store.documents import mirror

    store = knowledge_store(load_settings())
    files = store.snapshot()
    changed = mirror(folder, files)
    click.echo(f"Exported {len(files)} files to {folder} ({changed} written or removed).")


@kb.command("import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def kb_import(folder):
    """Make FOLDER's documents, topics.yaml and scope.yaml the current knowledge.

    Everything is validated first, as `mentor kb validate` does: if any file has a problem, every
    problem is listed and nothing is written. With PostgreSQL, each changed file becomes a new revision
    (a file missing from FOLDER is deleted, as a revision too), in one transaction, and every instance
    picks the change up; run `mentor index build` to make it answerable.

    \b
    Examples:
      mentor kb import knowledge/          # the first import, or after curating files in git
    """
    from assistant.store.documents import knowledge_files, validate_folder

    settings = load_settings()
    store = knowledge_store(settings)
    try:
        validate_folder(folder)
    except KnowledgeError as exc:
        fail(exc.problems)
    counts = store.import_files(knowledge_files(folder), author=_author())
    click.echo(f"Imported {folder}: {counts['added']} added, {counts['changed']} changed, {counts['deleted']} deleted, "
               f"{counts['unchanged']} unchanged. Run `mentor index build` to make the changes answerable.")


@kb.command("history")
@click.argument("doc")
def kb_history(doc):
    """List the versions of DOC (a document id, topics.yaml or scope.yaml) that `mentor kb restore` can bring back.

    With PostgreSQL every save, import, deletion and restore is a revision. With files only the copies
    moved to knowledge/.trash/ are kept.

    \b
    Examples:
      mentor kb history finding-a-mentor
      mentor kb history topics.yaml
    """
    from assistant.staff.editing import document_history

    store = knowledge_store(load_settings())
    try:
        revisions = document_history(store, doc)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="DOC") from None
    if not revisions:
        click.echo(f"No versions of {doc} are kept" + (" (with files, only deleted copies in knowledge/.trash/ are)."
                                                         if store.kind == "files" else "."))
        sys.exit(EXIT_ERROR)
    for r in revisions:
        current = "  (current)" if store.kind == "database" and r is revisions[-1] and not r.deleted else ""
        click.echo(f"{r.revision:>4}  {r.created_at:%Y-%m-%d %H:%M:%S} UTC  {r.author or '-':<28} {r.note}{current}")


@kb.command("restore")
@click.argument("doc")
@click.argument("revision", type=click.IntRange(min=1))
def kb_restore(doc, revision):
    """Make REVISION of DOC current again (listed by `mentor kb history DOC`).

    The version is checked against today's topics first; nothing changes if it is not valid.
    With PostgreSQL the restore is itself a new revision, so it can be undone the same way.

    \b
    Examples:
      mentor kb restore finding-a-mentor 3
    """
    from assistant.errors import EditConflict
    from assistant.staff.editing import restore_document

    store = knowledge_store(load_settings())
    try:
        token = restore_document(store, doc, revision, author=_author())
    except (ValueError, LookupError, EditConflict) as exc:
        raise click.ClickException(str(exc).strip("'\"")) from None
    except KnowledgeError as exc:
        fail(exc.problems)
    click.echo(f"Restored version {revision} of {doc}" + (f" as {token}" if store.kind == "database" else "")
               + ". Run `mentor index build` to make it answerable.")
