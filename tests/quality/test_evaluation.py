"""`mentor eval` judges the answer a person reads, through the real CLI, model and index."""

import json
import re

from click.testing import CliRunner

from assistant.cli import main
from assistant.quality.evaluation import check_answer
from assistant.models import Answer, Citation

CASES = [
    {"id": "t1", "question": "How do I find a mentor?", "history": [], "expected_topics": ["finding-a-mentor"],
     "expected_doc_ids": ["finding-a-mentor"], "out_of_scope": False, "role": "mentee", "split": "test"},
    {"id": "t2", "question": "what should I say to them?", "history": ["I found someone who could mentor me"],
     "expected_topics": ["reaching-out"], "expected_doc_ids": ["reaching-out-to-a-potential-mentor"],
     "out_of_scope": False, "split": "test"},
    {"id": "t3", "question": "What is the capital of Australia?", "history": [], "expected_topics": [],
     "expected_doc_ids": [], "out_of_scope": True, "split": "test"},
]


def test_eval_prints_answer_checks_and_writes_every_answer(settings, tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join(json.dumps(c) for c in CASES), encoding="utf-8")
    answers = tmp_path / "answers.md"
    result = CliRunner().invoke(main, ["eval", str(gold), "--split", "all", "--answers", str(answers)])
    assert result.exit_code == 0, result.output
    for label in ("answer topic hit@3", "lead from top document", "pitfalls outside heading",
                  "dangling references", "role inferred right"):
        assert label in result.output
    assert re.search(r"answer topic hit@1 +1\.000", result.output), result.output
    written = answers.read_text(encoding="utf-8")
    assert "## t1: How do I find a mentor?" in written and "> earlier: I found someone" in written
    assert "(finding-a-mentor)" in written and "Status: out_of_scope" in written


def test_the_checker_catches_a_pitfall_without_its_heading_and_a_dangling_line(bot):
    passages = {p.id: p for p in bot.index.passages}
    pitfall = next(p for p in passages.values() if p.section == "Pitfalls to avoid" and p.doc_id == "finding-a-mentor")
    leaning = "These questions help you decide."
    citation = Citation(number=1, doc_id=pitfall.doc_id, title=pitfall.title, section=pitfall.section,
                        topics=pitfall.topics, text=pitfall.text, score=0.5, passage_id=pitfall.id)
    bare = Answer(status="answered", text=f"- {pitfall.sentences[0]} [1]\n- {leaning} [1]", citations=[citation],
                  role="mentor")
    checks = check_answer(bare, passages)
    assert checks.pitfalls_outside_heading == 2 and checks.dangling == 1 and checks.other_audience == 1
    headed = bare.model_copy(update={"text": f"**Pitfalls to avoid**\n- {pitfall.sentences[0]} [1]", "role": "mentee"})
    assert check_answer(headed, passages).problems == []
