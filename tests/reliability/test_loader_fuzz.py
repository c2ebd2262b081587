"""The knowledge loader on hostile files: the nasty cases of issue 11 and Hypothesis-generated ones."""

from assistant.quality.selftest import run_loader_fuzz, run_nasty_corpus


def test_every_nasty_case_is_a_named_problem_never_a_crash_or_hang(tmp_path, knowledge_source):
    report = run_nasty_corpus(tmp_path, knowledge_source)
    assert report.cases >= 40
    assert (report.crashes, report.hangs, report.unnamed, report.good_lost) == (0, 0, 0, 0), report.failures


def test_generated_files_never_crash_hang_or_hide_their_name(tmp_path, knowledge_source):
    report = run_loader_fuzz(tmp_path, knowledge_source, examples=150, seed=0)
    assert report.cases == 150
    assert (report.crashes, report.hangs, report.unnamed, report.good_lost) == (0, 0, 0, 0), report.failures
