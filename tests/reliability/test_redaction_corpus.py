"""Redaction recall and over-redaction on a slice of evaluation/redaction.jsonl (the long run uses all)."""

from assistant.quality.selftest import run_redaction


def test_redaction_masks_the_personal_data_and_leaves_normal_questions_alone(repo_root):
    report = run_redaction(repo_root / "evaluation" / "redaction.jsonl", limit=20)
    assert sum(report.spans.values()) >= 15 and report.normal >= 15
    assert report.recall >= 0.98, report.misses
    assert report.over_redaction <= 0.02, report.misses


def test_a_second_writers_questions_meet_the_targets(repo_root):
    """evaluation/redaction-train.jsonl, 220 questions by a writer who had not seen the rules (the set the
    mechanisms were developed against, so a floor, not an estimate for unseen text)."""
    from assistant.quality.redaction import evaluate_redaction

    report = evaluate_redaction(repo_root / "evaluation" / "redaction-train.jsonl")
    assert sum(report.spans.values()) >= 200 and report.normal >= 60
    assert report.recall >= 0.95, report.misses
    assert report.over_redaction <= 0.03, report.misses
    assert report.withhold_right == report.withhold_expected, report.misses
