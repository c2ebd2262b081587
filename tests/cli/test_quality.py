"""`mentor eval` through click's CliRunner on a three-case gold file, with the real model and index."""

import json
import re

import pytest
from click.testing import CliRunner

from assistant.cli import main

# Two questions the fixture guidance answers from one document each, and one it cannot answer.
CASES = [
    {"id": "c1", "question": "How do I find a mentor?", "history": [], "expected_topics": ["finding-a-mentor"],
     "expected_doc_ids": ["finding-a-mentor"], "out_of_scope": False, "split": "tune"},
    {"id": "c2", "question": "What does each letter of SMART goals stand for?", "history": [],
     "expected_topics": ["setting-goals"], "expected_doc_ids": ["setting-smart-goals"], "out_of_scope": False,
     "split": "test"},
    {"id": "c3", "question": "What is the capital of Australia?", "history": [], "expected_topics": [],
     "expected_doc_ids": [], "out_of_scope": True, "split": "test"},
]


@pytest.fixture
def gold(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(json.dumps(case) for case in CASES) + "\n", encoding="utf-8")
    return path


def metric(output: str, label: str) -> str:
    """The value printed on a metric's row of the report."""
    match = re.search(rf"^{re.escape(label)} +(\S+)", output, re.M)
    assert match, f"no row {label!r} in:\n{output}"
    return match.group(1)


def test_eval_prints_the_metrics_of_a_small_gold_file(settings, gold, tmp_path):
    report = tmp_path / "report.json"
    result = CliRunner().invoke(main, ["eval", str(gold), "--split", "all", "--json", str(report)])
    assert result.exit_code == 0, result.output
    assert f"Evaluation of {gold} (split: all, retrieval: hybrid)" in result.output
    for label in ("topic hit@1 (single turn)", "topic hit@3 (single turn)", "doc hit@3", "MRR@10",
                  "out-of-scope refusal", "answer topic hit@3"):
        assert metric(result.output, label) == "1.000", label
    assert metric(result.output, "false refusal") == "0.000"
    assert metric(result.output, "follow-up hit@3") == "-"  # no follow-ups in this file
    assert "cases: 3 (2 in scope, of which 0 follow-ups; 1 out of scope)" in result.output
    assert "Misses" not in result.output
    saved = json.loads(report.read_text())
    assert saved["metrics"]["topic_hit@3"] == 1.0 and saved["metrics"]["cases"] == 3
    assert f"Wrote {report}" in result.output


def test_eval_counts_only_the_chosen_split_and_names_a_miss(settings, tmp_path):
    wrong = dict(CASES[0], id="w1", expected_topics=["sponsorship"], expected_doc_ids=["sponsor-versus-mentor"])
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(json.dumps(case) for case in [*CASES, wrong]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", str(path), "--split", "tune"])  # c1 and w1
    assert result.exit_code == 0, result.output
    assert "cases: 2 (2 in scope, of which 0 follow-ups; 0 out of scope)" in result.output
    assert metric(result.output, "topic hit@1 (single turn)") == "0.500"
    assert "Misses (1):" in result.output
    assert re.search(r"w1 .*'How do I find a mentor\?'\n +expected .*sponsor", result.output), result.output


def test_eval_of_a_missing_file_is_a_usage_error(settings, tmp_path):
    result = CliRunner().invoke(main, ["eval", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_eval_ratings_prints_the_readers_shares(tmp_path):
    import json

    from click.testing import CliRunner

    from assistant.cli import main

    answers = [{"id": "a", "history": [], "question": "q", "out_of_scope": False, "status": "answered", "answer": "x", "sources": []},
               {"id": "b", "history": ["h"], "question": "q", "out_of_scope": False, "status": "answered", "answer": "x", "sources": []},
               {"id": "c", "history": [], "question": "q", "out_of_scope": True, "status": "out_of_scope", "answer": "no", "sources": []}]
    ratings = [{"id": "a", "score": 2, "misleading": False, "fragmented": False, "offtopic_block": True, "why": ""},
               {"id": "b", "score": 0, "misleading": True, "fragmented": False, "offtopic_block": False, "why": ""},
               {"id": "c", "score": 2, "misleading": False, "fragmented": False, "offtopic_block": False, "why": ""}]
    (tmp_path / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in answers))
    (tmp_path / "r.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ratings))
    result = CliRunner().invoke(main, ["eval-ratings", str(tmp_path / "a.jsonl"), str(tmp_path / "r.jsonl")])
    assert result.exit_code == 0, result.output
    assert "single            1       100%        0%     0%" in result.output
    assert "follow-up         1         0%        0%   100%" in result.output
    assert "misleading 50%, fragmented 0%, offtopic_block 50%" in result.output
    (tmp_path / "r.jsonl").write_text(json.dumps({**ratings[0], "id": "zz"}) + "\n")
    result = CliRunner().invoke(main, ["eval-ratings", str(tmp_path / "a.jsonl"), str(tmp_path / "r.jsonl")])
    assert result.exit_code == 1 and "'zz'" in result.output


def test_eval_lead_match_measures_the_saved_threshold_and_fits_on_tune_only(settings, tmp_path):
    from assistant.staff.insights import lead_match_threshold

    labelled = [dict(CASES[0], expected_sections=["finding-a-mentor#nowhere"]), CASES[2]]  # c1 opens elsewhere
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(json.dumps(case) for case in labelled) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", str(path), "--split", "all", "--lead-match"])
    assert result.exit_code == 0, result.output
    assert "1 answered cases with expected_sections, 1 (100%) opening in a section not among them" in result.output
    assert re.search(rf"^ +{lead_match_threshold():.2f} +\d +1 ", result.output, re.M), result.output
    refused = CliRunner().invoke(main, ["eval", str(path), "--split", "test", "--fit-lead-match"])
    assert refused.exit_code != 0 and "tune split only" in refused.output
