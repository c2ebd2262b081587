"""Threads asking through one shared Assistant while another thread rebuilds and swaps the index."""

from assistant.quality.selftest import run_concurrency


def test_threads_asking_during_rebuilds_get_the_single_thread_answers(bot):
    report = run_concurrency(bot, threads=4, per_thread=10)
    assert report.asks == 40
    assert report.errors == 0 and report.differing == 0, report.failures[:5]
    assert report.rebuilds >= 1 and report.rebuild_errors == 0, report.failures[:5]
    assert len(report.concurrent_ms) == 40 and report.p95_ratio > 0
