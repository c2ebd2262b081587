"""The pages on a shared database: an unreachable PostgreSQL is a message, not a traceback; the Documents page
restores a previous version from the database's history (file mode: tests/views/test_staff_page.py)."""

import pytest

from assistant.store.documents import document_store
from assistant.staff.editing import open_document, save_document

pytestmark = pytest.mark.usefixtures("fresh_caches")


def test_an_unreachable_database_is_named_without_its_password(staff_env, monkeypatch, open_app):
    monkeypatch.setenv("MENTOR_DATABASE_URL", "postgresql+psycopg://mentor:hunter2-secret@127.0.0.1:1/mentor")
    for at in (open_app().run(), open_app("views/staff.py").run()):
        assert not at.exception
        shown = "\n".join(e.value for e in at.error)
        assert "127.0.0.1:1" in shown and "check that PostgreSQL is running" in shown
        assert "hunter2-secret" not in shown


@pytest.mark.postgres
def test_restore_a_previous_version_from_the_documents_page(staff_env, postgres_url, monkeypatch, signed_in):
    monkeypatch.setenv("MENTOR_DATABASE_URL", postgres_url)
    settings = staff_env.model_copy(update={"database_url": postgres_url})
    store = document_store(settings)
    original = (settings.knowledge_dir / "finding-a-mentor.md").read_text()
    opened = open_document(settings.knowledge_dir, "finding-a-mentor", store=store)
    save_document(settings.knowledge_dir, opened.draft.model_copy(update={"summary": "A worse summary."}),
                  expected_hash=opened.hash, store=store, author="someone")

    at = signed_in()
    at.selectbox(key="doc_pick").set_value("finding-a-mentor")
    at = at.button(key="doc_view").click().run()
    assert not at.exception
    assert at.selectbox(key="doc_rev_finding-a-mentor").options == ["1"]  # the current revision 2 is not offered
    at = at.button(key="doc_restore_finding-a-mentor").click().run()
    assert not at.exception, at.exception
    assert "Restored version 1 of knowledge/finding-a-mentor.md" in at.success[0].value
    assert [r.note for r in store.history("finding-a-mentor.md")] == ["imported", "saved", "restored revision 1"]
    assert (settings.knowledge_dir / "finding-a-mentor.md").read_text() == original
