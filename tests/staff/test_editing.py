import datetime as dt

import pytest

from assistant.models import INTRODUCTION
from assistant.staff.editing import (PLACEHOLDERS, Draft, attach_question, delete_document, file_hash, filter_documents,
                                     list_documents, new_draft, open_document, render_document, save_document,
                                     section_keys, validate_draft)
from assistant.store.documents import FileStore
from assistant.errors import EditConflict, KnowledgeError
from assistant.knowledge import load_knowledge

def test_unknown_topic_is_reported_like_kb_validate_and_nothing_is_written(settings):
    path = settings.knowledge_dir / "setting-smart-goals.md"
    before = path.read_bytes()
    opened = open_document(settings.knowledge_dir, "setting-smart-goals")
    draft = opened.draft.model_copy(update={"topics": ["goal-setting"]})

    problems = validate_draft(settings.knowledge_dir, draft)
    assert [str(p) for p in problems] == [
        "knowledge/setting-smart-goals.md: topics: 'goal-setting' is not a known topic (did you mean "
        "'setting-goals'?); use a slug from knowledge/topics.yaml"]
    with pytest.raises(KnowledgeError, match="goal-setting"):
        save_document(settings.knowledge_dir, draft, expected_hash=opened.hash)
    assert path.read_bytes() == before


def test_valid_save_changes_the_file_and_is_answerable_after_a_rebuild(settings, bot, new_section):
    opened = open_document(settings.knowledge_dir, "setting-smart-goals")
    body = opened.draft.body + "\n\n" + new_section
    heading = new_section.splitlines()[0].lstrip("# ").strip()
    questions = {**opened.draft.questions, heading: ["can my mentor help me practise asking for a raise"]}
    draft = opened.draft.model_copy(update={"body": body, "topics": ["setting-goals", "career-transitions"],
                                            "questions": questions})
    result = save_document(settings.knowledge_dir, draft, expected_hash=opened.hash, today=dt.date(2026, 12, 1))

    text = result.path.read_text()
    assert "topics: [setting-goals, career-transitions]" in text and "updated: 2026-12-01" in text
    assert result.hash == file_hash(result.path) and result.document.topics[1] == "career-transitions"
    assert not list(settings.knowledge_dir.glob(".*.tmp"))  # the temporary file was renamed, not left
    assert load_knowledge(settings.knowledge_dir).ok
    assert "  Rehearse the pay conversation with your mentor:\n    - can my mentor help me practise" in text  # kept on save

    bot.rebuild()
    answer = bot.ask("How can my mentor help me rehearse asking for a pay rise?")
    assert answer.status == "answered"
    assert answer.citations[0].doc_id == "setting-smart-goals"
    assert "Rehearse the pay conversation" in answer.citations[0].section


def test_edit_conflict_is_detected(settings):
    path = settings.knowledge_dir / "finding-a-mentor.md"
    mine = open_document(settings.knowledge_dir, "finding-a-mentor")
    theirs = open_document(settings.knowledge_dir, "finding-a-mentor")
    save_document(settings.knowledge_dir, theirs.draft.model_copy(update={"summary": "Their summary."}),
                  expected_hash=theirs.hash)
    saved_by_them = path.read_bytes()

    with pytest.raises(EditConflict, match="changed on disk since you opened it"):
        save_document(settings.knowledge_dir, mine.draft.model_copy(update={"summary": "My summary."}),
                      expected_hash=mine.hash)
    assert path.read_bytes() == saved_by_them
    with pytest.raises(EditConflict):
        delete_document(FileStore(settings.knowledge_dir), "finding-a-mentor", expected_hash=mine.hash)


