"""Loading and validating the knowledge folder: every problem named with its file, field and fix."""

from pathlib import Path

import pytest

from assistant.knowledge import load_knowledge, parse_document

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


@pytest.fixture
def folder(tmp_path, copy_knowledge) -> Path:
    """A knowledge folder with the real taxonomy and no documents yet."""
    return copy_knowledge(tmp_path / "knowledge", docs=[])


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_the_real_knowledge_base_is_valid(knowledge_source):
    kb = load_knowledge(knowledge_source)
    assert kb.problems == []
    assert len(kb.documents) >= 45



def test_every_problem_is_reported_with_file_field_and_fix(folder):
    write(folder, "sample-doc.md", GOOD)
    write(folder, "bad-topic.md", GOOD.replace("id: sample-doc", "id: bad-topic")
          .replace("[finding-a-mentor]", "[goal-setting]").replace("[mentee]", "[mentees]"))
    write(folder, "wrong-name.md", GOOD)
    write(folder, "no-front.md", "Just text, no front matter.")
    write(folder, "bad-date.md", GOOD.replace("id: sample-doc", "id: bad-date").replace("2026-11-20", "next week"))
    kb = load_knowledge(folder)
    messages = [str(p) for p in kb.problems]
    assert [d.id for d in kb.documents] == ["sample-doc"]
    assert any("bad-topic.md: topics" in m and "'goal-setting' is not a known topic (did you mean 'setting-goals'?)" in m
               for m in messages)
    assert any("bad-topic.md: audience" in m and "did you mean 'mentee'" in m for m in messages)
    assert any("wrong-name.md: id" in m and "must equal the file name 'wrong-name'" in m for m in messages)
    assert any("no-front.md: front matter" in m and "start the file with a '---' line" in m for m in messages)
    assert any("bad-date.md: updated" in m and "YYYY-MM-DD" in m for m in messages)


def test_unknown_field_and_broken_yaml(folder):
    write(folder, "x.md", GOOD.replace("id: sample-doc", "id: x").replace("summary:", "sumary:"))
    doc, problems = parse_document(folder / "x.md", {"finding-a-mentor": ""})
    assert doc is None
    assert any(p.field == "sumary" and "did you mean 'summary'" in p.message for p in problems)
    assert any(p.field == "summary" and "is missing" in p.message for p in problems)
    write(folder, "y.md", GOOD.replace("title: Sample document", "title: [unclosed"))
    doc, problems = parse_document(folder / "y.md", {"finding-a-mentor": ""})
    assert doc is None and "not valid YAML" in problems[0].message


def test_intent_questions_are_checked_against_the_headings(tmp_path, copy_knowledge):
    """`questions:` keys should name a section, and every section should have some: both are warnings."""
    from assistant.knowledge import load_knowledge

    knowledge = copy_knowledge(tmp_path / "knowledge", docs=[])
    doc = ("---\nid: small\ntitle: A small guide\ntopics: [finding-a-mentor]\naudience: [mentee]\n"
           "summary: A test document.\nupdated: 2026-11-20\nquestions:\n{questions}---\n\nAn opening line of text.\n\n"
           "## Where to look for a mentor\nLook in your own organisation first.\n\n## Pitfalls to avoid\n- Asking too soon.\n")
    (knowledge / "small.md").write_text(doc.format(questions="  Where to lok for a mentor:\n    - where do i look\n"),
                                        encoding="utf-8")
    kb = load_knowledge(knowledge)
    assert not kb.problems  # a renamed heading does not take the document out of the index
    messages = [str(p) for p in kb.warnings]
    assert any("'Where to lok for a mentor' is not a section heading" in m and "did you mean" in m for m in messages), messages

    (knowledge / "small.md").write_text(doc.format(questions="  Introduction: [what is this]\n"
                                                           "  Where to look for a mentor: [where do i look]\n"),
                                        encoding="utf-8")
    kb = load_knowledge(knowledge)
    assert not kb.problems
    warnings = [str(w) for w in kb.warnings if w.field == "questions"]
    assert warnings == ["knowledge/small.md: questions: the section 'Pitfalls to avoid' lists no questions it answers; add 2-4 "
                        "under questions: Pitfalls to avoid, in the words a person would use"], warnings
    passages = [p for d in kb.documents for p in __import__("assistant.chunking", fromlist=["passages"]).passages(d)]
    assert [p.questions for p in passages] == [["what is this"], ["where do i look"], []]
    assert [p.kind for p in passages] == ["advice", "advice", "pitfall"]


def test_every_shipped_section_declares_the_questions_it_answers(knowledge_source):
    from assistant.knowledge import load_knowledge

    kb = load_knowledge(knowledge_source)
    assert not kb.problems
    assert not [str(w) for w in kb.warnings if w.field == "questions"]
