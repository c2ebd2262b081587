from pathlib import Path

from assistant.knowledge import load_knowledge, parse_document
from assistant.chunking import passages, sections, MAX_WORDS
from assistant.text import word_count

ROOT = Path(__file__).resolve().parent.parent

GOOD = """---
id: sample-doc
title: Sample document
topics: [finding-a-mentor]
audience: [mentee]
summary: A short sample.
updated: 2026-11-20
---

Intro line about mentoring.

## Where to look
### Inside your organisation
Ask your manager who is known for developing people.

## Template: cold message
Hi [Name], I admire your work on [project].
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / "topics.yaml").write_text((ROOT / "knowledge" / "topics.yaml").read_text())
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_real_knowledge_base_is_valid():
    kb = load_knowledge(ROOT / "knowledge")
    assert kb.problems == []
    assert len(kb.documents) >= 45


def test_sections_keep_heading_paths(tmp_path):
    write(tmp_path, "sample-doc.md", GOOD)
    kb = load_knowledge(tmp_path)
    doc = kb.documents[0]
    paths = [s.heading_path for s in sections(doc)]
    assert paths == [["Sample document"], ["Sample document", "Where to look", "Inside your organisation"],
                     ["Sample document", "Template: cold message"]]
    ps = passages(doc)
    assert ps[1].section == "Where to look › Inside your organisation"
    assert ps[2].is_template
    assert ps[1].id.startswith("sample-doc#inside-your-organisation-")


def test_passage_ids_are_stable_and_change_with_content(tmp_path):
    write(tmp_path, "sample-doc.md", GOOD)
    first = [p.id for p in passages(load_knowledge(tmp_path).documents[0])]
    again = [p.id for p in passages(load_knowledge(tmp_path).documents[0])]
    write(tmp_path, "sample-doc.md", GOOD.replace("known for developing", "famous for growing"))
    changed = [p.id for p in passages(load_knowledge(tmp_path).documents[0])]
    assert first == again
    assert first[0] == changed[0] and first[1] != changed[1]


def test_long_sections_are_split_to_fit_the_model_window():
    for doc in load_knowledge(ROOT / "knowledge").documents:
        for p in passages(doc):
            if not p.is_template and "Worked example" not in p.section:
                assert word_count(p.text) <= MAX_WORDS * 1.25, p.id


def test_every_problem_is_reported_with_file_field_and_fix(tmp_path):
    write(tmp_path, "sample-doc.md", GOOD)
    write(tmp_path, "bad-topic.md", GOOD.replace("id: sample-doc", "id: bad-topic")
          .replace("[finding-a-mentor]", "[goal-setting]").replace("[mentee]", "[mentees]"))
    write(tmp_path, "wrong-name.md", GOOD)
    write(tmp_path, "no-front.md", "Just text, no front matter.")
    write(tmp_path, "bad-date.md", GOOD.replace("id: sample-doc", "id: bad-date").replace("2026-11-20", "next week"))
    kb = load_knowledge(tmp_path)
    messages = [str(p) for p in kb.problems]
    assert [d.id for d in kb.documents] == ["sample-doc"]
    assert any("bad-topic.md: topics" in m and "'goal-setting' is not a known topic (did you mean 'setting-goals'?)" in m
               for m in messages)
    assert any("bad-topic.md: audience" in m and "did you mean 'mentee'" in m for m in messages)
    assert any("wrong-name.md: id" in m and "must equal the file name 'wrong-name'" in m for m in messages)
    assert any("no-front.md: front matter" in m and "start the file with a '---' line" in m for m in messages)
    assert any("bad-date.md: updated" in m and "YYYY-MM-DD" in m for m in messages)


def test_unknown_field_and_broken_yaml(tmp_path):
    write(tmp_path, "x.md", GOOD.replace("id: sample-doc", "id: x").replace("summary:", "sumary:"))
    doc, problems = parse_document(tmp_path / "x.md", {"finding-a-mentor": ""})
    assert doc is None
    assert any(p.field == "sumary" and "did you mean 'summary'" in p.message for p in problems)
    assert any(p.field == "summary" and "is missing" in p.message for p in problems)
    write(tmp_path, "y.md", GOOD.replace("title: Sample document", "title: [unclosed"))
    doc, problems = parse_document(tmp_path / "y.md", {"finding-a-mentor": ""})
    assert doc is None and "not valid YAML" in problems[0].message