def test_new_document_from_skeleton(settings, new_body):
    draft = new_draft("Asking for a pay rise", ["career-transitions"], ["mentee"], "Rehearse it with a mentor.",
                      questions=["How do I negotiate a higher salary?"])
    assert "## How do I negotiate a higher salary?" in draft.body
    assert [p.field for p in validate_draft(settings.knowledge_dir, draft, new=True)] == ["body"]  # placeholders

    draft = draft.model_copy(update={"body": new_body})
    result = save_document(settings.knowledge_dir, draft, expected_hash=None)
    assert result.created and result.path.name == "asking-for-a-pay-rise.md"
    again = validate_draft(settings.knowledge_dir, draft, new=True)
    assert "'asking-for-a-pay-rise' is already used" in str(again[0])
    with pytest.raises(KnowledgeError):
        save_document(settings.knowledge_dir, draft, expected_hash=None)


def test_delete_moves_the_file_to_the_trash(settings):
    opened = open_document(settings.knowledge_dir, "sponsor-versus-mentor")
    said = delete_document(FileStore(settings.knowledge_dir), "sponsor-versus-mentor", expected_hash=opened.hash)
    [target] = (settings.knowledge_dir / ".trash").glob("sponsor-versus-mentor*")
    assert said == f"Moved knowledge/sponsor-versus-mentor.md to knowledge/.trash/{target.name}."
    assert not (settings.knowledge_dir / "sponsor-versus-mentor.md").exists()
    assert "sponsor-versus-mentor" not in {d.id for d in load_knowledge(settings.knowledge_dir).documents}
    with pytest.raises(FileNotFoundError):
        delete_document(FileStore(settings.knowledge_dir), "sponsor-versus-mentor")


def test_ids_cannot_escape_the_knowledge_folder(settings):
    with pytest.raises(ValueError, match="not a document id"):
        open_document(settings.knowledge_dir, "../secrets")
    problems = validate_draft(settings.knowledge_dir, Draft(id="../x", title="T", body="b"), new=True)
    assert problems[0].field == "id" and "not a slug" in problems[0].message


def test_round_trip_keeps_every_fixture_document_byte_for_byte(settings):
    for row in list_documents(settings.knowledge_dir):
        opened = open_document(settings.knowledge_dir, row.id)
        assert render_document(opened.draft) == opened.path.read_text(), row.id


def test_broken_document_is_listed_and_opens_for_fixing(settings):
    path = settings.knowledge_dir / "setting-smart-goals.md"
    path.write_text(path.read_text().replace("topics: [setting-goals]", "topics: [goal-setting]\nowner: sam"))
    row = next(r for r in list_documents(settings.knowledge_dir) if r.id == "setting-smart-goals")
    assert any("goal-setting" in p for p in row.problems) and any("owner" in p for p in row.problems)
    opened = open_document(settings.knowledge_dir, "setting-smart-goals")
    assert opened.draft.topics == ["goal-setting"] and opened.draft.extra == {"owner": "sam"}
    fixed = opened.draft.model_copy(update={"topics": ["setting-goals"]})
    save_document(settings.knowledge_dir, fixed, expected_hash=opened.hash)  # unknown fields are dropped
    assert load_knowledge(settings.knowledge_dir).ok


def test_filters(settings):
    rows = list_documents(settings.knowledge_dir)
    assert {r.id for r in filter_documents(rows, topics=["sponsorship"])} == {"sponsor-versus-mentor"}
    assert all("mentor" in r.audience for r in filter_documents(rows, audience=["mentor"]))
    assert filter_documents(rows, text="SMART worksheet")[0].id == "setting-smart-goals"
    assert filter_documents(rows, updated_since=dt.date(2100, 1, 1)) == []
    assert len(filter_documents(rows)) == len(rows) == 5


def test_placeholders_are_what_the_skeleton_contains():
    body = new_draft().body
    assert all(p in body for p in PLACEHOLDERS)


