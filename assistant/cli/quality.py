"""Measuring commands: `mentor eval`, `eval-support`, `eval-redaction`, `bench` and `selftest`."""

from __future__ import annotations

from pathlib import Path

import click

from assistant.cli.core import EXIT_ERROR, load_settings, main
from assistant.models import RETRIEVAL_MODES



@main.command(name="eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--split", default="test", show_default=True, help="tune, test or all.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), help="Also write the report here.")
@click.option("--mode", type=click.Choice(RETRIEVAL_MODES), help="Override MENTOR_RETRIEVAL.")
@click.option("--calibrate", is_flag=True,
              help="Fit the out-of-scope model on these cases and print it; on the tune split, also save it "
                   "beside the index (index/scope-model.json) for the next build.")
@click.option("--quiet", is_flag=True, help="Print only the metrics table, not each miss.")
@click.option("--answers", "answers_out", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write every question with its answer and sources here (Markdown), for review.")
@click.option("--llm", "with_llm", is_flag=True,
              help="Also measure generated answers against MENTOR_LLM_URL (kept sentences, fallbacks, latency).")
@click.option("--limit", type=int, help="With --llm: measure at most this many questions.")
@click.option("--fit-weights", "fit", is_flag=True,
              help="Fit the answer weights (intent share, other-audience penalty) on --split tune and save them "
                   "beside the index (index/answer-weights.json) for the next build; prints the grid.")
@click.option("--fit-lead-match", "fit_lead", is_flag=True,
              help="Fit the lead match below which the Insights page lists an answer as doubtful, on --split tune, "
                   "and save it with its provenance (assistant/staff/lead-match.json); prints the grid.")
@click.option("--lead-match", "lead", is_flag=True,
              help="Print how well the saved lead-match threshold picks out answers that open in a section the "
                   "labeller did not choose, on --split.")
def evaluate_cmd(file, split, json_out, mode, calibrate, quiet, answers_out, with_llm, limit, fit, fit_lead, lead):
    """Run every case of a gold FILE through Assistant.ask and report quality.

    \b
    Examples:
      mentor eval evaluation/gold.jsonl --split test
      mentor eval evaluation/gold.jsonl --split tune --calibrate
      mentor eval evaluation/gold.jsonl --split tune --fit-weights
      mentor eval evaluation/gold.jsonl --split tune --fit-lead-match
      mentor eval evaluation/gold.jsonl --mode dense --json /tmp/dense.json
      mentor eval evaluation/holdout2.jsonl --answers evaluation/answers-holdout.md
      MENTOR_LLM_URL=http://localhost:11434/v1 mentor eval evaluation/gold.jsonl --split test --llm
    """
    from assistant.quality.evaluation import evaluate, evaluate_llm, format_llm_report, format_report, write_answers, write_json
    from assistant.pipeline import Assistant

    settings = load_settings()
    if with_llm and not settings.llm_url:
        raise click.ClickException("--llm needs MENTOR_LLM_URL set to the endpoint to measure (see docs/llm.md)")
    if mode:
        settings = settings.model_copy(update={"retrieval": mode})
    # The quality figures are the extractive answer's, whatever MENTOR_LLM_URL says; --llm measures generation.
    bot = Assistant.from_settings(settings.model_copy(update={"llm_url": None}))
    bot.ask("warm-up question about mentoring")  # the first call pays one-off costs
    if fit:
        _fit_weights(settings, bot, file, split)
        return
    if fit_lead or lead:
        _lead_match(bot, file, split, fit_lead)
        return
    try:
        report = evaluate(bot, file, split, calibrate_scope=calibrate)
    except ValueError as exc:  # a malformed case, or no case for the split: the message names the fix
        raise click.ClickException(str(exc)) from None
    if quiet:
        report_view = dict(report, misses=[])
    else:
        report_view = report
    click.echo(format_report(report_view))
    if calibrate:
        _save_calibration(settings, report["calibration"], split, file)
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


def _fit_weights(settings, bot, file: Path, split: str) -> None:
    """Fit the answer weights on the tune split and save them beside the index for the next build."""
    from assistant.files import write_atomic
    from assistant.quality.evaluation import fit_weights, load_gold
    from assistant.weights import WEIGHTS_FILE

    if split != "tune":
        raise click.ClickException(f"--fit-weights fits on the tune split only, got --split {split}; the test split "
                                   "must still measure the result")
    fitted, table = fit_weights(bot, load_gold(file, "tune"), file)
    click.echo(f"{'intent_share':>12} {'other_audience':>14} {'topic hit@1':>11} {'follow-up hit@3':>15}")
    for row in table:
        click.echo(f"{row['intent_share']:>12} {row['other_audience']:>14} {row['topic_hit@1']:>11} {row['follow_up_hit@3']!s:>15}")
    path = Path(settings.index_dir) / WEIGHTS_FILE
    write_atomic(path, fitted.to_json())
    click.echo(f"\nChosen: intent_share={fitted.intent_share}, other_audience={fitted.other_audience}. Saved to {path}; "
               "`mentor index build` puts it live (its sha256 is recorded in the version's manifest).")


def _lead_match(bot, file: Path, split: str, fit: bool) -> None:
    """Fit (tune split only) or measure the lead-match threshold of the Insights page's doubtful answers."""
    from assistant.quality.evaluation import (fit_lead_match, format_lead_match, lead_match_cases, lead_match_figures,
                                              load_gold, run_cases, save_lead_match, separation)
    from assistant.staff.insights import lead_match_threshold

    if fit and split != "tune":
        raise click.ClickException(f"--fit-lead-match fits on the tune split only, got --split {split}; the test "
                                   "split must still measure the result")
    results = run_cases(bot, load_gold(file, split))
    cases = lead_match_cases(results)
    if not cases:
        raise click.ClickException(f"{file} has no answered case with expected_sections for split {split!r}")
    misses = sum(miss for _, miss in cases)
    margins = lead_match_cases(results, "lead_margin")
    click.echo(f"{file} split {split}: {len(cases)} answered cases with expected_sections, {misses} "
               f"({misses / len(cases):.0%}) opening in a section not among them\n"
               f"separation (AUC, 0.5 = chance): lead match {separation(cases)}; for comparison, the lead margin "
               f"over the next section {separation(margins)} ({len(margins)} cases with a runner-up)\n")
    if not fit:
        click.echo(format_lead_match([lead_match_figures(cases, lead_match_threshold())]))
        return
    try:
        below, table = fit_lead_match(cases)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(format_lead_match(table))
    path = save_lead_match(below, table, file, {"lead_match": separation(cases), "lead_margin": separation(margins)})
    click.echo(f"\nChosen: lead match below {below:.2f}. Saved to {path} with its provenance.")


def _save_calibration(settings, calibration: dict, split: str, file: Path) -> None:
    """Save a scope model fitted on the tune split; a model fitted on test cases would hide overfitting."""
    from assistant.scope import ScopeModel, save_model

    if split != "tune":
        click.echo(f"\nNot saved: the model was fitted on the '{split}' split. Fit it on --split tune, so the test "
                   "split still measures it.", err=True)
        return
    import datetime as dt

    provenance = {"fitted_on": f"{Path(file).as_posix()} split=tune ({calibration['cases']} cases)",
                  "date": dt.date.today().isoformat(), "thresholds": calibration["thresholds"]}
    path = save_model(settings.index_dir, ScopeModel(calibration["weights"], calibration["bias"], provenance))
    click.echo(f"\nSaved the scope model to {path}. `mentor index build` puts it live (its sha256 is recorded in "
               "the version's manifest).")


@main.command(name="eval-ratings")
@click.argument("answers", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("ratings", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def eval_ratings(answers, ratings):
    """The reader's shares from dumped ANSWERS (`mentor eval ... --answers X.jsonl`) and their RATINGS.

    \b
    Example:
      mentor eval-ratings evaluation/answers-holdout3.jsonl evaluation/ratings-holdout3.jsonl
    """
    from assistant.quality.evaluation import format_shares, rating_shares

    try:
        click.echo(format_shares(rating_shares(answers, ratings)))
    except (ValueError, KeyError) as exc:
        raise click.ClickException(str(exc)) from None


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
    from assistant.quality.evaluation import format_support_report, support_report

    click.echo(format_support_report(support_report(file, Embedder(load_settings().model), fit=fit)))


@main.command(name="eval-care")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--split", default="test", show_default=True, help="tune, test or all.")
@click.option("--calibrate", is_flag=True,
              help="Fit the care model on the tune split (thresholds chosen out-of-fold) and save it as "
                   "assistant/care.json with its provenance.")
@click.option("--gold", type=click.Path(path_type=Path), default=Path("evaluation/gold.jsonl"), show_default=True,
              help="Mentoring questions of the same split, counted as everyday messages.")
@click.option("--extra", type=click.Path(path_type=Path), default=Path("evaluation/care-train.jsonl"),
              show_default=True, help="More labelled messages ({\"text\", \"label\"} lines) that --calibrate "
                                      "trains on beside the tune split; not used without --calibrate.")
@click.option("--quiet", is_flag=True, help="Print only the figures, not each message decided wrongly.")
def eval_care(file, split, calibrate, gold, extra, quiet):
    """Recall of the support reply for crisis and safeguarding messages, the share of everyday messages
    given it, and per-label figures. Exits 1 below a target (recall >= 0.98, everyday <= 0.03).
    With --calibrate, first prints the out-of-fold figures the fit chose its thresholds on (then the
    figures on the split are of a model that has seen it).

    \b
    Examples:
      mentor eval-care evaluation/care.jsonl --split tune --calibrate   # refit assistant/care.json
      mentor eval-care evaluation/care-heldback.jsonl --split all --gold /dev/null   # messages kept out of fitting
      mentor eval-care evaluation/care.jsonl --split test
    """
    from assistant.embedding import Embedder
    from assistant.quality.care import CareReport, evaluate_care, save_model

    settings = load_settings()
    embedder = Embedder(settings.model)
    try:
        report, fitted = evaluate_care(file, split, settings.knowledge_dir, embedder.encode, gold=gold,
                                       calibrate_model=calibrate, extra=extra)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if fitted is not None:
        provenance = fitted.extra["provenance"]
        click.echo(f"fitted on {provenance['fitted_on']}\nC {provenance['C']} (out-of-fold recall by C: "
                   f"{provenance['C_out_of_fold_recall']}); thresholds support {fitted.support_threshold:.3f}, "
                   f"employment {fitted.employment_threshold:.3f}")
        names = {"all": "all the messages", "care": f"{file.name} split tune", "train": "the extra messages"}
        for part, figures in fitted.extra["out_of_fold"].items():
            lines = CareReport(f"out-of-fold, {names[part]}", figures).lines()
            click.echo("\n".join(lines) + "\n")
        click.echo(f"Saved {save_model(fitted)}\n\nThe fitted model on the split (it has seen these):")
    click.echo("\n".join(report.lines()))
    if report.misses and not quiet:
        click.echo("\n" + "\n".join(report.misses))
    if not report.meets_targets:
        click.echo("\nBelow target.", err=True)
        raise SystemExit(EXIT_ERROR)


@main.command(name="eval-redaction")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--quiet", is_flag=True, help="Print only the figures, not each miss.")
@click.option("--split", default="all", show_default=True, help="tune, test or all (lines without a split are in every one).")
@click.option("--min-recall", default=0.95, show_default=True, help="Exit 1 when span recall is below this.")
@click.option("--max-over", default=0.03, show_default=True, help="Exit 1 when over-redaction is above this.")
def eval_redaction(file, quiet, split, min_recall, max_over):
    """Redaction recall per category and overall, over-redaction of ordinary questions, questions withheld,
    and timings. Exits 1 below the thresholds.

    \b
    Examples:
      mentor eval-redaction evaluation/redaction.jsonl
      mentor eval-redaction evaluation/redaction-fresh.jsonl --split test
    """
    from assistant.quality.redaction import evaluate_redaction

    try:
        report = evaluate_redaction(file, split=split)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("\n".join(report.lines()))
    if report.misses and not quiet:
        click.echo("\n" + "\n".join(report.misses))
    if report.recall < min_recall or report.over_redaction > max_over:
        click.echo(f"\nBelow threshold: recall {report.recall:.3f} (needs >= {min_recall}), over-redaction "
                   f"{report.over_redaction:.3f} (needs <= {max_over}).", err=True)
        raise SystemExit(EXIT_ERROR)


@main.command()
@click.option("--gold", type=click.Path(path_type=Path), default=Path("evaluation/gold.jsonl"), show_default=True,
              help="Questions to time (single-turn cases are used).")
@click.option("--rounds", default=1, show_default=True, help="Passes over the questions for latency.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), help="Also write figures here.")
@click.option("--cli-only", is_flag=True, help="Only time `mentor ask` (whole process) against a bare model load.")
@click.option("--runs", default=3, show_default=True, help="Fresh processes per cold-start figure.")
def bench(gold, rounds, json_out, cli_only, runs):
    """Print speed and memory figures: ask() latency against a bare query embedding, full and
    incremental build times, cold start and `mentor ask` against a bare model load, and peak RSS.

    \b
    Examples:
      mentor bench --json /tmp/bench.json
      mentor bench --cli-only
    """
    from assistant.quality.bench import bench_cli_ask, format_bench, format_cli_ask, run_bench, write_json

    if cli_only:
        results = {"cli": bench_cli_ask(load_settings(), runs)}
        click.echo(format_cli_ask(results["cli"]))
        if json_out:
            write_json(results, json_out)
        return
    results = run_bench(load_settings(), gold, rounds=rounds, cold_runs=runs)
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
    from assistant.quality.selftest import LongRun, run_all

    plan = LongRun() if long_run else LongRun(fuzz_examples=150, kill_trials=2, threads=4, per_thread=10)
    plan.seed = seed
    for name, value in (("fuzz_examples", fuzz), ("kill_trials", kills), ("threads", threads), ("per_thread", questions)):
        if value is not None:
            setattr(plan, name, value)
    if not run_all(load_settings(), plan, corpus, main, echo=click.echo):
        raise SystemExit(EXIT_ERROR)
