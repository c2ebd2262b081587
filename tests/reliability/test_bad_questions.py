"""Hostile and malformed questions and histories, through the Python API and `mentor ask`."""

from assistant.cli import main
from assistant.quality.selftest import bad_questions, cli_cases, run_bad_questions_api, run_bad_questions_cli

# The CLI loads the model on every call, so make test sends it a sample; `mentor selftest --long` sends all.
CLI_SAMPLE = ("empty", "NUL and control characters", "over the length limit", "CSV formula",
              "a 60,000-letter word in history", "French")


def test_every_bad_question_returns_a_status_through_the_api(bot):
    report = run_bad_questions_api(bot)
    assert report.cases == len(bad_questions())
    assert report.raised == 0 and report.no_status == 0, report.failures
    assert report.statuses["invalid_input"] >= 10  # wrong types, empty and too long are refused, not answered


def test_bad_questions_return_a_status_and_exit_code_through_the_cli(settings):
    cases = [case for case in bad_questions() if case[0] in CLI_SAMPLE]
    report = run_bad_questions_cli(main, cases)
    assert report.cases == len(CLI_SAMPLE)
    assert report.raised == 0 and report.no_status == 0, report.failures


def test_a_lone_surrogate_returns_a_status_through_the_cli_json(settings):
    cases = [case for case in bad_questions() if case[0] == "lone surrogate"]
    assert len(cli_cases(cases)) == 1
    report = run_bad_questions_cli(main, cases)
    assert report.raised == 0 and report.no_status == 0, report.failures
