"""kill -9 at random points of a real `build_index` in a child process: the index left behind loads."""

from assistant.quality.selftest import run_kill_trials


def test_a_build_killed_at_random_points_leaves_a_usable_index(settings):
    # Two trials keep `make test` quick; `mentor selftest --long` runs many more.
    report = run_kill_trials(settings, trials=2, seed=1, build_s=0.3)
    assert report.trials == 2
    assert report.unusable == 0, report.failures
    assert report.rebuild_after_ok and report.leftovers_after == 0, report.failures
