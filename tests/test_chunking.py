"""Chunking: heading-aware sections, passages sized for MiniLM's window, templates kept whole, stable ids."""

import datetime as dt

from assistant.chunking import MAX_WORDS, passages, sections
from assistant.knowledge import load_knowledge
from assistant.models import Document
from assistant.text import sha256, word_count

PARAGRAPH = ("A mentor who listens well asks one question at a time and waits for the whole answer before "
             "offering a view of their own, so the mentee does most of the thinking in the meeting. ")  # 34 words


def document(body: str, doc_id: str = "sample-doc") -> Document:
    return Document(id=doc_id, title="Sample document", topics=["finding-a-mentor"], audience=["mentee"],
                    summary="A short sample.", updated=dt.date(2026, 11, 20), body=body)


NESTED = """Intro line about mentoring.

## Where to look
### Inside your organisation
Ask your manager who is known for developing people.

### Outside it
Professional associations run mentoring schemes.

## Template: cold message ##
Hi [Name], I admire your work on [project].

```
# not a heading, a comment in a code block
```
"""


def test_sections_follow_the_headings_and_their_nesting():
    found = sections(document(NESTED))
    assert [s.heading_path for s in found] == [
        ["Sample document"],
        ["Sample document", "Where to look", "Inside your organisation"],
        ["Sample document", "Where to look", "Outside it"],  # a sibling replaces, never nests under, the last h3
        ["Sample document", "Template: cold message"],  # closing #s are not part of the heading
    ]
    assert found[0].text == "Intro line about mentoring."
    assert "# not a heading" in found[3].text  # a # line in a code block stays in its section's text
    assert [s.is_template for s in found] == [False, False, False, True]


def test_a_heading_with_no_text_under_it_makes_no_section():
    found = sections(document("## Empty\n\n## Full\nSomething to say.\n"))
    assert [s.heading_path[-1] for s in found] == ["Full"]


def test_a_long_section_is_split_at_paragraphs_within_the_size_limit_and_loses_nothing():
    paragraphs = [f"Point {n}. {PARAGRAPH}".strip() for n in range(12)]  # 12 x 36 words
    found = passages(document("## Listening\n" + "\n\n".join(paragraphs) + "\n"))
    assert len(found) > 1
    assert all(word_count(p.text) <= MAX_WORDS for p in found), [word_count(p.text) for p in found]
    # Split only between paragraphs, in order, and every paragraph is kept exactly once.
    assert [block for p in found for block in p.text.split("\n\n")] == paragraphs
    assert {p.section_key for p in found} == {"sample-doc#listening"}
    assert len({p.id for p in found}) == len(found)


def test_a_short_section_is_one_passage():
    found = passages(document("## Listening\n" + PARAGRAPH + "\n"))
    assert len(found) == 1 and found[0].text == PARAGRAPH.strip()


def test_templates_and_worked_examples_are_never_split():
    long_text = "\n\n".join(f"Line {n}. {PARAGRAPH}".strip() for n in range(10))  # 360 words
    assert word_count(long_text) > 2 * MAX_WORDS
    body = f"## Template: cold message\n{long_text}\n\n## Worked example: a first meeting\n{long_text}\n\n## Advice\n{long_text}\n"
    by_section: dict[str, list] = {}
    for p in passages(document(body)):
        by_section.setdefault(p.section, []).append(p)
    assert [p.text for p in by_section["Template: cold message"]] == [long_text]
    assert by_section["Template: cold message"][0].is_template
    assert [p.text for p in by_section["Worked example: a first meeting"]] == [long_text]
    assert len(by_section["Advice"]) > 1  # the same text under another heading is split


def test_every_passage_of_the_real_guidance_fits_the_model_window(knowledge_source):
    kb = load_knowledge(knowledge_source)
    assert kb.documents
    for doc in kb.documents:
        for p in passages(doc):
            if not p.is_template and "Worked example" not in p.section:
                # A short tail is folded into the piece before it, which may then run 20% over.
                assert word_count(p.text) <= MAX_WORDS * 1.2, p.id


def test_passage_ids_are_doc_section_and_content_hash():
    found = passages(document(NESTED))
    inside = found[1]
    assert inside.section == "Where to look › Inside your organisation"
    assert inside.content_hash == sha256(inside.embed_text)
    assert inside.id == f"sample-doc#inside-your-organisation-{inside.content_hash[:10]}"
    assert found[0].id.startswith("sample-doc#intro-")
    # The summary is searched with the document's first passage only.
    assert found[0].context == "A short sample." and all(p.context == "" for p in found[1:])
    assert "Where to look › Inside your organisation" in inside.embed_text


def test_ids_are_stable_and_only_the_edited_section_changes():
    first = [p.id for p in passages(document(NESTED))]
    assert first == [p.id for p in passages(document(NESTED))]
    edited = [p.id for p in passages(document(NESTED.replace("known for developing", "famous for growing")))]
    changed = [i for i, (a, b) in enumerate(zip(first, edited)) if a != b]
    assert changed == [1]
