"""`mentor eval FILE --llm` measures generated answers against an endpoint, here a scripted one on localhost."""

import json
import re

from click.testing import CliRunner

from assistant.cli import main

CASES = [
    {"id": "t1", "question": "How do I find a mentor?", "history": [], "expected_topics": ["finding-a-mentor"],
     "expected_doc_ids": ["finding-a-mentor"], "out_of_scope": False, "split": "test"},
    {"id": "t2", "question": "How do I set SMART goals with my mentor?", "history": [],
     "expected_topics": ["setting-goals"], "expected_doc_ids": ["setting-smart-goals"], "out_of_scope": False,
     "split": "test"},
    {"id": "t3", "question": "What is the capital of Australia?", "history": [], "expected_topics": [],
     "expected_doc_ids": [], "out_of_scope": True, "split": "test"},
]


def shape(output: str) -> list[str]:
    """The report's lines without their figures."""
    return [" ".join(re.sub(r"[-\d.]+", "#", line).split()) for line in output.splitlines()]


def test_eval_llm_prints_generation_figures_and_leaves_the_rest_alone(settings, scripted_llm, tmp_path, monkeypatch):
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join(json.dumps(c) for c in CASES), encoding="utf-8")
    plain = CliRunner().invoke(main, ["eval", str(gold), "--split", "all", "--quiet"])
    assert plain.exit_code == 0, plain.output

    monkeypatch.setenv("MENTOR_LLM_URL", scripted_llm.url)
    # The same reply for every question: one sentence with no citation, one citing a unit never given.
    scripted_llm.text = "Mentoring helps everyone. Ask a friend for help [9]."
    result = CliRunner().invoke(main, ["eval", str(gold), "--split", "all", "--quiet", "--llm"])
    assert result.exit_code == 0, result.output
    before, llm = result.stdout.split("\nGenerated answers:")
    assert shape(before.rstrip("\n")) == shape(plain.stdout.rstrip("\n"))  # the usual report is unchanged
    assert "2 answered questions" in llm  # the out-of-scope case never reaches the endpoint
    assert re.search(r"kept by the check +0\.0 +\(4 sentences\)", llm), llm
    assert "'no citation': 2" in llm and "'cites a unit not given': 2" in llm
    assert re.search(r"fallback rate +1\.0", llm)
    assert re.search(r"citation precision, as generated +0\.0", llm)
    assert re.search(r"time to first token p50 / p95 \(ms\) +[\d.]+ / [\d.]+", llm)
    assert len(scripted_llm.requests) == 2


def test_eval_llm_without_an_endpoint_says_what_to_set(settings, tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps(CASES[0]), encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", str(gold), "--split", "all", "--llm"])
    assert result.exit_code != 0 and "MENTOR_LLM_URL" in result.output