def test_file_mode_history_is_the_trash_and_restore_brings_a_copy_back(settings):
    from assistant.store.documents import FileStore
    from assistant.staff.editing import delete_document, document_history, restore_document

    store = FileStore(settings.knowledge_dir)
    path = settings.knowledge_dir / "sponsor-versus-mentor.md"
    before = path.read_text()
    assert document_history(store, "sponsor-versus-mentor") == []
    assert "Moved knowledge/sponsor-versus-mentor.md to knowledge/.trash/" in delete_document(store, "sponsor-versus-mentor")
    assert store.deleted() == ["sponsor-versus-mentor.md"]
    [kept] = document_history(store, "sponsor-versus-mentor")
    assert kept.revision == 1 and "moved to the trash" in kept.note
    restore_document(store, "sponsor-versus-mentor", 1, expected_hash=None)
    assert path.read_text() == before and store.deleted() == []


def test_a_question_is_attached_to_its_section_and_answerable_after_a_rebuild(settings, bot):
    path = settings.knowledge_dir / "finding-a-mentor.md"
    body = open_document(settings.knowledge_dir, "finding-a-mentor").draft.body
    assert section_keys("finding-a-mentor", body)[:2] == [INTRODUCTION, "Start with what you want help with"]
    question = "Which colleagues could become my mentor?"
    before = open_document(settings.knowledge_dir, "finding-a-mentor").draft.questions
    saved = attach_question(settings.knowledge_dir, "finding-a-mentor", "Where to look for a mentor", question,
                            today=dt.date(2026, 12, 3))
    assert saved is not None and "updated: 2026-12-03" in path.read_text()
    reopened = open_document(settings.knowledge_dir, "finding-a-mentor")
    looked = before["Where to look for a mentor"]
    assert reopened.draft.questions == {**before, "Where to look for a mentor": [*looked, question]}
    assert load_knowledge(settings.knowledge_dir).ok  # still a valid document, front matter and all
    # attaching it again changes nothing; a second question is appended after the first
    assert attach_question(settings.knowledge_dir, "finding-a-mentor", "Where to look for a mentor",
                           "  which colleagues could become   my mentor? ") is None
    attach_question(settings.knowledge_dir, "finding-a-mentor", "Where to look for a mentor", "Where else can I look?")
    assert open_document(settings.knowledge_dir, "finding-a-mentor").draft.questions["Where to look for a mentor"] == [
        *looked, question, "Where else can I look?"]
    bot.rebuild()  # the new version is what gets indexed
    assert bot.ask(question).citations[0].doc_id == "finding-a-mentor"


def test_attaching_to_a_section_that_is_not_there_names_the_sections(settings):
    path = settings.knowledge_dir / "finding-a-mentor.md"
    before = path.read_bytes()
    with pytest.raises(ValueError, match=r"'Where to look' is not a section of knowledge/finding-a-mentor.md "
                                         r"\(did you mean 'Where to look for a mentor'\?\); its sections are: Introduction"):
        attach_question(settings.knowledge_dir, "finding-a-mentor", "Where to look", "Where do I look?")
    with pytest.raises(ValueError, match="1 to 300 characters"):
        attach_question(settings.knowledge_dir, "finding-a-mentor", INTRODUCTION, "   ")
    assert path.read_bytes() == before


def test_attaching_is_refused_when_the_document_changed_meanwhile(settings, monkeypatch):
    import assistant.staff.editing as editing

    path = settings.knowledge_dir / "finding-a-mentor.md"
    real_open = editing.open_document

    def open_then_someone_saves(*args, **kwargs):
        opened = real_open(*args, **kwargs)
        path.write_text(path.read_text().replace("## Pitfalls to avoid", "## Pitfalls to steer clear of"))
        return opened

    monkeypatch.setattr(editing, "open_document", open_then_someone_saves)
    asked = "Is there a quick way to find a mentor this week?"
    with pytest.raises(EditConflict):
        attach_question(settings.knowledge_dir, "finding-a-mentor", INTRODUCTION, asked)
    assert asked not in path.read_text() and "steer clear" in path.read_text()
