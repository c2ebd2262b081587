"""The `mentor` command line. Every command works through the package, like the UI does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click

from assistant.config import Settings
from assistant.errors import KnowledgeError, MentorError

EXIT_OK, EXIT_ERROR, EXIT_INVALID, EXIT_OUT_OF_SCOPE = 0, 1, 2, 3


def _settings() -> Settings:
    try:
        return Settings()
    except Exception as exc:  # pydantic's ValidationError: show it as a setting problem
        raise click.ClickException(f"invalid setting: {exc}") from exc


class _Group(click.Group):
    """Turns MentorError into a short message and exit code 1, without a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except MentorError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(EXIT_ERROR)


@click.group(cls=_Group)
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


@main.command()
@click.argument("question")
@click.option("--history", "-H", multiple=True, help="An earlier user turn, oldest first. Repeatable.")
@click.option("--json", "as_json", is_flag=True, help="Print the full answer as JSON.")
def ask(question, history, as_json):
    """Ask QUESTION and print a cited answer.

    Exit codes: 0 answered, 3 out of scope, 2 invalid input, 1 error.

    \b
    Example:
      mentor ask "How do I set goals with my mentor?" --json
    """
    from assistant.pipeline import Assistant

    bot = Assistant.from_settings(_settings())
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
    code = {"answered": EXIT_OK, "out_of_scope": EXIT_OUT_OF_SCOPE, "invalid_input": EXIT_INVALID}[answer.status]
    sys.exit(code)


@main.group()
def kb():
    """Check and describe the knowledge base (knowledge/*.md)."""


@kb.command()
def validate():
    """Check every document and report every problem at once (file, field and fix).

    Exits 1 if there is any problem.
    """
    from assistant.knowledge import load_knowledge

    settings = _settings()
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
    from assistant.curation import kb_stats
    from assistant.knowledge import load_knowledge

    base = load_knowledge(_settings().knowledge_dir)
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


@main.group()
def index():
    """Build and inspect the search index (index/)."""


