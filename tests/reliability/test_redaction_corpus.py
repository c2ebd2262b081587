"""Redaction recall and over-redaction on a slice of evaluation/redaction.jsonl (the long run uses all)."""

from assistant.quality.selftest import run_redaction


def test_redaction_masks_the_personal_data_and_leaves_normal_questions_alone(repo_root):
    report = run_redaction(repo_root / "evaluation" / "redaction.jsonl", limit=20)
    assert sum(report.spans.values()) >= 15 and report.normal >= 15
    assert report.recall >= 0.98, report.misses
    assert report.over_redaction <= 0.02, report.misses