@index.command()
@click.option("--quiet", is_flag=True, help="Print only the summary line.")
def build(quiet):
    """Build the index from the knowledge folder and make it live atomically.

    Only passages whose text changed are embedded again. If any document has a problem, nothing
    changes and the previous index keeps serving.
    """
    from assistant.embedding import Embedder
    from assistant.index import build_index

    settings = _settings()

    def progress(fraction, message):
        if not quiet:
            click.echo(f"[{fraction:4.0%}] {message}")

    try:
        report = build_index(settings, Embedder(settings.model), progress=progress)
    except KnowledgeError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo("Index not rebuilt; the previous index keeps serving. Fix the problems above and run again.", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(f"Built {report.passages} passages in {report.seconds:.1f}s "
               f"({report.embedded} texts embedded, {report.cached} from cache) -> {report.version_dir}")


@index.command()
def status():
    """Say whether the index is up to date, stale (and which files changed), missing or damaged."""
    from assistant.index import index_status

    st = index_status(_settings())
    click.echo(f"{st.label}: {st.detail}")
    for name in st.changed:
        click.echo(f"  changed: {name}")
    sys.exit(EXIT_OK if st.state == "up_to_date" else EXIT_ERROR)


@main.command(name="eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--split", default="test", show_default=True, help="tune, test or all.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), help="Also write the report here.")
@click.option("--mode", type=click.Choice(["hybrid", "dense", "bm25"]), help="Override MENTOR_RETRIEVAL.")
@click.option("--calibrate", is_flag=True, help="Fit the out-of-scope model on these cases and print it.")
@click.option("--quiet", is_flag=True, help="Print only the metrics table, not each miss.")
@click.option("--answers", "answers_out", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write every question with its answer and sources here (Markdown), for review.")
@click.option("--llm", "with_llm", is_flag=True,
              help="Also measure generated answers against MENTOR_LLM_URL (kept sentences, fallbacks, latency).")
@click.option("--limit", type=int, help="With --llm: measure at most this many questions.")
def evaluate_cmd(file, split, json_out, mode, calibrate, quiet, answers_out, with_llm, limit):
    """Run every case of a gold FILE through Assistant.ask and report quality.

    \b
    Examples:
      mentor eval evaluation/gold.jsonl --split test
      mentor eval evaluation/gold.jsonl --split tune --calibrate
      mentor eval evaluation/gold.jsonl --mode dense --json /tmp/dense.json
      mentor eval evaluation/holdout2.jsonl --answers evaluation/answers-holdout.md
      MENTOR_LLM_URL=http://localhost:11434/v1 mentor eval evaluation/gold.jsonl --split test --llm
    """
    from assistant.evaluation import evaluate, evaluate_llm, format_llm_report, format_report, write_answers, write_json
    from assistant.pipeline import Assistant

    settings = _settings()
    if with_llm and not settings.llm_url:
        raise click.ClickException("--llm needs MENTOR_LLM_URL set to the endpoint to measure (see docs/llm.md)")
    if mode:
        settings = settings.model_copy(update={"retrieval": mode})
    # The quality figures are the extractive answer's, whatever MENTOR_LLM_URL says; --llm measures generation.
    bot = Assistant.from_settings(settings.model_copy(update={"llm_url": None}))
    bot.ask("warm-up question about mentoring")  # the first call pays one-off costs
    report = evaluate(bot, file, split, calibrate_scope=calibrate)
    if quiet:
        report_view = dict(report, misses=[])
    else:
        report_view = report
    click.echo(format_report(report_view))
    if json_out:
        write_json(report, json_out)
        click.echo(f"\nWrote {json_out}")
    if answers_out:
        write_answers(report, answers_out)
        click.echo(f"\nWrote {answers_out}")
    if with_llm:
        llm_report = evaluate_llm(settings, bot.embedder, file, split, limit=limit)
        click.echo(format_llm_report(llm_report))
        if json_out:
            path = json_out.with_name(json_out.stem + "-llm" + json_out.suffix)
            write_json(llm_report, path)
            click.echo(f"\nWrote {path}")


@main.command(name="eval-support")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--fit", is_flag=True, help="Refit the weight and threshold on the calibrate pairs and save them.")
def eval_support(file, fit):
    """Precision and recall of the citation check on the held-out pairs of a support FILE.

    \b
    Examples:
      mentor eval-support evaluation/support.jsonl
      mentor eval-support evaluation/support.jsonl --fit   # refit, save assistant/support.json
    """
    from assistant.embedding import Embedder
    from assistant.evaluation import format_support_report, support_report

    click.echo(format_support_report(support_report(file, Embedder(_settings().model), fit=fit)))


@main.command(name="eval-redaction")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--quiet", is_flag=True, help="Print only the figures, not each miss.")
def eval_redaction(file, quiet):
    """Redaction recall per category and overall, over-redaction of ordinary questions, and timings.

    \b
    Example:
      mentor eval-redaction evaluation/redaction.jsonl
    """
    from assistant.redaction_eval import evaluate_redaction

    report = evaluate_redaction(file)
    click.echo("\n".join(report.lines()))
    if report.misses and not quiet:
        click.echo("\n" + "\n".join(report.misses))


@main.command()
@click.option("--gold", type=click.Path(path_type=Path), default=Path("evaluation/gold.jsonl"), show_default=True,
              help="Questions to time (single-turn cases are used).")
@click.option("--rounds", default=1, show_default=True, help="Passes over the questions for latency.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), help="Also write figures here.")
def bench(gold, rounds, json_out):
    """Print speed and memory figures: ask() latency against a bare query embedding, full and
    incremental build times, cold start against a bare model load, and peak RSS.

    \b
    Example:
      mentor bench --json /tmp/bench.json
    """
    from assistant.bench import format_bench, run_bench, write_json

    results = run_bench(_settings(), gold, rounds=rounds)
    click.echo(format_bench(results))
    if json_out:
        write_json(results, json_out)


@main.command()
@click.option("--long", "long_run", is_flag=True, help="The long form (about 10 minutes here) instead of the quick one.")
@click.option("--fuzz", type=int, help="Hypothesis examples for the loader fuzz [long: 3000, quick: 150].")
@click.option("--kills", type=int, help="kill -9 trials during index builds [long: 40, quick: 2].")
@click.option("--threads", type=int, help="Threads asking while the index is rebuilt [long: 8, quick: 4].")
@click.option("--questions", type=int, help="Questions per thread [long: 60, quick: 10].")
@click.option("--seed", default=0, show_default=True, help="Seed for the fuzz and the kill delays.")
@click.option("--corpus", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=Path("evaluation/redaction.jsonl"), show_default=True, help="Redaction corpus.")
def selftest(long_run, fuzz, kills, threads, questions, seed, corpus):
    """Reliability trials with figures: loader fuzz, kill -9 during builds, questions during rebuilds,
    bad questions through the API and the CLI, and redaction. Works on a private copy of the knowledge
    folder; exit 1 when a target is missed. Figures of a long run: docs/reliability.md.

    \b
    Example:
      mentor selftest --long
    """
    from assistant.selftest import LongRun, run_all

    plan = LongRun() if long_run else LongRun(fuzz_examples=150, kill_trials=2, threads=4, per_thread=10)
    plan.seed = seed
    for name, value in (("fuzz_examples", fuzz), ("kill_trials", kills), ("threads", threads), ("per_thread", questions)):
        if value is not None:
            setattr(plan, name, value)
    if not run_all(_settings(), plan, corpus, echo=click.echo):
        raise SystemExit(EXIT_ERROR)


@main.command()
@click.option("--port", default=8501, show_default=True, help="Port to listen on.")
@click.option("--host", default="localhost", show_default=True, help="Address to bind.")
def serve(port, host):
    """Run the Streamlit chat app (app.py)."""
    app = Path(__file__).resolve().parent.parent / "app.py"
    if not app.exists():
        raise click.ClickException(f"{app} not found; run `mentor serve` from a source checkout")
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port),
           "--server.address", host, "--browser.gatherUsageStats", "false", "--server.headless", "true"]
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.exit(subprocess.call(cmd))


# Staff workspace commands (kb new, gaps, feedback export, staff): see assistant/cli_staff.py.
from assistant import cli_staff  # noqa: E402 - registers onto the groups defined above

cli_staff.register(main, kb)


if __name__ == "__main__":
    main()
